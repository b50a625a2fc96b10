// Builders behind DStream's methods: each validates its arguments at the call
// (user functions are shipped now, so a free variable fails here, not in a
// batch), picks the partitioner and wraps a DStreamImpl in a new DStream.
// Keyed operators default to HashPartitioner(defaultParallelism), as Spark
// Streaming does, so that state stays co-partitioned from batch to batch.

import { errors, streamingErrors } from '../shared/errors.js';
import { positiveInt } from '../options.js';
import { HashPartitioner, type Partitioner } from '../rdd/partitioner.js';
import type { ShuffleOptions } from '../rdd/pair-functions.js';
import { RDD } from '../rdd/rdd.js';
import { planFunction, type FnOptions, type UserFn } from '../rdd/user-function.js';
import {
  FN_FIELDS,
  SHUFFLE_FN_FIELDS,
  resolveMethodOptions,
  type MethodOptions,
} from '../rdd/method-options.js';
import type { DStream, DStreamImpl, MapWithStateDStream } from './dstream.js';
import { bindKernel } from './kernel-refs.js';
import { ForEachRDDOutput, PrintOutput, SaveAsTextFilesOutput } from './output-operations.js';
import { MapWithStateImpl, StateSnapshotImpl, UpdateStateImpl } from './state-dstreams.js';
import { StateSpec } from './state-spec.js';
import { MappedImpl, TransformedImpl } from './transformed-dstreams.js';
import { ReducedWindowedImpl, WindowedImpl } from './window-dstreams.js';

export interface UpdateStateOptions<K, S, E> extends FnOptions<E> {
  numPartitions?: number;
  partitioner?: Partitioner;
  /** State to start from, used by the first batch (Spark's initialRDD). */
  initialRDD?: RDD<[K, S]>;
}

export interface ReduceWindowOptions<K, V, E> extends FnOptions<E> {
  numPartitions?: number;
  partitioner?: Partitioner;
  /** With an inverse function: keep a key only when this returns true (e.g. drop zero counts). */
  filterFunc?: UserFn<[[K, V], E], boolean>;
}

/** The partitioner of options already checked by resolveMethodOptions (the one validation
 * RDD methods use too); by default HashPartitioner(defaultParallelism). */
function partitionerOf(stream: DStream<unknown>, opts: MethodOptions): Partitioner {
  return (
    opts.partitioner ??
    new HashPartitioner(opts.numPartitions ?? stream.ssc.sparkContext.defaultParallelism)
  );
}

function make<U>(stream: DStream<unknown>, impl: DStreamImpl): DStream<U> {
  return stream.derive<U>(impl);
}

/**
 * A stream whose RDD per batch is `build` of the parent's (the RDD method of the same name,
 * passed typed by DStream). The function and options are checked now, at the call that
 * defines the stream, not when the first batch builds its RDD.
 */
export function rddOp<T, U>(
  stream: DStream<T>,
  kind: 'map' | 'filter' | 'flatMap' | 'mapPartitions' | 'mapValues',
  f: unknown,
  opts: (FnOptions<unknown> & { preservesPartitioning?: boolean }) | undefined,
  build: (rdd: RDD<T>) => RDD<U>,
): DStream<U> {
  const fields = kind === 'mapPartitions' ? (['env', 'preservesPartitioning'] as const) : FN_FIELDS;
  resolveMethodOptions(`dstream.${kind}`, opts, fields);
  planFunction(f, opts, `dstream.${kind}`);
  return make(stream, new MappedImpl(kind, stream, build));
}

export function transform<T, U>(
  stream: DStream<T>,
  f: (rdd: RDD<T>, timeMs: number) => RDD<U>,
): DStream<U> {
  if (typeof f !== 'function')
    throw errors.invalidArgument('transform function', 'a function (rdd, timeMs) => RDD', f);
  const build = ([rdd]: [RDD<T>, ...RDD<T>[]], timeMs: number): RDD<U> => {
    const out = f(rdd, timeMs);
    // Typed for TypeScript callers, checked for JavaScript ones.
    if (!(out instanceof RDD))
      throw errors.invalidArgument('result of the transform function', 'an RDD', out);
    return out;
  };
  return make(stream, new TransformedImpl('transform', stream, [], build));
}

