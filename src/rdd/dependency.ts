// Dependencies between RDDs. A narrow dependency is pipelined inside a stage; a
// shuffle dependency cuts the lineage into stages (Spark's Dependency.scala).

import type { AggregatorPlan, SortPlan } from '../shared/protocol.js';
import type { Partitioner } from './partitioner.js';
import type { RDD } from './rdd.js';

export class NarrowDependency {
  readonly kind = 'narrow';
  constructor(readonly rdd: RDD<unknown>) {}
}

export class ShuffleDependency {
  readonly kind = 'shuffle';
  constructor(
    readonly rdd: RDD<unknown>,
    readonly shuffleId: number,
    readonly partitioner: Partitioner,
    readonly aggregator: AggregatorPlan | undefined,
    readonly mapSideCombine: boolean,
    readonly sort: SortPlan | undefined,
    /** Records r of `rdd` are shuffled as the pairs [r, null] (StageOutput recordsAreKeys). */
    readonly recordsAreKeys = false,
  ) {}
}

export type Dependency = NarrowDependency | ShuffleDependency;
