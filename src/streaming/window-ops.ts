// Builders of the windowed operators (Spark's DStream.window, reduceByWindow, countByWindow,
// countByValueAndWindow and PairDStreamFunctions' reduceByKeyAndWindow, groupByKeyAndWindow).
// Window and slide are checked against the parent's slide before anything is built. Every
// operator with an inverse function is a ReducedWindowedImpl (incremental, checkpointed,
// restored by getOrCreate) whose kind is the operator the user called; the others are a
// window of per-batch results reduced again, as Spark builds them.

import { errors } from '../shared/errors.js';
import { HashPartitioner, type Partitioner } from '../rdd/partitioner.js';
import type { PartitionOptions } from '../rdd/pair-functions.js';
import {
  FN_FIELDS,
  PARTITION_FIELDS,
  SHUFFLE_FN_FIELDS,
  resolveMethodOptions,
} from '../rdd/method-options.js';
import { planFunction, type FnOptions, type UserFn } from '../rdd/user-function.js';
import type { DStream } from './dstream.js';
import { count, reduce } from './dstream-ops.js';
import { bindKernel } from './kernel-refs.js';
import { combineByKey, groupByKey, reduceByKey } from './pair-dstream-ops.js';
import { make, multipleOf, partitionerOf } from './stream-args.js';
import { ReducedWindowedImpl, WindowedImpl, type ReducedWindowKind } from './window-dstreams.js';

export interface ReduceWindowOptions<K, V, E> extends FnOptions<E> {
  numPartitions?: number;
  partitioner?: Partitioner;
  /** With an inverse function: keep a key only when this returns true (e.g. drop zero counts). */
  filterFunc?: UserFn<[[K, V], E], boolean>;
}

/** Both durations on the parent's slide grid, named as the arguments of `method`. */
function checkWindow(
  stream: DStream<unknown>,
  method: string,
  windowMs: unknown,
  slideMs: unknown,
): void {
  const slide = stream.slideDurationMs;
  multipleOf(`${method} windowMs`, windowMs, slide);
  multipleOf(`${method} slideMs`, slideMs, slide);
}

export function window<T>(stream: DStream<T>, windowMs: number, slideMs: number): DStream<T> {
  checkWindow(stream, 'dstream.window', windowMs, slideMs);
  return make(stream, new WindowedImpl(stream, windowMs, slideMs));
}

/**
 * The incremental window over `pairs`, shown as pairs or as their values. The functions are
 * shipped first, so a free variable is reported under the operator the user called.
 */
