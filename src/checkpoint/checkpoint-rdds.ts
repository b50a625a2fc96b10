// The RDDs a checkpoint cuts the lineage to. ReliableCheckpointRDD reads part
// files (keeping the original partition count and partitioner);
// LocalCheckpointRDD is the visible parent of a locally checkpointed RDD, whose
// blocks are still recomputed from the hidden lineage if they are lost.

import type { NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { NarrowDependency, type Dependency } from '../rdd/dependency.js';
import type { Partitioner } from '../rdd/partitioner.js';
import type { PartitionDescriber, RDD, RddImpl } from '../rdd/rdd.js';
import { partFileName } from '../scheduler/plan-builder.js';
import { joinStoragePath } from '../storage/storage-url.js';

export class ReliableCheckpointRDD implements RddImpl {
  readonly kindName = 'ReliableCheckpointRDD';

  constructor(
    readonly dir: string,
    private readonly n: number,
    readonly partitioner: Partitioner | undefined,
  ) {}

  numPartitions(): number {
    return this.n;
  }
  dependencies(): Dependency[] {
    return [];
  }
  planCompute(): NodeCompute {
    return { kind: 'checkpointFile' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    const file = joinStoragePath(this.dir, partFileName(index));
    return { kind: 'checkpointFile', node, index, path: file };
  }
}

export class LocalCheckpointRDD implements RddImpl {
  readonly kindName = 'LocalCheckpointRDD';

  constructor(readonly original: RDD<unknown>) {}

  get partitioner(): Partitioner | undefined {
    return this.original.partitioner;
  }
  numPartitions(): number {
    return this.original.getNumPartitions();
  }
  /** The lineage is cut: users see no parents (and no cycle back to the original). */
  dependencies(): Dependency[] {
    return [];
  }
  /** The scheduler still reaches the original, so lost blocks are recomputed. */
  hiddenDependencies(): Dependency[] {
    return [new NarrowDependency(this.original)];
  }
  planCompute(): NodeCompute {
    return { kind: 'coalesce', parent: this.original.id };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    return { kind: 'coalesce', node, index, parents: [d.describe(this.original, index)] };
  }
}
