// Stages: a ResultStage computes an action's partitions; a ShuffleMapStage
// computes the map side of one shuffle dependency. Both are a pipeline of
// narrow transformations ending at `rdd`.

import type { ResultAction } from '../shared/protocol.js';
import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';

export interface ResultStage {
  kind: 'result';
  id: number;
  rdd: RDD<unknown>;
  action: ResultAction;
}

export interface ShuffleMapStage {
  kind: 'shuffleMap';
  id: number;
  rdd: RDD<unknown>;
  dep: ShuffleDependency;
}

export type Stage = ResultStage | ShuffleMapStage;
