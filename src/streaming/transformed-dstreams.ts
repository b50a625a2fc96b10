// Stateless DStreams: each batch's RDD is a function of the parents' RDDs for
// the same time (Spark's MappedDStream, FilteredDStream, ..., TransformedDStream,
// UnionDStream). A parent with no RDD at a time gives the child none either,
// except for transform, transformWith, union and joins, which see an empty RDD in
// its place (Spark's TransformedDStream does the same).

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

/** The parent's RDD at `timeMs`, or an empty RDD when it has none. */
export function rddOrEmpty<T>(parent: DStream<T>, timeMs: number): RDD<T> {
  return parent.getOrCompute(timeMs) ?? parent.ssc.sparkContext.emptyRDD<T>();
}

/**
 * Several parents of one slide (the builders check it), one RDD built on the main thread per
 * batch from theirs: transform, transformWith, union, joins, cogroup. `build` reads the parents
 * through rddOrEmpty, each with its own record type.
 */
export class TransformedImpl<U> implements DStreamImpl {
  readonly parents: DStream<unknown>[];
  private readonly first: DStream<unknown>;

  constructor(
    readonly kind: string,
    parents: [DStream<unknown>, ...DStream<unknown>[]],
    private readonly build: (timeMs: number) => RDD<U>,
  ) {
    this.parents = parents;
    this.first = parents[0];
  }

  get slideMs(): number {
    return this.first.slideDurationMs;
  }

  compute(timeMs: number): RDD<U> {
    return this.build(timeMs);
  }
}
