// mapValues fused into the map-side combine of the shuffle it feeds, as in
// `pairs.mapValues(f).reduceByKey(g)`: the combine calls f on each value itself, so the
// mapValues RDD's [key, f(value)] array is never made (one allocation a record, and its
// garbage, fewer). Only where that RDD's partition goes nowhere else: not persisted, not
// checkpointed. Its records are checked as plainRecords checks a stage's output (the first and
// last of each batch), and an error f throws names the mapValues RDD, the stage's root.

import type { PartitionDesc, StageOutput } from '../src/shared/protocol.js';
import type { Batches } from './batch.js';
import { computePartition } from './compute.js';
import type { UserFunction } from './functions.js';
import type { TaskContext } from './task-context.js';

/** The mapValues function a combine applies to each value, and the RDD it stands for. */
export interface MappedValues {
  f: UserFunction;
  env: unknown;
  rddId: number;
}

/** The parent's batches and the fused function, when the stage's root can be fused. */
export function fuseMapValues(
  ctx: TaskContext,
  output: Extract<StageOutput, { kind: 'shuffleMap' }>,
  desc: PartitionDesc,
): { input: Batches; mapped: MappedValues } | undefined {
  if (output.combine === undefined || output.recordsAreKeys === true) return undefined;
  if (desc.kind !== 'narrow') return undefined;
  const node = ctx.node(desc.node);
  if (node.compute.kind !== 'narrow' || node.compute.op.kind !== 'mapValues') return undefined;
  if (node.checkpoint !== undefined) return undefined;
  if (node.storageLevel !== undefined && node.storageLevel !== 'NONE') return undefined;
  const f = node.compute.op.f;
  return {
    input: computePartition(ctx, desc.parent),
    mapped: { f: ctx.fn(f), env: ctx.env(f), rddId: node.id },
  };
}
