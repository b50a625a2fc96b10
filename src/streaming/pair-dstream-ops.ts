// Builders behind the pair methods of DStream (Spark's PairDStreamFunctions): per-batch
// shuffles with the stream's partitioner (reduceByKey, groupByKey, combineByKey), the joins
// and cogroup of two streams (transformWith of the RDD method of the same name, as in Spark:
// a stream with no RDD at a time joins as an empty one), and the keyed state operators.
// User functions and options are checked here, at the call that defines the stream.

import { errors, streamingErrors } from '../shared/errors.js';
import type { JoinHow } from '../shared/protocol.js';
import { HashPartitioner, type Partitioner } from '../rdd/partitioner.js';
import * as pair from '../rdd/pair-functions.js';
import type { PartitionOptions, ShuffleOptions } from '../rdd/pair-functions.js';
import type { RDD } from '../rdd/rdd.js';
import { planFunction, type FnOptions, type UserFn } from '../rdd/user-function.js';
import {
  PARTITION_FIELDS,
  SHUFFLE_FN_FIELDS,
  resolveMethodOptions,
} from '../rdd/method-options.js';
import type { DStream, MapWithStateDStream } from './dstream.js';
import { bindKernel } from './kernel-refs.js';
import { MapWithStateImpl, StateSnapshotImpl, UpdateStateImpl } from './state-dstreams.js';
import { StateSpec } from './state-spec.js';
import {
  fnOptions,
  make,
  partitionerOf,
  rddOfStreams,
  sameGrid,
  withPartitioner,
} from './stream-args.js';
import { MappedImpl, TransformedImpl, rddOrEmpty } from './transformed-dstreams.js';

export interface UpdateStateOptions<K, S, E> extends FnOptions<E> {
  numPartitions?: number;
  partitioner?: Partitioner;
  /** State to start from, used by the first batch (Spark's initialRDD). */
  initialRDD?: RDD<[K, S]>;
}

export function reduceByKey<K, V, E>(
  stream: DStream<[K, V]>,
  f: UserFn<[V, V, E], V>,
  opts: number | ShuffleOptions<E> | undefined,
): DStream<[K, V]> {
  const resolved = resolveMethodOptions('dstream.reduceByKey', opts, SHUFFLE_FN_FIELDS);
  planFunction(f, fnOptions(opts), 'dstream.reduceByKey');
  const shuffleOpts = withPartitioner(fnOptions(opts), partitionerOf(stream, resolved));
  const build = (rdd: RDD<[K, V]>): RDD<[K, V]> => rdd.reduceByKey(f, shuffleOpts);
  return make(stream, new MappedImpl('reduceByKey', stream, build));
}

export function groupByKey<K, V>(
  stream: DStream<[K, V]>,
  opts: number | PartitionOptions | undefined,
): DStream<[K, V[]]> {
  const resolved = resolveMethodOptions('dstream.groupByKey', opts, PARTITION_FIELDS);
  const partitioner = partitionerOf(stream, resolved);
  const build = (rdd: RDD<[K, V]>): RDD<[K, V[]]> => rdd.groupByKey({ partitioner });
  return make(stream, new MappedImpl('groupByKey', stream, build));
}

export function combineByKey<K, V, C, E>(
  stream: DStream<[K, V]>,
  createCombiner: UserFn<[V, E], C>,
  mergeValue: UserFn<[C, V, E], C>,
  mergeCombiners: UserFn<[C, C, E], C>,
  opts: number | ShuffleOptions<E> | undefined,
): DStream<[K, C]> {
  const resolved = resolveMethodOptions('dstream.combineByKey', opts, SHUFFLE_FN_FIELDS);
  for (const f of [createCombiner, mergeValue, mergeCombiners])
    planFunction(f, fnOptions(opts), 'dstream.combineByKey');
  const shuffleOpts = withPartitioner(fnOptions(opts), partitionerOf(stream, resolved));
  const build = (rdd: RDD<[K, V]>): RDD<[K, C]> =>
    rdd.combineByKey(createCombiner, mergeValue, mergeCombiners, shuffleOpts);
  return make(stream, new MappedImpl('combineByKey', stream, build));
}

const JOIN_KIND = {
  inner: 'join',
  left: 'leftOuterJoin',
  right: 'rightOuterJoin',
  full: 'fullOuterJoin',
} as const satisfies Record<JoinHow, string>;

/** Each batch: this batch's RDD joined with `other`'s of the same time. R is the joined value. */
export function join<K, V, W, R>(
  stream: DStream<[K, V]>,
  other: DStream<[K, W]>,
  how: JoinHow,
  opts: number | PartitionOptions | undefined,
): DStream<[K, R]> {
  const kind = JOIN_KIND[how];
  sameGrid(stream, other, `dstream.${kind} other`);
  const partitioner = partitionerOf(
    stream,
    resolveMethodOptions(`dstream.${kind}`, opts, PARTITION_FIELDS),
  );
  const build = (timeMs: number): RDD<[K, R]> =>
    pair.join<K, V, W, R>(rddOrEmpty(stream, timeMs), rddOrEmpty(other, timeMs), how, {
      partitioner,
    });
  return make(stream, new TransformedImpl(kind, [stream, other], build));
}

export function cogroup<K, V, W>(
  stream: DStream<[K, V]>,
  other: DStream<[K, W]>,
  opts: number | PartitionOptions | undefined,
): DStream<[K, [V[], W[]]]> {
  sameGrid(stream, other, 'dstream.cogroup other');
  const partitioner = partitionerOf(
    stream,
    resolveMethodOptions('dstream.cogroup', opts, PARTITION_FIELDS),
  );
  const build = (timeMs: number): RDD<[K, [V[], W[]]]> =>
    rddOrEmpty(stream, timeMs).cogroup(rddOrEmpty(other, timeMs), { partitioner });
  return make(stream, new TransformedImpl('cogroup', [stream, other], build));
}

// ---- keyed state (state-dstreams.ts) ------------------------------------------------------

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
  const given = opts?.initialRDD;
  const initial =
    given === undefined
      ? undefined
      : rddOfStreams(
          stream.ssc,
          given,
          'dstream.updateStateByKey opts.initialRDD',
          'an RDD of [key, state] pairs',
        );
  const kernelFn = bindKernel('updateStatePartition', [f], opts?.env, 'dstream.updateStateByKey');
  return make(stream, new UpdateStateImpl(stream, kernelFn, partitioner, initial));
}

export function mapWithState<K, V, S, R, E>(
  stream: DStream<[K, V]>,
  spec: StateSpec<K, V, S, R, E>,
): MapWithStateDStream<K, S, R> {
  const method = 'dstream.mapWithState';
  if (!(spec instanceof StateSpec))
    throw errors.invalidArgument(
      `${method} spec`,
      'a StateSpec made by StateSpec.function(f)',
      spec,
    );
  if (spec.initialRDD !== undefined) {
    const expected = 'an RDD of [key, state] pairs';
    rddOfStreams(stream.ssc, spec.initialRDD, `${method} spec.initialState`, expected);
  }
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
