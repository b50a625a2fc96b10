// Turns a stage into what workers get: the StagePlan (every RDD of the stage's
// pipeline as a plain PlanNode, sent once per worker) and, per task, the
// PartitionDesc tree (Spark's Partition objects as plain data), which names the
// cached blocks, checkpoint files and shuffle blocks to read.

import path from 'node:path';
import type { Codec } from '../shared/format/frames.js';
import type {
  PartitionDesc,
  PlanNode,
  ShuffleBlockRef,
  StageOutput,
  StagePlan,
} from '../shared/protocol.js';
import type { PartitionDescriber, RDD } from '../rdd/rdd.js';
import type { MapOutputTracker } from '../shuffle/map-output-tracker.js';
import type { BlockManager } from '../storage/block-manager.js';
import { formatBlockId } from '../shared/block-id.js';
import { partFileName } from '../shared/file-names.js';
import { isReliablyCheckpointed, walkLineage } from './lineage.js';

/** RDDs whose partitions this job writes as checkpoint files, by id. */
export type CheckpointTargets = Map<number, { dir: string; codec: Codec }>;

// Checkpoint modules import the part file name from here; it is built in file-names.ts.
export { partFileName };

export function buildStagePlan(
  planId: string,
  stageId: number,
  root: RDD<unknown>,
  output: StageOutput,
  targets: CheckpointTargets,
  localDir: string,
): StagePlan {
  const nodes: PlanNode[] = [];
  walkLineage(root, (rdd) => {
    const leaf = isReliablyCheckpointed(rdd);
    const node: PlanNode = {
      id: rdd.id,
      compute: leaf ? { kind: 'checkpointFile' } : rdd.impl.planCompute(),
    };
    if (rdd.name !== undefined) node.name = rdd.name;
    if (rdd.storageLevel.name !== 'NONE') node.storageLevel = rdd.storageLevel.name;
    const target = targets.get(rdd.id);
    if (target !== undefined) node.checkpoint = target;
    nodes.push(node);
    return rdd.getDependenciesForScheduling().flatMap((d) => (d.kind === 'narrow' ? [d.rdd] : []));
  });
  return { planId, stageId, rootNode: root.id, nodes, output, localDir };
}

export class TaskDescriber implements PartitionDescriber {
  /** Set while describeTask runs: persisted partitions the task will compute and cache. */
  private computes: string[] | undefined;

  constructor(
    private readonly blocks: BlockManager,
    private readonly mapOutputs: MapOutputTracker,
  ) {}

  /** A task's descriptor, and the ids of the blocks it will compute and cache. */
  describeTask(rdd: RDD<unknown>, index: number): { desc: PartitionDesc; computes: string[] } {
    const computes: string[] = [];
    this.computes = computes;
    try {
      return { desc: this.describe(rdd, index), computes };
    } finally {
      this.computes = undefined;
    }
  }

  describe(rdd: RDD<unknown>, index: number): PartitionDesc {
    const data = rdd.checkpointData;
    if (data?.kind === 'reliable' && data.state === 'checkpointed') {
      return {
        kind: 'checkpointFile',
        node: rdd.id,
        index,
        path: path.join(data.dir, partFileName(index)),
      };
    }
    const mark = this.computes?.length ?? 0;
    const own = rdd.impl.describePartition(rdd.id, index, this);
    if (rdd.storageLevel.name === 'NONE') return own;
    const block = this.blocks.getRef(rdd.id, index);
    if (block !== undefined) {
      // The lineage below a cached block is only a fallback: it computes nothing up front.
      this.computes?.splice(mark);
      return { kind: 'cached', node: rdd.id, index, block, fallback: own };
    }
    this.computes?.push(formatBlockId(rdd.id, index));
    return own;
  }

  shuffleBlocks(shuffleId: number, reduceIndex: number): ShuffleBlockRef[] {
    return this.mapOutputs.blocksFor(shuffleId, reduceIndex);
  }
}