/** `other` is a DStream of the same context: DStream.union checks it. */
export function union<T>(stream: DStream<T>, other: DStream<T>): DStream<T> {
  if (other.slideDurationMs !== stream.slideDurationMs) {
    throw errors.invalidArgument(
      'other',
      `a DStream with slide ${stream.slideDurationMs} ms`,
      other.slideDurationMs,
    );
  }
  const build = (rdds: RDD<T>[]): RDD<T> => stream.ssc.sparkContext.union(rdds);
  return make(stream, new TransformedImpl('union', stream, [other], build));
}

function multipleOf(name: string, value: unknown, slideMs: number): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < slideMs ||
    value % slideMs !== 0
  ) {
    throw errors.invalidArgument(
      name,
      `a multiple of the parent's slide ${slideMs} ms that is at least ${slideMs} ms`,
      value,
    );
  }
  return value;
}

export function window<T>(stream: DStream<T>, windowMs: number, slideMs: number): DStream<T> {
  const slide = stream.slideDurationMs;
  return make(
    stream,
    new WindowedImpl(
      stream,
      multipleOf('windowMs', windowMs, slide),
      multipleOf('slideMs', slideMs, slide),
    ),
  );
}

export function validateCheckpointInterval(stream: DStream<unknown>, intervalMs: unknown): number {
  return multipleOf(`checkpoint interval of ${stream.key}`, intervalMs, stream.slideDurationMs);
}

export function reduceByKey<K, V, E>(
  stream: DStream<[K, V]>,
  f: UserFn<[V, V, E], V>,
  opts: ShuffleOptions<E> | undefined,
): DStream<[K, V]> {
  const resolved = resolveMethodOptions('dstream.reduceByKey', opts, SHUFFLE_FN_FIELDS);
  planFunction(f, opts, 'dstream.reduceByKey');
  const shuffleOpts = withPartitioner(opts, partitionerOf(stream, resolved));
  const build = (rdd: RDD<[K, V]>): RDD<[K, V]> => rdd.reduceByKey(f, shuffleOpts);
  return make(stream, new MappedImpl('reduceByKey', stream, build));
}

/** The shuffle options of a keyed stream's RDDs: the user's env and the stream's partitioner. */
function withPartitioner<E>(
  opts: FnOptions<E> | undefined,
  partitioner: Partitioner,
): ShuffleOptions<E> {
  return opts?.env === undefined ? { partitioner } : { env: opts.env, partitioner };
}

