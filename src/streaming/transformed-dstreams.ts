// Stateless DStreams: each batch's RDD is a function of the parents' RDDs for
// the same time (Spark's MappedDStream, FilteredDStream, ..., TransformedDStream,
// UnionDStream). A parent with no RDD at a time gives the child none either,
// except for union and transform, which see an empty RDD in its place.

import type { RDD } from '../rdd/rdd.js';
import type { DStream, DStreamImpl } from './dstream.js';

/** One parent, one RDD-to-RDD step built on the main thread (map, reduceByKey, ...). */
export class MappedImpl<T, U> implements DStreamImpl {
  readonly parents: DStream<unknown>[];

  constructor(
    readonly kind: string,
    private readonly parent: DStream<T>,
    private readonly build: (rdd: RDD<T>) => RDD<U>,
  ) {
    this.parents = [parent];
  }

  get slideMs(): number {
    return this.parent.slideDurationMs;
  }

  compute(timeMs: number): RDD<U> | undefined {
    const rdd = this.parent.getOrCompute(timeMs);
    return rdd === undefined ? undefined : this.build(rdd);
  }
}

/** The user's transform((rdd, timeMs) => RDD), or union over several parents. */
export class TransformedImpl<T> implements DStreamImpl {
  readonly parents: DStream<T>[];

  /** The parents share one slide (union checks it); the first one's is this stream's. */
  constructor(
    readonly kind: string,
    private readonly first: DStream<T>,
    others: DStream<T>[],
    private readonly build: (rdds: [RDD<T>, ...RDD<T>[]], timeMs: number) => RDD<unknown>,
  ) {
    this.parents = [first, ...others];
  }

  get slideMs(): number {
    return this.first.slideDurationMs;
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> | undefined {
    const ctx = self.ssc.sparkContext;
    const rddAt = (p: DStream<T>): RDD<T> => p.getOrCompute(timeMs) ?? ctx.emptyRDD<T>();
    const rdds: [RDD<T>, ...RDD<T>[]] = [rddAt(this.first), ...this.parents.slice(1).map(rddAt)];
    return this.build(rdds, timeMs);
  }
}
