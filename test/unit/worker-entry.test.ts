// The worker entry end to end in a real Piscina pool: the worker hands its control port to the
// pool's 'message' event, pulls the stage plan and a broadcast over comlink, computes, and
// answers with plain TaskResults (a failure too, never a rejection).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Piscina } from 'piscina';
import type { MessagePort } from 'node:worker_threads';
import { decodeRecords } from '../../src/shared/format/record-codec.js';
import { WORKER_FILE } from '../../src/scheduler/piscina-runner.js';
import {
  CONTROL_PORT_MESSAGE,
  type ControlApi,
  type StagePlan,
  type TaskRequest,
  type TaskResult,
} from '../../src/shared/protocol.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kindling-worker-entry-'));

const plan: StagePlan = {
  planId: 'entry-plan',
  stageId: 1,
  rootNode: 2,
  nodes: [
    { id: 1, compute: { kind: 'range' } },
    {
      id: 2,
      compute: {
        kind: 'narrow',
        parent: 1,
        op: {
          kind: 'map',
          f: {
            fn: {
              kind: 'source',
              source: '(x, env) => { env.seen.add(1); return x * env.k + env.b.value; }',
              name: 'f',
            },
            env: {
              data: { k: 3, b: null, seen: null },
              handles: [
                { path: ['b'], handle: { kind: 'broadcast', id: 5 } },
                { path: ['seen'], handle: { kind: 'accumulator', id: 9, type: 'long' } },
              ],
            },
          },
        },
      },
    },
  ],
  output: { kind: 'result', action: { kind: 'collect' } },
  localDir: tmp,
};

const calls = { getPlan: 0, getBroadcast: 0 };
const control: ControlApi = {
  getPlan(planId) {
    calls.getPlan++;
    if (planId !== plan.planId) throw new RangeError(`no plan ${planId}`);
    return plan;
  },
  getBroadcast(id) {
    calls.getBroadcast++;
    return id * 1000;
  },
};

function task(index: number, start: number, end: number, planId = plan.planId): TaskRequest {
  return {
    kind: 'task',
    planId,
    stageId: 1,
    partitionIndex: index,
    taskId: 100 + index,
    attempt: 0,
    desc: {
      kind: 'narrow',
      node: 2,
      index,
      parent: { kind: 'range', node: 1, index, start, end, step: 1 },
    },
  };
}

describe('worker entry in a Piscina pool', () => {
  let pool: Piscina;
  before(() => {
    pool = new Piscina({ filename: WORKER_FILE, minThreads: 1, maxThreads: 1 });
    pool.on('message', (message: { kind?: unknown; port?: MessagePort }) => {
      if (message.kind === CONTROL_PORT_MESSAGE && message.port !== undefined) {
        Comlink.expose(control, nodeEndpoint(message.port));
      }
    });
  });
  after(async () => {
    await pool.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs tasks against a plan and broadcast pulled once over the control plane', async () => {
    const results = (await Promise.all([
      pool.run(task(0, 0, 3)),
      pool.run(task(1, 3, 5)),
    ])) as TaskResult[];
    const values = results.map((r) => {
      if (r.kind !== 'success') assert.fail(JSON.stringify(r));
      assert.deepEqual(r.side.accumulators, [{ id: 9, delta: r.metrics.recordsRead }]);
      return decodeRecords(r.value!)[0];
    });
    assert.deepEqual(values, [
      [5000, 5003, 5006],
      [5009, 5012],
    ]);
    assert.deepEqual(calls, { getPlan: 1, getBroadcast: 1 });
  });

  it('answers a task whose plan cannot be pulled with a failure, not a rejection', async () => {
    const result = (await pool.run(task(0, 0, 1, 'no-such-plan'))) as TaskResult;
    assert.equal(result.kind, 'failure');
    assert.match(result.kind === 'failure' ? result.error.message : '', /no plan no-such-plan/);
  });
});
