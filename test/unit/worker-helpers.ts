// What the in-thread worker tests share: a scratch directory removed after the file's tests,
// shipped functions from source, ids no two plans or tasks of a test process share (the
// worker caches plans by id), and one task run through the worker's own runTask and loadPlan.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { ShippedEnv } from '../../src/shared/env-wire.js';
import type {
  FunctionPlan,
  PartitionDesc,
  StagePlan,
  TaskResult,
} from '../../src/shared/protocol.js';
import { loadPlan } from '../../workers/plan-cache.js';
import { runTask } from '../../workers/run-task.js';

/** A fresh directory under the OS temp dir, removed when the calling test file ends. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kindling-${name}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A user function shipped as source, as closure.ts ships it, with env as shipEnv ships it. */
export const fp = (
  source: string,
  data?: unknown,
  handles: ShippedEnv['handles'] = [],
): FunctionPlan => ({
  fn: { kind: 'source', source, name: 'f' },
  env: { data, handles },
});

let lastId = 0;
/** A number not handed out before in this process: for task, plan and shuffle ids. */
export const freshId = (): number => ++lastId;

/** Runs the task of `plan` for partition `desc` in this thread, as a worker would. */
export function runTaskOf(plan: StagePlan, desc: PartitionDesc): Promise<TaskResult> {
  const req = {
    kind: 'task' as const,
    planId: plan.planId,
    stageId: plan.stageId,
    partitionIndex: desc.index,
    taskId: freshId(),
    attempt: 0,
    desc,
  };
  return runTask(req, () => loadPlan(plan));
}

export function success(result: TaskResult): Extract<TaskResult, { kind: 'success' }> {
  if (result.kind !== 'success') assert.fail(`task did not succeed: ${JSON.stringify(result)}`);
  return result;
}
