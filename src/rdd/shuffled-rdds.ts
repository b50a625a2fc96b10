// RDD kinds read from shuffle output: ShuffledRDD (one parent, optional
// aggregation or sort by key) and CoGroupedRDD (several parents grouped by key;
// a parent already partitioned the same way is read narrowly, without a shuffle).

import type { JoinHow, NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { NarrowDependency, ShuffleDependency, type Dependency } from './dependency.js';
import type { Partitioner } from './partitioner.js';
import { RangePartitioner } from './partitioner.js';
import type { PartitionDescriber, RDD, RddImpl } from './rdd.js';

export class ShuffledRDD implements RddImpl {
  readonly kindName = 'ShuffledRDD';

  constructor(
    readonly dep: ShuffleDependency,
    private readonly sampleBounds: (p: RangePartitioner) => Promise<void>,
  ) {}

  get partitioner(): Partitioner {
    return this.dep.partitioner;
  }
  async prepare(): Promise<void> {
    const p = this.dep.partitioner;
    if (p instanceof RangePartitioner && p.bounds === undefined) await this.sampleBounds(p);
  }
  numPartitions(): number {
    return this.dep.partitioner.numPartitions;
  }
  dependencies(): Dependency[] {
    return [this.dep];
  }
  planCompute(): NodeCompute {
    const { aggregator, mapSideCombine, sort } = this.dep;
    return {
      kind: 'shuffled',
      mapSideCombine,
      ...(aggregator === undefined ? {} : { aggregator }),
      ...(sort === undefined ? {} : { sort }),
    };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    return { kind: 'shuffled', node, index, blocks: d.shuffleBlocks(this.dep.shuffleId, index) };
  }
}

export class CoGroupedRDD implements RddImpl {
  readonly kindName = 'CoGroupedRDD';
  private readonly deps: Dependency[];

  constructor(
    parents: RDD<unknown>[],
    readonly partitioner: Partitioner,
    newShuffleId: () => number,
    /** A join of two parents: the node emits joined pairs (workers/hash-join.ts), not groups. */
    private readonly join?: JoinHow,
  ) {
    this.deps = parents.map((p) =>
      p.partitioner !== undefined && p.partitioner.equals(partitioner)
        ? new NarrowDependency(p)
        : new ShuffleDependency(p, newShuffleId(), partitioner, undefined, false, undefined),
    );
  }

  numPartitions(): number {
    return this.partitioner.numPartitions;
  }
  dependencies(): Dependency[] {
    return this.deps;
  }
  planCompute(): NodeCompute {
    return {
      kind: 'cogrouped',
      narrowParents: this.deps.map((d) => (d.kind === 'narrow' ? d.rdd.id : null)),
      ...(this.join === undefined ? {} : { join: this.join }),
    };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    return {
      kind: 'cogrouped',
      node,
      index,
      inputs: this.deps.map((dep) =>
        dep.kind === 'narrow'
          ? { kind: 'narrow', parent: d.describe(dep.rdd, index) }
          : { kind: 'shuffle', blocks: d.shuffleBlocks(dep.shuffleId, index) },
      ),
    };
  }
}
