// RDD kinds whose partitions depend on a bounded set of parent partitions, so a
// stage pipelines them (Spark's MapPartitionsRDD, UnionRDD, CoalescedRDD,
// CartesianRDD, ZippedWithIndexRDD).

import type { NarrowOp, NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { NarrowDependency, type Dependency } from './dependency.js';
import type { Partitioner } from './partitioner.js';
import type { PartitionDescriber, RDD, RddImpl } from './rdd.js';

export class MapPartitionsRDD implements RddImpl {
  readonly kindName = 'MapPartitionsRDD';
  readonly partitioner: Partitioner | undefined;

  constructor(
    readonly parent: RDD<unknown>,
    readonly op: NarrowOp,
    preservesPartitioning: boolean,
  ) {
    this.partitioner = preservesPartitioning ? parent.partitioner : undefined;
  }

  numPartitions(): number {
    return this.parent.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return [new NarrowDependency(this.parent)];
  }
  planCompute(): NodeCompute {
    return { kind: 'narrow', parent: this.parent.id, op: this.op };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    return { kind: 'narrow', node, index, parent: d.describe(this.parent, index) };
  }
}

/** zipWithIndex: a job counts the parent's partitions first, as Spark's constructor does. */
export class ZippedWithIndexRDD implements RddImpl {
  readonly kindName = 'ZippedWithIndexRDD';
  private startIndices: number[] | undefined;

  constructor(
    readonly parent: RDD<unknown>,
    private readonly countPartitions: (rdd: RDD<unknown>) => Promise<number[]>,
  ) {}

  async prepare(): Promise<void> {
    if (this.startIndices !== undefined) return;
    const counts = await this.countPartitions(this.parent);
    let start = 0;
    this.startIndices = counts.map((n) => ((start += n), start - n));
  }
  numPartitions(): number {
    return this.parent.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return [new NarrowDependency(this.parent)];
  }
  planCompute(): NodeCompute {
    return { kind: 'narrow', parent: this.parent.id, op: { kind: 'zipWithIndex' } };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    const startIndex = this.startIndices?.[index] ?? 0;
    return { kind: 'narrow', node, index, parent: d.describe(this.parent, index), startIndex };
  }
}

export class UnionRDD implements RddImpl {
  readonly kindName = 'UnionRDD';

  constructor(readonly parents: RDD<unknown>[]) {}

  numPartitions(): number {
    return this.parents.reduce((n, p) => n + p.getNumPartitions(), 0);
  }
  dependencies(): Dependency[] {
    return this.parents.map((p) => new NarrowDependency(p));
  }
  planCompute(): NodeCompute {
    return { kind: 'union', parents: this.parents.map((p) => p.id) };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    let i = index;
    for (const parent of this.parents) {
      const n = parent.getNumPartitions();
      if (i < n) return { kind: 'union', node, index, parent: d.describe(parent, i) };
      i -= n;
    }
    return { kind: 'empty', node, index };
  }
}

/** Without a shuffle: each output partition reads a contiguous run of parent partitions. */
export class CoalescedRDD implements RddImpl {
  readonly kindName = 'CoalescedRDD';

  constructor(
    readonly parent: RDD<unknown>,
    private readonly n: number,
  ) {}

  numPartitions(): number {
    return Math.min(this.n, Math.max(1, this.parent.getNumPartitions()));
  }
  dependencies(): Dependency[] {
    return [new NarrowDependency(this.parent)];
  }
  planCompute(): NodeCompute {
    return { kind: 'coalesce', parent: this.parent.id };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    const total = this.parent.getNumPartitions();
    const n = this.numPartitions();
    const from = Math.floor((index * total) / n);
    const to = Math.floor(((index + 1) * total) / n);
    const parents: PartitionDesc[] = [];
    for (let p = from; p < to; p++) parents.push(d.describe(this.parent, p));
    return { kind: 'coalesce', node, index, parents };
  }
}

export class CartesianRDD implements RddImpl {
  readonly kindName = 'CartesianRDD';

  constructor(
    readonly left: RDD<unknown>,
    readonly right: RDD<unknown>,
  ) {}

  numPartitions(): number {
    return this.left.getNumPartitions() * this.right.getNumPartitions();
  }
  dependencies(): Dependency[] {
    return [new NarrowDependency(this.left), new NarrowDependency(this.right)];
  }
  planCompute(): NodeCompute {
    return { kind: 'cartesian', left: this.left.id, right: this.right.id };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    const nr = this.right.getNumPartitions();
    return {
      kind: 'cartesian',
      node,
      index,
      left: d.describe(this.left, Math.floor(index / nr)),
      right: d.describe(this.right, index % nr),
    };
  }
}
