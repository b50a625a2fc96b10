// The DAG scheduler with a fake task runner that records requests and answers
// at once: stage cutting, parents first, reuse of map output, fetch-failure
// recovery and retries. No threads. Every test ends by checking that the
// scheduler and the tracker hold no state (Spark's assertDataStructuresEmpty).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Context } from '../../src/context.js';
import { encodeRecords } from '../../src/shared/format/record-codec.js';
import {
  WORKER_OUT_OF_MEMORY,
  type StagePlan,
  type TaskMetrics,
  type TaskRequest,
  type TaskResult,
} from '../../src/shared/protocol.js';
import { isKindlingError } from '../../src/shared/errors.js';
import { DAGScheduler } from '../../src/scheduler/dag-scheduler.js';
import { decideOnFailure, type FailedResult } from '../../src/scheduler/retry-policy.js';
import { TaskDescriber } from '../../src/scheduler/plan-builder.js';
import type { TaskRunner } from '../../src/scheduler/task-runner.js';
import { MapOutputTracker } from '../../src/shuffle/map-output-tracker.js';
import { BlockManager } from '../../src/storage/block-manager.js';
import { spillBlock } from '../../src/storage/block-spill.js';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const emptySide = () => ({ accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] });

class FakeRunner implements TaskRunner {
  readonly workers = 2;
  readonly requests: { request: TaskRequest; plan: StagePlan }[] = [];
  /** Answers a request differently, e.g. with a fetch failure; undefined = normal answer. */
  override:
    | ((
        r: TaskRequest,
        plan: StagePlan,
        signal: AbortSignal,
      ) => TaskResult | undefined | Promise<TaskResult | undefined>)
    | undefined;
  getPlan: (planId: string) => StagePlan = () => assert.fail('no scheduler');

