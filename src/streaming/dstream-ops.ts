// Builders behind DStream's own methods: each validates its arguments at the call
// (user functions are shipped now, so a free variable fails here, not in a batch) and
// wraps a DStreamImpl in a new DStream. Pair methods are built in pair-dstream-ops.ts,
// windows in window-ops.ts; the rules they share live in stream-args.ts.

import path from 'node:path';
import { errors, streamingErrors } from '../shared/errors.js';
import { positiveInt } from '../options.js';
import { HashPartitioner } from '../rdd/partitioner.js';
import { RDD } from '../rdd/rdd.js';
import { planFunction, type FnOptions, type UserFn } from '../rdd/user-function.js';
import { FN_FIELDS, resolveMethodOptions } from '../rdd/method-options.js';
import { localPath } from '../storage/local-path.js';
import { refuseS3Url } from '../storage/storage-url.js';
import type { DStream } from './dstream.js';
import {
  ForEachRDDOutput,
  PrintOutput,
  SaveFilesOutput,
  type SaveFilesKind,
} from './output-operations.js';
import { reduceByKey } from './pair-dstream-ops.js';
import { make, multipleOf, sameGrid, withPartitioner } from './stream-args.js';
import { MappedImpl, TransformedImpl, rddOrEmpty } from './transformed-dstreams.js';

/**
 * A stream whose RDD per batch is `build` of the parent's (the RDD method of the same name,
 * passed typed by DStream). The function and options are checked now, at the call that
 * defines the stream, not when the first batch builds its RDD.
 */
export function rddOp<T, U>(
  stream: DStream<T>,
  kind: 'map' | 'filter' | 'flatMap' | 'mapPartitions' | 'mapValues' | 'flatMapValues',
  f: unknown,
  opts: (FnOptions<unknown> & { preservesPartitioning?: boolean }) | undefined,
  build: (rdd: RDD<T>) => RDD<U>,
): DStream<U> {
  const fields = kind === 'mapPartitions' ? (['env', 'preservesPartitioning'] as const) : FN_FIELDS;
  resolveMethodOptions(`dstream.${kind}`, opts, fields);
  planFunction(f, opts, `dstream.${kind}`);
  return make(stream, new MappedImpl(kind, stream, build));
}

/** The RDD a main-thread function returned: typed for TypeScript callers, checked for JavaScript ones. */
function resultRDD<U>(out: RDD<U>, what: string): RDD<U> {
  if (!(out instanceof RDD)) throw errors.invalidArgument(`result of the ${what}`, 'an RDD', out);
  return out;
}

export function transform<T, U>(
  stream: DStream<T>,
  f: (rdd: RDD<T>, timeMs: number) => RDD<U>,
): DStream<U> {
  const what = 'dstream.transform function';
  if (typeof f !== 'function')
    throw errors.invalidArgument(what, 'a function (rdd, timeMs) => RDD', f);
  const build = (timeMs: number): RDD<U> => resultRDD(f(rddOrEmpty(stream, timeMs), timeMs), what);
  return make(stream, new TransformedImpl('transform', [stream], build));
}

/** Spark's transformWith: both streams' RDDs of a batch (empty where one has none) into one. */
export function transformWith<T, U, R>(
  stream: DStream<T>,
  other: DStream<U>,
  f: (rdd: RDD<T>, otherRdd: RDD<U>, timeMs: number) => RDD<R>,
): DStream<R> {
  sameGrid(stream, other, 'dstream.transformWith other');
  if (typeof f !== 'function') {
    throw errors.invalidArgument(
      'dstream.transformWith function',
      'a function (rdd, otherRdd, timeMs) => RDD',
      f,
    );
  }
  const build = (timeMs: number): RDD<R> =>
    resultRDD(
      f(rddOrEmpty(stream, timeMs), rddOrEmpty(other, timeMs), timeMs),
      'dstream.transformWith function',
    );
  return make(stream, new TransformedImpl('transformWith', [stream, other], build));
}

export function union<T>(stream: DStream<T>, other: DStream<T>): DStream<T> {
  sameGrid(stream, other, 'dstream.union other');
  const build = (timeMs: number): RDD<T> =>
    stream.ssc.sparkContext.union([rddOrEmpty(stream, timeMs), rddOrEmpty(other, timeMs)]);
  return make(stream, new TransformedImpl('union', [stream, other], build));
}

export function glom<T>(stream: DStream<T>): DStream<T[]> {
  return make(stream, new MappedImpl('glom', stream, (rdd: RDD<T>) => rdd.glom()));
}

/** Spark's repartition: every batch's RDD shuffled into `numPartitions` partitions. */
export function repartition<T>(stream: DStream<T>, numPartitions: number): DStream<T> {
  const n = positiveInt('dstream.repartition numPartitions', numPartitions);
  return make(stream, new MappedImpl('repartition', stream, (rdd: RDD<T>) => rdd.repartition(n)));
}

/** Spark's DStream.reduce: one record per batch, none for an empty batch. */
export function reduce<T, E>(
  stream: DStream<T>,
  f: UserFn<[T, T, E], T>,
  opts: FnOptions<E> | undefined,
): DStream<T> {
  resolveMethodOptions('dstream.reduce', opts, FN_FIELDS);
  planFunction(f, opts, 'dstream.reduce');
  // Spark: map((null, _)).reduceByKey(f, 1).map(_._2).
  const shuffleOpts = withPartitioner(opts, new HashPartitioner(1));
  const build = (rdd: RDD<T>): RDD<T> =>
    rdd
      .map((x): [number, T] => [0, x])
      .reduceByKey(f, shuffleOpts)
      .values();
  return make(stream, new MappedImpl('reduce', stream, build));
}