function reducedWindow<K, V, R, E>(
  kind: ReducedWindowKind,
  pairs: DStream<[K, V]>,
  fns: {
    f: UserFn<[V, V, E], V>;
    invF: UserFn<[V, V, E], V>;
    filterFunc?: UserFn<[[K, V], E], boolean> | undefined;
  },
  windowMs: number,
  slideMs: number,
  env: E | undefined,
  partitioner: Partitioner,
  output: 'pairs' | 'values',
): DStream<R> {
  const { f, invF, filterFunc } = fns;
  const shipped = filterFunc === undefined ? [f, invF] : [f, invF, filterFunc];
  const bound = bindKernel('reduceWindowPartition', shipped, env, `dstream.${kind}`);
  const kernelFn = { fn: bound.fn, env: { ...bound.env, hasFilter: filterFunc !== undefined } };
  const reduceOpts = env === undefined ? { partitioner } : { env, partitioner };
  const reduced = reduceByKey(pairs, f, reduceOpts);
  return make<R>(
    pairs,
    new ReducedWindowedImpl(reduced, { kind, kernelFn, partitioner, windowMs, slideMs, output }),
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
  const method = 'dstream.reduceByKeyAndWindow';
  const resolved = resolveMethodOptions(method, opts, [...SHUFFLE_FN_FIELDS, 'filterFunc']);
  checkWindow(stream, method, windowMs, slideMs);
  const partitioner = partitionerOf(stream, resolved);
  if (invF !== undefined) {
    const fns = { f, invF, filterFunc: opts?.filterFunc };
    return reducedWindow(
      'reduceByKeyAndWindow',
      stream,
      fns,
      windowMs,
      slideMs,
      opts?.env,
      partitioner,
      'pairs',
    );
  }
  // Spark uses filterFunc only with an inverse function; ignoring it silently would hide a bug.
  if (opts?.filterFunc !== undefined)
    throw errors.invalidArgument(
      `${method} opts.filterFunc`,
      'no filterFunc without an inverse function (as in Spark, it applies only to incremental windows)',
      opts.filterFunc,
    );
  planFunction(f, opts, method);
  const reduceOpts = opts?.env === undefined ? { partitioner } : { env: opts.env, partitioner };
  return reduceByKey(window(reduceByKey(stream, f, reduceOpts), windowMs, slideMs), f, reduceOpts);
}

/**
 * Spark's reduceByWindow: without an inverse, reduce per batch, window, reduce again (no record
 * for an empty window); with one, an incremental window over a single placeholder key (as
 * Spark's: no record until the first element, then the window's value, invF's result once
 * every element has left).
 */
export function reduceByWindow<T, E>(
  stream: DStream<T>,
  f: UserFn<[T, T, E], T>,
  invF: UserFn<[T, T, E], T> | undefined,
  windowMs: number,
  slideMs: number,
  opts: FnOptions<E> | undefined,
): DStream<T> {
  resolveMethodOptions('dstream.reduceByWindow', opts, FN_FIELDS);
  checkWindow(stream, 'dstream.reduceByWindow', windowMs, slideMs);
  if (invF === undefined) {
    planFunction(f, opts, 'dstream.reduceByWindow');
    return reduce(window(reduce(stream, f, opts), windowMs, slideMs), f, opts);
  }
  const keyed = stream.map((x): [number, T] => [0, x]);
  return reducedWindow<number, T, T, E>(
    'reduceByWindow',
    keyed,
    { f, invF },
    windowMs,
    slideMs,
    opts?.env,
    new HashPartitioner(1),
    'values',
  );
}

/**
 * Spark's countByWindow (reduceByWindow(+, -) of ones), over count()'s one record per batch, so
 * every window has exactly one record, 0 when it holds nothing: as Spark documents it ("a
 * single element"), where Spark's own gives no record until the first element arrives.
 */
export function countByWindow<T>(
  stream: DStream<T>,
  windowMs: number,
  slideMs: number,
): DStream<number> {
  checkWindow(stream, 'dstream.countByWindow', windowMs, slideMs);
  const counts = count(stream).map((n): [number, number] => [0, n]);
  return reducedWindow<number, number, number, undefined>(
    'countByWindow',
    counts,
    { f: (a: number, b: number) => a + b, invF: (a: number, b: number) => a - b },
    windowMs,
    slideMs,
    undefined,
    new HashPartitioner(1),
    'values',
  );
}

/** Spark's countByValueAndWindow: [value, count] in the window; a value whose count fell to 0 is dropped. */
export function countByValueAndWindow<T>(
  stream: DStream<T>,
  windowMs: number,
  slideMs: number,
  opts: number | PartitionOptions | undefined,
): DStream<[T, number]> {
  const method = 'dstream.countByValueAndWindow';
  const resolved = resolveMethodOptions(method, opts, PARTITION_FIELDS);
  checkWindow(stream, method, windowMs, slideMs);
  const ones = stream.map((x): [T, number] => [x, 1]);
  return reducedWindow<T, number, [T, number], undefined>(
    'countByValueAndWindow',
    ones,
    {
      f: (a: number, b: number) => a + b,
      invF: (a: number, b: number) => a - b,
      filterFunc: ([, n]: [T, number]) => n !== 0,
    },
    windowMs,
    slideMs,
    undefined,
    partitionerOf(stream, resolved),
    'pairs',
  );
}

/** Spark's groupByKeyAndWindow: grouped per batch, windowed, the groups concatenated by key. */
export function groupByKeyAndWindow<K, V>(
  stream: DStream<[K, V]>,
  windowMs: number,
  slideMs: number,
  opts: number | PartitionOptions | undefined,
): DStream<[K, V[]]> {
  const method = 'dstream.groupByKeyAndWindow';
  const resolved = resolveMethodOptions(method, opts, PARTITION_FIELDS);
  checkWindow(stream, method, windowMs, slideMs);
  const partitioner = partitionerOf(stream, resolved);
  const windowed = window(groupByKey(stream, { partitioner }), windowMs, slideMs);
  return combineByKey(
    windowed,
    (vs: V[]) => vs,
    (buf: V[], vs: V[]) => buf.concat(vs),
    (a: V[], b: V[]) => a.concat(b),
    { partitioner },
  );
}
