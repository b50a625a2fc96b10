// StageInfo and RddInfo (Spark's scheduler.StageInfo / storage.RDDInfo): plain data describing a
// stage's pipeline for listeners, the event log and the UI's DAG. Built on the main thread when
// the stage is submitted; never crosses to workers.

import type { RDD } from '../rdd/rdd.js';
import type { StorageLevelName } from '../shared/protocol.js';
import { walkLineage } from './lineage.js';

export interface RddInfo {
  id: number;
  name?: string;
  /** The RDD's kind (Spark's class name): MapPartitionsRDD, ShuffledRDD, ... */
  kind: string;
  numPartitions: number;
  storageLevel: StorageLevelName;
  checkpoint: 'none' | 'marked' | 'reliable' | 'local';
  /** Parent RDD ids; a parent across a shuffle belongs to a parent stage. */
  parentIds: number[];
  /** Parent RDD ids reached through a shuffle dependency. */
  shuffleParentIds: number[];
}

/** The RDDs of the pipeline ending at `root` (narrow dependencies only), root first. */
export function pipelineRddInfos(root: RDD<unknown>): RddInfo[] {
  const out: RddInfo[] = [];
  walkLineage(root, (rdd) => {
    const deps = rdd.getDependenciesForScheduling();
    out.push(rddInfo(rdd));
    return deps.flatMap((d) => (d.kind === 'narrow' ? [d.rdd] : []));
  });
  return out;
}

function rddInfo(rdd: RDD<unknown>): RddInfo {
  const deps = rdd.getDependenciesForScheduling();
  const data = rdd.checkpointData;
  const info: RddInfo = {
    id: rdd.id,
    kind: rdd.impl.kindName,
    numPartitions: rdd.getNumPartitions(),
    storageLevel: rdd.storageLevel.name,
    checkpoint: data === undefined ? 'none' : data.state === 'checkpointed' ? data.kind : 'marked',
    parentIds: deps.filter((d) => d.kind === 'narrow').map((d) => d.rdd.id),
    shuffleParentIds: deps.filter((d) => d.kind === 'shuffle').map((d) => d.rdd.id),
  };
  if (rdd.name !== undefined) info.name = rdd.name;
  return info;
}
