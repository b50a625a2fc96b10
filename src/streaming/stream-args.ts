// Argument rules shared by the DStream builders (dstream-ops.ts, pair-dstream-ops.ts,
// window-ops.ts): durations on the slide grid, another stream of the same context and
// slide, and the partitioner of keyed operators. Keyed operators default to
// HashPartitioner(defaultParallelism), as Spark Streaming's PairDStreamFunctions do, so
// that state stays co-partitioned from batch to batch.

import { errors } from '../shared/errors.js';
import { HashPartitioner, type Partitioner } from '../rdd/partitioner.js';
import type { ShuffleOptions } from '../rdd/pair-functions.js';
import type { MethodOptions } from '../rdd/method-options.js';
import type { FnOptions } from '../rdd/user-function.js';
import { RDD } from '../rdd/rdd.js';
import type { DStream, DStreamImpl } from './dstream.js';

export function make<U>(stream: DStream<unknown>, impl: DStreamImpl): DStream<U> {
  return stream.derive<U>(impl);
}

/**
 * A window, slide or checkpoint duration: a whole multiple of the parent's slide, at least one
 * slide (Spark's WindowedDStream: "The window duration ... must be a multiple of the slide
 * duration of parent DStream"). `name` is the argument as the user wrote it, `whose` the stream
 * whose slide it is.
 */
export function multipleOf(
  name: string,
  value: unknown,
  slideMs: number,
  whose = "the parent's",
): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < slideMs ||
    value % slideMs !== 0
  ) {
    throw errors.invalidArgument(
      name,
      `a multiple of ${whose} slide ${slideMs} ms that is at least ${slideMs} ms`,
      value,
    );
  }
  return value;
}

/**
 * `other` as a stream of `stream`'s context with the same slide (Spark's TransformedDStream
 * requires both). Checked through the graph, which holds every DStream of the context, so that
 * the builders need not import the DStream class.
 */
export function sameGrid<U>(stream: DStream<unknown>, other: DStream<U>, name: string): DStream<U> {
  if (!stream.ssc.graph.streams.includes(other))
    throw errors.invalidArgument(name, 'a DStream of the same StreamingContext', other);
  if (other.slideDurationMs !== stream.slideDurationMs) {
    throw errors.invalidArgument(
      name,
      `a DStream with slide ${stream.slideDurationMs} ms`,
      other.slideDurationMs,
    );
  }
  return other;
}

/**
 * `rdd`, given to a stream of `stream.ssc`, as an RDD of that Context: one of another Context
 * would fail the first batch, far from the call that gave it.
 */
export function rddOfStreams<T>(
  ssc: { readonly sparkContext: unknown },
  rdd: RDD<T>,
  name: string,
  expected: string,
): RDD<T> {
  if (!(rdd instanceof RDD)) throw errors.invalidArgument(name, expected, rdd);
  if (rdd.context !== ssc.sparkContext) {
    throw errors.invalidArgument(
      name,
      `${expected}, an RDD of this StreamingContext's Context`,
      rdd,
    );
  }
  return rdd;
}

/** The partitioner of options already checked by resolveMethodOptions (the one validation
 * RDD methods use too); by default HashPartitioner(defaultParallelism). */
export function partitionerOf(stream: DStream<unknown>, opts: MethodOptions): Partitioner {
  return (
    opts.partitioner ??
    new HashPartitioner(opts.numPartitions ?? stream.ssc.sparkContext.defaultParallelism)
  );
}

/** The shuffle options of a keyed stream's RDDs: the user's env and the stream's partitioner. */
export function withPartitioner<E>(
  opts: FnOptions<E> | undefined,
  partitioner: Partitioner,
): ShuffleOptions<E> {
  return opts?.env === undefined ? { partitioner } : { env: opts.env, partitioner };
}

/** `opts` when it is an options object (its env), undefined for a number of partitions. */
export function fnOptions<E>(opts: number | FnOptions<E> | undefined): FnOptions<E> | undefined {
  return typeof opts === 'object' ? opts : undefined;
}
