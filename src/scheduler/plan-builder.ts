// Turns a stage into what workers get: the StagePlan (every RDD of the stage's
// pipeline as a plain PlanNode, sent once per worker) and, per task, the
// PartitionDesc tree (Spark's Partition objects as plain data), which names the
// cached blocks, checkpoint files and shuffle blocks to read.

import path from 'node:path';
import type { Codec } from '../format/frames.js';
import type {
  PartitionDesc,
  PlanNode,
  ShuffleBlockRef,
  StageOutput,
  StagePlan,
} from '../protocol.js';
import type { PartitionDescriber, RDD } from '../rdd/rdd.js';
import type { MapOutputTracker } from '../shuffle/map-output-tracker.js';
import type { BlockManager } from '../storage/block-manager.js';
import { isReliablyCheckpointed, walkLineage } from './lineage.js';

/** RDDs whose partitions this job writes as checkpoint files, by id. */
export type CheckpointTargets = Map<number, { dir: string; codec: Codec }>;

export function partFileName(index: number): string {
  return `part-${String(index).padStart(5, '0')}`;
}

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
  constructor(
    private readonly blocks: BlockManager,
    private readonly mapOutputs: MapOutputTracker,
  ) {}

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
    const own = rdd.impl.describePartition(rdd.id, index, this);
    const block = rdd.storageLevel.name === 'NONE' ? undefined : this.blocks.getRef(rdd.id, index);
    return block === undefined
      ? own
      : { kind: 'cached', node: rdd.id, index, block, fallback: own };
  }

  shuffleBlocks(shuffleId: number, reduceIndex: number): ShuffleBlockRef[] {
    return this.mapOutputs.blocksFor(shuffleId, reduceIndex);
  }
}
