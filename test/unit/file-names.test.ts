// File names both threads rely on, checked across the thread boundary: the temp files a
// worker's task attempt writes are the ones the main thread removes for that attempt, a
// checkpoint part lands where the main thread describes it, and shuffle files carry the
// ids their name says. Each side is the engine's own code, run in-thread.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import type { PlanNode, StagePlan, TaskRequest, TaskResult } from '../../src/shared/protocol.js';
import { cleanAttemptTempFiles } from '../../src/scheduler/attempt-cleanup.js';
import { partFileName } from '../../src/scheduler/plan-builder.js';
import {
  attemptTag,
  isTempFileOf,
  parseShuffleFileName,
  shuffleFileName,
  spillFileName,
  tempFileName,
} from '../../src/shared/file-names.js';
import { loadPlan } from '../../workers/plan-cache.js';
import { runTask } from '../../workers/run-task.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kindling-file-names-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const fp = (source: string) => ({
  fn: { kind: 'source' as const, source, name: 'f' },
  env: { data: undefined, handles: [] },
});

/** range(0, 100) -> node 2 (cached on disk and checkpointed) -> node 3: map `f3`. */
function plan(localDir: string, cpDir: string, f3: string, id: string): StagePlan {
  const nodes: PlanNode[] = [
    { id: 1, compute: { kind: 'range' } },
    {
      id: 2,
      compute: { kind: 'narrow', parent: 1, op: { kind: 'map', f: fp('(x) => x * 2') } },
      storageLevel: 'DISK_ONLY',
      checkpoint: { dir: cpDir, codec: 'lz4' },
    },
    { id: 3, compute: { kind: 'narrow', parent: 2, op: { kind: 'map', f: fp(f3) } } },
  ];
  return {
    planId: id,
    stageId: 1,
    rootNode: 3,
    nodes,
    output: { kind: 'result', action: { kind: 'count' } },
    localDir,
  };
}

function request(p: StagePlan, taskId: number, attempt: number): TaskRequest {
  const range = { kind: 'range' as const, node: 1, index: 0, start: 0, end: 100, step: 1 };
  const two = { kind: 'narrow' as const, node: 2, index: 0, parent: range };
  return {
    kind: 'task',
    planId: p.planId,
    stageId: 1,
    partitionIndex: 0,
    taskId,
    attempt,
    desc: { kind: 'narrow', node: 3, index: 0, parent: two },
  };
}

const run = (p: StagePlan, req: TaskRequest): Promise<TaskResult> =>
  runTask(req, () => loadPlan(p));

it('the temp files a task attempt writes are exactly those the main thread removes for it', async () => {
  const localDir = mkdtempSync(path.join(tmp, 'local-'));
  const cpDir = path.join(tmp, 'cp-temp');
  // Node 3 reports, by throwing, the temp files its teed parent is writing at that moment.
  const listTemps = `(x, env) => {
    const fs = require('node:fs');
    const path = require('node:path');
    const dirs = [${JSON.stringify(path.join(localDir, 'blocks'))}, ${JSON.stringify(cpDir)}];
    throw new Error(dirs.flatMap((d) => fs.readdirSync(d).map((n) => path.join(d, n))).join('\\n'));
  }`;
  const p = plan(localDir, cpDir, listTemps, 'names-temp');
  const req = request(p, 41, 3);
  const result = await run(p, req);
  assert.equal(result.kind, 'failure');
  if (result.kind !== 'failure') return;
  const temps = result.error.message.split('\n');
  assert.equal(temps.length, 2, 'a disk block and a checkpoint part were being written');
  for (const t of temps) assert.ok(isTempFileOf(path.basename(t), attemptTag(41, 3)), t);
  // As if the worker had died mid-write: its files are still there, next to another attempt's.
  const other = path.join(cpDir, tempFileName(partFileName(0), attemptTag(42, 0)));
  for (const f of [...temps, other]) writeFileSync(f, '');
  cleanAttemptTempFiles(req, p);
  assert.deepEqual(
    temps.filter((t) => existsSync(t)),
    [],
  );
  assert.ok(existsSync(other), "another attempt's temp file is left alone");
});

it("a dead attempt's spill runs are removed by its tag, and no other attempt's", () => {
  const localDir = mkdtempSync(path.join(tmp, 'local-'));
  const p = plan(localDir, path.join(tmp, 'cp-spill'), '(x) => x', 'names-spill');
  const names = [
    spillFileName('sort', 1, 0, 0, attemptTag(1, 0)),
    spillFileName('combine', 1, 0, 7, attemptTag(1, 0)),
    // Tags that share a prefix or a suffix with attempt-1-0.
    spillFileName('sort', 1, 0, 0, attemptTag(11, 0)),
    spillFileName('sort', 1, 0, 0, attemptTag(1, 10)),
    spillFileName('sort', 1, 0, 0, attemptTag(1, 1)),
  ];
  for (const n of names) writeFileSync(path.join(localDir, n), '');
  cleanAttemptTempFiles(request(p, 1, 0), p);
  assert.deepEqual(readdirSync(localDir).sort(), names.slice(2).sort());
});

it('a checkpoint part written by a worker is where the main thread describes it', async () => {
  const localDir = mkdtempSync(path.join(tmp, 'local-'));
  const cpDir = path.join(tmp, 'cp-part');
  const p = plan(localDir, cpDir, '(x) => x', 'names-part');
  const result = await run(p, request(p, 50, 0));
  assert.equal(result.kind, 'success');
  assert.deepEqual(readdirSync(cpDir), [partFileName(0)]);
});

it('shuffle file names carry the ids they were built from', () => {
  for (const id of [
    { shuffleId: 0, mapIndex: 0, taskId: 0, spill: 0 },
    { shuffleId: 12, mapIndex: 3, taskId: 977, spill: 2 },
  ]) {
    assert.deepEqual(parseShuffleFileName(shuffleFileName(id)), id);
  }
  assert.equal(parseShuffleFileName(partFileName(1)), undefined);
  assert.equal(parseShuffleFileName('shuffle_1_2.data'), undefined);
});