export function countByValue<T>(
  stream: DStream<T>,
  opts: { numPartitions?: number } | undefined,
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

export function reduceByKeyAndWindow<K, V, E>(
  stream: DStream<[K, V]>,
  f: UserFn<[V, V, E], V>,
  invF: UserFn<[V, V, E], V> | undefined,
  windowMs: number,
  slideMs: number,
  opts: ReduceWindowOptions<K, V, E> | undefined,
): DStream<[K, V]> {
  const resolved = resolveMethodOptions('dstream.reduceByKeyAndWindow', opts, [
    ...SHUFFLE_FN_FIELDS,
    'filterFunc',
  ]);
  const slide = stream.slideDurationMs;
  multipleOf('windowMs', windowMs, slide);
  multipleOf('slideMs', slideMs, slide);
  const partitioner = partitionerOf(stream, resolved);
  const reduceOpts = withPartitioner(opts, partitioner);
  const reduced = reduceByKey(stream, f, reduceOpts);
  if (invF === undefined) return reduceByKey(window(reduced, windowMs, slideMs), f, reduceOpts);
  const fns = opts?.filterFunc === undefined ? [f, invF] : [f, invF, opts.filterFunc];
  const bound = bindKernel('reduceWindowPartition', fns, opts?.env, 'dstream.reduceByKeyAndWindow');
  const kernelFn = {
    fn: bound.fn,
    env: { ...bound.env, hasFilter: opts?.filterFunc !== undefined },
  };
  const reduceAll = (rdd: RDD<[K, V]>): RDD<[K, V]> => rdd.reduceByKey(f, reduceOpts);
  return make(
    stream,
    new ReducedWindowedImpl(reduced, kernelFn, reduceAll, partitioner, windowMs, slideMs),
  );
}

export function updateStateByKey<K, V, S>(
  stream: DStream<[K, V]>,
  f: unknown,
  opts: UpdateStateOptions<K, S, unknown> | undefined,
): DStream<[K, S]> {
  const resolved = resolveMethodOptions('dstream.updateStateByKey', opts, [
    ...SHUFFLE_FN_FIELDS,
    'initialRDD',
  ]);
  const partitioner = partitionerOf(stream, resolved);
  const initial = opts?.initialRDD;
  if (initial !== undefined && !(initial instanceof RDD))
    throw errors.invalidArgument('opts.initialRDD', 'an RDD of [key, state] pairs', initial);
  const kernelFn = bindKernel('updateStatePartition', [f], opts?.env, 'dstream.updateStateByKey');
  return make(stream, new UpdateStateImpl(stream, kernelFn, partitioner, initial));
}

export function mapWithState<K, V, S, R, E>(
  stream: DStream<[K, V]>,
  spec: StateSpec<K, V, S, R, E>,
): MapWithStateDStream<K, S, R> {
  if (!(spec instanceof StateSpec))
    throw errors.invalidArgument('spec', 'a StateSpec made by StateSpec.function(f)', spec);
  const kernelFn = bindKernel(
    'mapWithStatePartition',
    [spec.mappingFunction],
    spec.env,
    'StateSpec.function',
  );
  const impl = new MapWithStateImpl(stream, {
    kernelFn,
    partitioner:
      spec.partitioner ?? new HashPartitioner(stream.ssc.sparkContext.defaultParallelism),
    timeoutMs: spec.timeoutMs,
    initialRDD: spec.initialRDD,
  });
  return make<R>(stream, impl);
}

export function stateSnapshots<K, S>(stream: DStream<unknown>): DStream<[K, S]> {
  if (!(stream.impl instanceof MapWithStateImpl)) {
    throw streamingErrors.illegalState(
      `stateSnapshots() is only available on the stream mapWithState returns, not on ${stream.key}`,
    );
  }
  return make(stream, new StateSnapshotImpl(stream, stream.impl));
}

export function foreachRDD<T>(
  stream: DStream<T>,
  f: (rdd: RDD<T>, timeMs: number) => void | Promise<void>,
): void {
  if (typeof f !== 'function')
    throw errors.invalidArgument('foreachRDD function', 'a function (rdd, timeMs) => void', f);
  // The graph hands an output the RDD of its own stream: an RDD<T>, erased to RDD<unknown>
  // by the OutputOperation interface (the one cast left here).
  stream.ssc.graph.addOutput(
    new ForEachRDDOutput(stream, f as (rdd: RDD<unknown>, t: number) => void),
  );
}

export function print(stream: DStream<unknown>, n: number): void {
  stream.ssc.graph.addOutput(new PrintOutput(stream, positiveInt('n', n)));
}

export function saveAsTextFiles(
  stream: DStream<unknown>,
  prefix: string,
  suffix: string | undefined,
): void {
  if (typeof prefix !== 'string' || prefix === '')
    throw errors.invalidArgument('prefix', 'a path prefix', prefix);
  if (suffix !== undefined && typeof suffix !== 'string')
    throw errors.invalidArgument('suffix', 'a string', suffix);
  stream.ssc.graph.addOutput(new SaveAsTextFilesOutput(stream, prefix, suffix));
}