/** A remember duration (ssc.remember, stream.remember): a positive whole number of ms. */
export function rememberDuration(
  method: 'ssc.remember' | 'dstream.remember',
  durationMs: unknown,
): number {
  return positiveInt(`${method} durationMs`, durationMs);
}

/**
 * Spark's DStream.slice: the stream's RDDs of the batch times in [fromMs, toMs], both aligned
 * down to the stream's slide grid as Spark aligns them, for the batches generated so far (a
 * later time has no RDD yet). A time the stream has forgotten, older than its remember
 * duration or before this run began, is refused naming fromMs: Spark would regenerate it from
 * inputs that may be gone, giving a silently empty or wrong RDD.
 */
export function slice<T>(stream: DStream<T>, fromMs: number, toMs: number): RDD<T>[] {
  if (typeof fromMs !== 'number' || !Number.isInteger(fromMs))
    throw errors.invalidArgument('dstream.slice fromMs', 'a time in ms (an integer)', fromMs);
  if (typeof toMs !== 'number' || !Number.isInteger(toMs) || toMs < fromMs) {
    const expected = `a time in ms (an integer) >= fromMs ${fromMs}`;
    throw errors.invalidArgument('dstream.slice toMs', expected, toMs);
  }
  const graph = stream.ssc.graph;
  const zero = graph.zeroTimeMs;
  if (zero === undefined || !graph.isInitialized(stream)) {
    throw streamingErrors.illegalState(
      `${stream.key} has not been initialized: slice() needs a started StreamingContext and a ` +
        "stream that feeds an output operation (Spark's DStream.slice)",
    );
  }
  const slide = stream.slideDurationMs;
  const floor = (t: number): number => zero + Math.floor((t - zero) / slide) * slide;
  const last = Math.min(floor(toMs), graph.lastBatchMs ?? zero);
  const out: RDD<T>[] = [];
  for (let t = Math.max(floor(fromMs), zero + slide); t <= last; t += slide) {
    if (t <= stream.forgottenThroughMs && !stream.generated.has(t)) {
      throw errors.invalidArgument(
        'dstream.slice fromMs',
        `a time after ${stream.forgottenThroughMs} ms: ${stream.key} keeps the RDDs of the last ` +
          `${stream.rememberMs} ms of this run (ssc.remember(ms) or stream.remember(ms) keeps more)`,
        fromMs,
      );
    }
    // Generated already, or due in the running batch (whose inputs are chosen): as Spark's getOrCompute.
    const rdd = stream.getOrCompute(t);
    if (rdd !== undefined) out.push(rdd);
  }
  return out;
}

export function validateCheckpointInterval(stream: DStream<unknown>, intervalMs: unknown): number {
  const slide = stream.slideDurationMs;
  return multipleOf('dstream.checkpoint intervalMs', intervalMs, slide, `${stream.key}'s`);
}

export function countByValue<T>(
  stream: DStream<T>,
  opts: number | { numPartitions?: number } | undefined,
): DStream<[T, number]> {
  resolveMethodOptions('dstream.countByValue', opts, ['numPartitions']);
  const pairs = stream.map((x): [T, number] => [x, 1]);
  return reduceByKey(pairs, (a: number, b: number) => a + b, opts);
}

/** Spark's count(): one record per batch, 0 for an empty batch. */
export function count<T>(stream: DStream<T>): DStream<number> {
  return transform(stream, (rdd) =>
    rdd
      .map((): [string, number] => ['', 1])
      .union(rdd.context.parallelize<[string, number]>([['', 0]], 1))
      .reduceByKey((a, b) => a + b, { numPartitions: 1 })
      .values(),
  );
}

export function foreachRDD<T>(
  stream: DStream<T>,
  f: (rdd: RDD<T>, timeMs: number) => void | Promise<void>,
): void {
  if (typeof f !== 'function')
    throw errors.invalidArgument(
      'dstream.foreachRDD function',
      'a function (rdd, timeMs) => void',
      f,
    );
  // The graph hands an output the RDD of its own stream: an RDD<T>, erased to RDD<unknown>
  // by the OutputOperation interface (the one cast left here).
  stream.ssc.graph.addOutput(
    new ForEachRDDOutput(stream, f as (rdd: RDD<unknown>, t: number) => void),
  );
}

export function print(stream: DStream<unknown>, n: number): void {
  stream.ssc.graph.addOutput(new PrintOutput(stream, positiveInt('dstream.print n', n)));
}

/** saveAsTextFiles and saveAsObjectFiles: one directory `prefix-<timeMs>[.suffix]` per batch. */
export function saveFiles(
  kind: SaveFilesKind,
  stream: DStream<unknown>,
  prefix: string | URL,
  suffix: string | undefined,
): void {
  // Each batch's directory is renamed into place (output-operations.ts): local only so far,
  // so a URL is refused here rather than made into a local folder named `s3:`.
  const method = `dstream.${kind}`;
  if (typeof prefix === 'string') refuseS3Url(`${method} prefix`, prefix, `DStream.${kind}`);
  const local = localPath(prefix, `${method} prefix`, { expected: 'a path prefix' });
  if (suffix !== undefined && typeof suffix !== 'string')
    throw errors.invalidArgument(`${method} suffix`, 'a string', suffix);
  // A prefix ending in '/' names directories inside it (`out/-<time>`): keep what resolving dropped.
  const text = prefix instanceof URL ? prefix.pathname : prefix;
  const absolute = /[\\/]$/.test(text) ? local + path.sep : local;
  stream.ssc.graph.addOutput(new SaveFilesOutput(kind, stream, absolute, suffix));
}
