// One task attempt from request to TaskResult, given a way to obtain its loaded plan: computes
// the root partition through the stage's output (a result action or shuffle buckets), drains
// and commits side outputs, and turns every error into plain data. Never rejects.

import { encodeRecords } from '../src/shared/format/record-codec.js';
import { errors } from '../src/shared/errors.js';
import type { MapStatus, TaskMetrics, TaskRequest, TaskResult } from '../src/shared/protocol.js';
import { plainRecords } from './batch.js';
import { computePartition } from './compute.js';
import { fusedRunOf } from './fused-steps.js';
import type { LoadedPlan } from './plan-cache.js';
import { runResultAction } from './result-actions.js';
import { bucketShuffleOutput } from './shuffle-write.js';
import { TaskContext } from './task-context.js';
import {
  finishTaskMetrics,
  newTaskCounters,
  startTaskClock,
  type TaskClock,
} from './task-metrics.js';
import { FetchFailedError, getFailedNode, messageOf, serializeError } from './task-errors.js';

const CONSUMED_HERE = new Set(['count', 'drain', 'foreach', 'foreachPartition']);

export async function runTask(
  req: TaskRequest,
  getPlan: () => Promise<LoadedPlan>,
): Promise<TaskResult> {
  const clock = startTaskClock();
  let ctx: TaskContext | undefined;
  try {
    const loaded = await getPlan();
    ctx = new TaskContext(loaded, req, req.desc);
    return await runStage(ctx, req, clock);
  } catch (e) {
    ctx?.abortSideOutputs();
    const metrics = metricsOf(clock, ctx);
    // A fetch failure wins over what user code made of it (caught, rethrown as another error).
    const fetch = e instanceof FetchFailedError ? e : ctx?.fetchFailure;
    if (fetch !== undefined) {
      return {
        kind: 'fetchFailed',
        shuffleId: fetch.shuffleId,
        mapIndex: fetch.mapIndex,
        ...(fetch.path === undefined ? {} : { path: fetch.path }),
        error: serializeError(fetch),
        metrics,
      };
    }
    const side = ctx?.side ?? { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] };
    const failure: TaskResult = { kind: 'failure', error: serializeError(e), side, metrics };
    const rddId = getFailedNode(e) ?? ctx?.loaded.plan.rootNode;
    if (rddId !== undefined) failure.rddId = rddId;
    return failure;
  }
}

async function runStage(ctx: TaskContext, req: TaskRequest, clock: TaskClock): Promise<TaskResult> {
  const plan = ctx.loaded.plan;
  // A shuffle write runs the stage's last narrow steps in its own loop and checks the records it
  // writes itself (shuffle-write.ts); elsewhere records leave the thread unless the action only
  // counts or consumes them here.
  const fused = plan.output.kind === 'shuffleMap' ? fusedRunOf(ctx, req.desc, 'plain') : undefined;
  const root =
    plan.output.kind === 'shuffleMap'
      ? computePartition(ctx, fused?.input ?? req.desc)
      : CONSUMED_HERE.has(plan.output.action.kind)
        ? computePartition(ctx, req.desc)
        : plainRecords(computePartition(ctx, req.desc), plan.rootNode);
  let value: Uint8Array | undefined;
  let mapStatus: MapStatus | undefined;
  if (plan.output.kind === 'result') {
    const result = await runResultAction(ctx, plan.output.action, root);
    ctx.drainTees();
    value = encodeResult(plan.rootNode, req.partitionIndex, result);
  } else {
    const write = bucketShuffleOutput(ctx, plan.output, root, fused?.steps);
    ctx.drainTees();
    mapStatus = write();
  }
  // User code caught a fetch failure and went on: its result lacks that map output.
  if (ctx.fetchFailure !== undefined) throw ctx.fetchFailure;
  ctx.commitSideOutputs();
  const success: TaskResult = { kind: 'success', side: ctx.side, metrics: metricsOf(clock, ctx) };
  if (value !== undefined) success.value = value;
  if (mapStatus !== undefined) success.mapStatus = mapStatus;
  return success;
}

function metricsOf(clock: TaskClock, ctx: TaskContext | undefined): TaskMetrics {
  if (ctx === undefined) {
    return finishTaskMetrics(clock, newTaskCounters(), {
      recordsRead: 0,
      checkpointBytes: 0,
      cachedBytes: 0,
    });
  }
  let checkpointBytes = 0;
  for (const c of ctx.side.checkpoints) checkpointBytes += c.bytes;
  let cachedBytes = 0;
  for (const b of ctx.side.blocks) cachedBytes += b.bytes;
  return finishTaskMetrics(clock, ctx.counters, {
    recordsRead: ctx.recordsRead,
    checkpointBytes,
    cachedBytes,
  });
}

function encodeResult(rddId: number, partitionIndex: number, result: unknown): Uint8Array {
  try {
    return encodeRecords([result]);
  } catch (e) {
    // v8's DataCloneError names the culprit ("function () {} could not be cloned").
    throw errors.resultNotCloneable(rddId, partitionIndex, messageOf(e));
  }
}