  async run(request: TaskRequest, signal = new AbortController().signal): Promise<TaskResult> {
    const plan = this.getPlan(request.planId);
    this.requests.push({ request, plan });
    const special = await this.override?.(request, plan, signal);
    if (special !== undefined) return special;
    if (plan.output.kind === 'shuffleMap') {
      const n = plan.output.partitioner.numPartitions;
      const offsets = Array.from({ length: n + 1 }, (_, i) => i * 10);
      const mapStatus = {
        shuffleId: plan.output.shuffleId,
        mapIndex: request.partitionIndex,
        path: `/fake/${request.taskId}`,
        offsets,
        checksums: offsets.slice(1).map(() => 0),
      };
      return {
        kind: 'success',
        mapStatus,
        side: emptySide(),
        metrics: fakeMetrics(),
      };
    }
    const value = encodeRecords([request.partitionIndex]);
    return {
      kind: 'success',
      value,
      side: emptySide(),
      metrics: fakeMetrics(),
    };
  }
  batches = 0;
  async runBatch(requests: TaskRequest[], signal: AbortSignal): Promise<TaskResult[]> {
    this.batches++;
    return Promise.all(requests.map((r) => this.run(r, signal)));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(maxTaskFailures = 4) {
  const runner = new FakeRunner();
  const tracker = new MapOutputTracker();
  const blocks = new BlockManager('/nonexistent', 1 << 20, spillBlock, 'none');
  const noop = () => {};
  const scheduler = new DAGScheduler(
    runner,
    tracker,
    new TaskDescriber(blocks, tracker),
    {
      onJobStart: noop,
      onJobEnd: noop,
      onStageSubmitted: noop,
      onStageCompleted: noop,
      onTaskEnd: noop,
    },
    {
      maxTaskFailures,
      localDir: '/nonexistent',
      shuffleCodec: 'none',
      shuffleRawFirstBytes: 0,
      shuffleSpillRecords: 1_000_000,
      isFullyCached: () => false,
      onTaskSuccess: noop,
      onLostBlocks: noop,
      onTaskAttemptFailed: noop,
    },
  );
  runner.getPlan = (planId) => scheduler.getPlan(planId);
  return { runner, scheduler, tracker };
}

/**
 * Spark's assertDataStructuresEmpty: once the test's shuffles are cleaned up (as the
 * context's cleaner does when their RDDs are collected), nothing is left in any map.
 */
function assertDataStructuresEmpty({ scheduler, tracker }: ReturnType<typeof setup>): void {
  for (const shuffleId of tracker.shuffleIds()) {
    scheduler.forgetShuffle(shuffleId);
    tracker.removeShuffle(shuffleId);
  }
  assert.deepEqual(scheduler.stateSizes(), {
    activeJobs: 0,
    runningShuffleStages: 0,
    plans: 0,
    shuffleStages: 0,
    blockClaims: 0,
  });
  assert.deepEqual(tracker.shuffleIds(), []);
}

/** A promise and its resolve function (Promise.withResolvers is Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const pairs = () =>
  ctx.parallelize([1, 2, 3, 4, 5, 6], 3).map((x) => [x % 2, x] as [number, number]);

test('a narrow chain is one stage of pipelined tasks, one per partition', async () => {
  const env = setup();
  const { runner, scheduler } = env;
  const rdd = ctx
    .parallelize([1, 2, 3, 4], 4)
    .map((x) => x + 1)
    .filter((x) => x > 2);
  const out = await scheduler.runJob(rdd, { kind: 'collect' }, [0, 1, 2, 3], new Map());
  assert.equal(out.length, 4);
  assert.equal(runner.requests.length, 4);
  const plan = runner.requests[0]?.plan as StagePlan;
  assert.deepEqual(
    plan.nodes.map((n) => n.compute.kind),
    ['narrow', 'narrow', 'parallelize'],
  );
  assert.equal(
    new Set(runner.requests.map((r) => r.request.planId)).size,
    1,
    'one plan for the stage',
  );
  assert.deepEqual(runner.requests.map((r) => r.request.partitionIndex).sort(), [0, 1, 2, 3]);
  assertDataStructuresEmpty(env);
});

test('a shuffle cuts the lineage: the map stage runs first, then the result stage reads it', async () => {
  const env = setup();
  const { runner, scheduler } = env;
  const reduced = pairs()
    .reduceByKey((a, b) => a + b, { numPartitions: 2 })
    .mapValues((v) => v * 2);
  await scheduler.runJob(reduced, { kind: 'collect' }, [0, 1], new Map());
  const kinds = runner.requests.map((r) => r.plan.output.kind);
  assert.deepEqual(kinds, ['shuffleMap', 'shuffleMap', 'shuffleMap', 'result', 'result']);
  const mapPlan = runner.requests[0]?.plan as StagePlan;
  assert.ok(
    mapPlan.output.kind === 'shuffleMap' && mapPlan.output.combine !== undefined,
    'map-side combine',
  );
  const resultReq = runner.requests[3]?.request as TaskRequest;
  assert.equal(resultReq.desc.kind, 'narrow');
  const shuffled = resultReq.desc.kind === 'narrow' ? resultReq.desc.parent : undefined;
  assert.equal(shuffled?.kind, 'shuffled');
  assert.equal(
    shuffled?.kind === 'shuffled' ? shuffled.blocks.length : -1,
    3,
    'one block per map output',
  );
  assertDataStructuresEmpty(env);
});

test('map output is reused by later jobs; only missing outputs are recomputed', async () => {
  const env = setup();
  const { runner, scheduler, tracker } = env;
  const reduced = pairs().reduceByKey((a, b) => a + b, { numPartitions: 2 });
  await scheduler.runJob(reduced, { kind: 'count' }, [0, 1], new Map());
  runner.requests.length = 0;
  await scheduler.runJob(reduced, { kind: 'collect' }, [0, 1], new Map());
  assert.deepEqual(
    runner.requests.map((r) => r.plan.output.kind),
    ['result', 'result'],
  );
  const shuffleId =
    reduced.dependencies()[0]?.kind === 'shuffle'
      ? (reduced.dependencies()[0] as { shuffleId: number }).shuffleId
      : -1;
  tracker.unregisterMapOutput(shuffleId, 1);
  runner.requests.length = 0;
  await scheduler.runJob(reduced, { kind: 'collect' }, [0], new Map());
  assert.deepEqual(
    runner.requests.map((r) => [r.plan.output.kind, r.request.partitionIndex]),
    [
      ['shuffleMap', 1],
      ['result', 0],
    ],
  );
  assertDataStructuresEmpty(env);
});

test('a fetch failure recomputes the lost map output and retries the reader', async () => {
  const env = setup();
  const { runner, scheduler } = env;
  const reduced = pairs().reduceByKey((a, b) => a + b, { numPartitions: 2 });
  let failed = false;
  runner.override = (r, plan) => {
    if (plan.output.kind !== 'result' || failed) return undefined;
    failed = true;
    const shuffleId =
      plan.output.kind === 'result' && r.desc.kind === 'shuffled'
        ? (r.desc.blocks[0]?.shuffleId ?? 0)
        : 0;
    return {
      kind: 'fetchFailed',
      shuffleId,
      mapIndex: 2,
      error: { name: 'KindlingError', message: 'lost' },
    };
  };
  const out = await scheduler.runJob(reduced, { kind: 'collect' }, [0], new Map());
  assert.equal(out.length, 1);
  const seq = runner.requests.map((r) => `${r.plan.output.kind}:${r.request.partitionIndex}`);
  assert.deepEqual(seq, [
    'shuffleMap:0',
    'shuffleMap:1',
    'shuffleMap:2',
    'result:0',
    'shuffleMap:2',
    'result:0',
  ]);
  assertDataStructuresEmpty(env);
});

test('a failing task is retried up to maxTaskFailures, then TASK_FAILED names RDD and partition', async () => {
  const env = setup(3);
  const { runner, scheduler } = env;
  const rdd = ctx.parallelize([1, 2], 2).setName('input');
  runner.override = (r) =>
    r.partitionIndex === 1
      ? {
          kind: 'failure',
          error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at worker' },
          side: emptySide(),
        }
      : undefined;
  await assert.rejects(
    scheduler.runJob(rdd, { kind: 'collect' }, [0, 1], new Map()),
    (e: unknown) => {
      const err = e as Error & { code: string; cause: Error };
      assert.equal(err.code, 'TASK_FAILED');
      assert.match(err.message, /RDD \d+ \(input\) partition 1, stage \d+ attempt 3: boom/);
      assert.equal(err.cause.name, 'TypeError');
      assert.match(err.cause.stack ?? '', /at worker/);
      return true;
    },
  );
  assert.equal(runner.requests.filter((r) => r.request.partitionIndex === 1).length, 3);
  assertDataStructuresEmpty(env);
});

test('a failed job rejects only once its other running tasks have ended', async () => {
  // Partition 0 is a task that ends after the abort, as one uploading its outputs does: the
  // caller's cleanup (a failed S3 save removing its parts) must come after it.
  const env = setup(1);
  const { runner, scheduler } = env;
  let rejected = false;
  let rejectedBeforePartition0Ended: boolean | undefined;
  runner.override = async (r, _plan, signal) => {
    if (r.partitionIndex === 1)
      return { kind: 'failure', error: { name: 'Error', message: 'boom' }, side: emptySide() };
    await once(signal, 'abort');
    await new Promise(setImmediate); // every reaction to the abort has run
    rejectedBeforePartition0Ended = rejected;
    return undefined;
  };
  const job = scheduler.runJob(ctx.parallelize([1, 2], 2), { kind: 'collect' }, [0, 1], new Map());
  await assert.rejects(
    job.finally(() => (rejected = true)),
    (e: unknown) => isKindlingError(e, 'TASK_FAILED'),
  );
  assert.equal(rejectedBeforePartition0Ended, false);
  assertDataStructuresEmpty(env);
});

test('tiny tasks travel several per message once the stage has shown they are tiny', async () => {
  const env = setup();
  const { runner, scheduler } = env;
  let failedOnce = false;
  runner.override = (r) => {
    if (r.partitionIndex !== 150 || failedOnce) return undefined;
    failedOnce = true;
    return { kind: 'failure', error: { name: 'Error', message: 'flaky' }, side: emptySide() };
  };
  const parts = Array.from({ length: 400 }, (_, i) => i);
  const out = await scheduler.runJob(
    ctx.range(0, 400, 1, 400),
    { kind: 'count' },
    parts,
    new Map(),
  );
  assert.equal(out.length, 400);
  assert.ok(runner.batches > 0, 'some messages carried several tasks');
  const firstAttempts = runner.requests.filter((r) => r.request.attempt === 0);
  assert.equal(firstAttempts.length, 400);
  const retried = runner.requests.filter((r) => r.request.attempt === 1);
  assert.deepEqual(
    retried.map((r) => r.request.partitionIndex),
    [150],
    'only the failed task is retried',
  );
  assertDataStructuresEmpty(env);
});

test('each way a task fails has one decision: retry, fail the job at once, or recompute a map output', () => {
  const failure = (code?: string, context: Record<string, unknown> = {}): FailedResult => ({
    kind: 'failure',
    error: {
      name: 'Error',
      message: 'x',
      ...(code === undefined ? {} : { kindling: { code, context } }),
    },
    side: emptySide(),
  });
  assert.deepEqual(decideOnFailure(failure()), { kind: 'retry' });
  // A spill file or the scratch directory: the next attempt writes its own.
  assert.deepEqual(decideOnFailure(failure('IO_ERROR')), { kind: 'retry' });
  // An input file the job reads: every attempt reads the same one.
  assert.deepEqual(decideOnFailure(failure('IO_ERROR', { path: '/in/a.txt', input: true })), {
    kind: 'failJob',
    report: 'inTask',
  });
  assert.deepEqual(
    decideOnFailure({
      kind: 'failure',
      error: { name: 'WorkerOutOfMemory', message: 'x', code: WORKER_OUT_OF_MEMORY },
      side: emptySide(),
    }),
    { kind: 'retry', reason: 'outOfMemory' },
  );
  // Raised by the engine in a worker (a record it refuses, one key's group over the memory
  // budget): raised again on every attempt.
  for (const code of ['INVALID_ARGUMENT', 'TASK_FAILED'])
    assert.deepEqual(decideOnFailure(failure(code)), { kind: 'failJob', report: 'taskFailed' });
  for (const code of [
    'CHECKPOINT_CORRUPT',
    'CHECKPOINT_NOT_FOUND',
    'RESULT_NOT_CLONEABLE',
    'INTERNAL',
  ])
    assert.deepEqual(decideOnFailure(failure(code)), { kind: 'failJob', report: 'asIs' });
  assert.deepEqual(
    decideOnFailure({
      kind: 'fetchFailed',
      shuffleId: 3,
      mapIndex: 1,
      path: '/x',
      error: { name: 'KindlingError', message: 'lost' },
    }),
    { kind: 'recomputeMapOutput', shuffleId: 3, mapIndex: 1, path: '/x' },
  );
});

test('an INTERNAL error in a worker fails the job at once with its own code', async () => {
  const env = setup();
  const { runner, scheduler } = env;
  runner.override = (r) =>
    r.partitionIndex === 0
      ? {
          kind: 'failure',
          error: {
            name: 'KindlingError',
            message: 'Internal error in Kindling: broken',
            kindling: { code: 'INTERNAL', context: {} },
          },
          side: emptySide(),
        }
      : undefined;
  await assert.rejects(
    scheduler.runJob(ctx.parallelize([1, 2], 2), { kind: 'collect' }, [0, 1], new Map()),
    (e: unknown) => isKindlingError(e, 'INTERNAL') && /broken/.test(e.message),
  );
  assert.equal(runner.requests.filter((r) => r.request.partitionIndex === 0).length, 1);
  assertDataStructuresEmpty(env);
});

test('a reader described while a map output is being recomputed waits for it instead of reading it as empty', async () => {
  const env = setup();
  const { runner, scheduler, tracker } = env;
  const reduced = pairs().reduceByKey((a, b) => a + b, { numPartitions: 2 });
  await scheduler.runJob(reduced, { kind: 'count' }, [0, 1], new Map());
  const shuffleId = tracker.shuffleIds()[0] as number;
  runner.requests.length = 0;
  const lost = deferred();
  const readerSawMissing = deferred();
  const sawMissing: number[] = [];
  runner.override = async (r, plan) => {
    if (plan.output.kind === 'shuffleMap') {
      // The recomputation of map 1 has started: let reader 1 retry, and finish only after
      // that retry was described with map 1 missing.
      lost.resolve();
      await readerSawMissing.promise;
      return undefined;
    }
    if (r.desc.kind !== 'shuffled') return undefined;
    const missing = r.desc.blocks.find((b) => b.kind === 'missing');
    if (missing !== undefined) {
      sawMissing.push(r.partitionIndex);
      readerSawMissing.resolve();
      return {
        kind: 'fetchFailed',
        shuffleId: missing.shuffleId,
        mapIndex: missing.mapIndex,
        error: { name: 'KindlingError', message: 'missing' },
      };
    }
    if (r.attempt > 0 || runner.requests.some((q) => q.plan.output.kind === 'shuffleMap'))
      return undefined;
    if (r.partitionIndex === 0) {
      const path = r.desc.blocks.find((b) => b.kind === 'range' && b.mapIndex === 1);
      return {
        kind: 'fetchFailed',
        shuffleId,
        mapIndex: 1,
        ...(path?.kind === 'range' ? { path: path.path } : {}),
        error: { name: 'KindlingError', message: 'damaged' },
      };
    }
    await lost.promise;
    return { kind: 'failure', error: { name: 'Error', message: 'flaky' }, side: emptySide() };
  };
  const out = await scheduler.runJob(reduced, { kind: 'collect' }, [0, 1], new Map());
  assert.equal(out.length, 2);
  assert.deepEqual(sawMissing, [1], 'reader 1 was described with map 1 missing, and failed');
  assert.deepEqual(
    runner.requests
      .filter((r) => r.plan.output.kind === 'shuffleMap')
      .map((r) => r.request.partitionIndex),
    [1],
    'only the lost map output was recomputed, once',
  );
  assertDataStructuresEmpty(env);
});

function fakeMetrics(): TaskMetrics {
  return {
    durationMs: 0,
    recordsRead: 0,
    threadId: 0,
    launchTime: 0,
    finishTime: 0,
    gcTimeMs: 0,
    bytesRead: 0,
    recordsWritten: 0,
    bytesWritten: 0,
    shuffleReadRecords: 0,
    shuffleReadBytes: 0,
    shuffleWriteRecords: 0,
    shuffleWriteBytes: 0,
    spillBytes: 0,
    checkpointBytes: 0,
    cachedBytes: 0,
  };
}
