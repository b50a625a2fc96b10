// Stateless DStreams: each batch's RDD is a function of the parents' RDDs for
// the same time (Spark's MappedDStream, FilteredDStream, ..., TransformedDStream,
// UnionDStream). A parent with no RDD at a time gives the child none either,
// except for union and transform, which see an empty RDD in its place.

import type { RDD } from '../rdd/rdd.js';
import type { DStream, DStreamImpl } from './dstream.js';

/** One parent, one RDD-to-RDD step built on the main thread (map, reduceByKey, ...). */
export class MappedImpl implements DStreamImpl {
  readonly parents: DStream<unknown>[];

  constructor(
    readonly kind: string,
    private readonly parent: DStream<unknown>,
    private readonly build: (rdd: RDD<unknown>) => RDD<unknown>,
  ) {
    this.parents = [parent];
  }

  get slideMs(): number {
    return this.parent.slideDurationMs;
  }

  compute(timeMs: number): RDD<unknown> | undefined {
    const rdd = this.parent.getOrCompute(timeMs);
    return rdd === undefined ? undefined : this.build(rdd);
  }
}

/** The user's transform((rdd, timeMs) => RDD), or union over several parents. */
export class TransformedImpl implements DStreamImpl {
  constructor(
    readonly kind: string,
    readonly parents: DStream<unknown>[],
    private readonly build: (rdds: RDD<unknown>[], timeMs: number) => RDD<unknown>,
  ) {}

  get slideMs(): number {
    return (this.parents[0] as DStream<unknown>).slideDurationMs;
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> | undefined {
    const ctx = self.ssc.sparkContext;
    const rdds = this.parents.map((p) => p.getOrCompute(timeMs) ?? ctx.emptyRDD<unknown>());
    return this.build(rdds, timeMs);
  }
}
