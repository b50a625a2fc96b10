// TaskSetManager: runs the tasks of one stage attempt (Spark's TaskSetManager). First
// attempts travel several per message; each task is retried as retry-policy.ts decides, a
// fetch failure waits for the lost map output to be recomputed, and a task that would
// compute a cached partition another task is computing waits for that one's block.

import { errors, KindlingError } from '../shared/errors.js';
import type { StagePlan, TaskRequest, TaskResult, TaskSideOutputs } from '../shared/protocol.js';
import type { BlockClaims } from './block-claims.js';
import { findInPipeline } from './lineage.js';
import type { TaskDescriber } from './plan-builder.js';
import { rebuildError } from './rebuild-error.js';
import { mapStackFrames } from '../shipping/source-maps.js';
import {
  decideOnFailure,
  MAX_FETCH_FAILURES,
  MAX_OUT_OF_MEMORY,
  type FailedResult,
  type LostMapOutput,
} from './retry-policy.js';
import { addTaskToTotals, type MetricsTotals } from './metrics-totals.js';
import type { SchedulerListener, TaskFailure } from './scheduler-listener.js';
import type { Stage } from './stage.js';
import type { TaskRunner } from './task-runner.js';

export interface ActiveJob {
  id: number;
  abort: AbortController;
  /**
   * Every runner call of the job not yet settled. A failed job waits for them after its abort,
   * so nothing a task does (an output upload staged after the thread ended) outlives the
   * job's rejection and the caller's cleanup.
   */
  running: Set<Promise<unknown>>;
  /** Spark's job group (ctx.setJobGroup where the action was called), for cancelJobGroup. */
  group?: string;
  /** Every task attempt of the job (JobEndEvent.metrics), and per stage run. */
  totals: MetricsTotals;
  stageTotals: Map<number, MetricsTotals>;
}

export type Success = Extract<TaskResult, { kind: 'success' }>;

/** How tasks end, as the context wants to hear it; part of DAGSchedulerOptions. */
export interface TaskHooks {
  maxTaskFailures: number;
  /** Side outputs of a successful task: accumulators, checkpoint parts, cached blocks. */
  onTaskSuccess(side: TaskSideOutputs): void;
  /** Blocks a failed or successful task found lost. */
  onLostBlocks(blockIds: string[]): void;
  /** A failed attempt may have left temp files (a worker killed mid-write). */
  onTaskAttemptFailed(request: TaskRequest, plan: StagePlan): void;
}

/** What the tasks of every stage share: the DAGScheduler's runner, describer and hooks. */
export interface TaskSetEnv {
  runner: TaskRunner;
  describer: TaskDescriber;
  claims: BlockClaims;
  listener: SchedulerListener;
  opts: TaskHooks;
  newTaskId(): number;
  /** Unregisters a map output a reader failed on and recomputes it. */
  recomputeMapOutput(lost: LostMapOutput): Promise<void>;
}

/** One attempt about to run: its request, its answer when already known, its block claims. */
interface Attempt {
  request: TaskRequest;
  result?: TaskResult;
  release: () => void;
}

export class TaskSetManager {
  constructor(
    private readonly env: TaskSetEnv,
    private readonly job: ActiveJob,
    private readonly stage: Stage,
    private readonly plan: StagePlan,
  ) {}

  /**
   * Runs a chunk of partitions: one message for the first attempts, retries one by one. A
   * partition whose cached block another task is computing runs alone, once that one ends.
   */
  async runChunk(chunk: number[]): Promise<Success[]> {
    if (chunk.length === 1) return [await this.runTask(chunk[0] as number)];
    const batched: { partition: number; attempt: Attempt }[] = [];
    for (const p of chunk) {
      const { request, computes } = this.newRequest(p, 0);
      if (this.env.claims.busy(computes).length > 0) continue; // runs alone, below
      const release = this.env.claims.claim(computes);
      batched.push({ partition: p, attempt: { request, release } });
    }
    const requests = batched.map((b) => b.attempt.request);
    const results = await this.tracked(
      this.env.runner.runBatch(requests, this.job.abort.signal),
    ).catch((e: unknown) => {
      if (this.job.abort.signal.aborted) {
        requests.forEach((r) => this.env.opts.onTaskAttemptFailed(r, this.plan));
        batched.forEach((b) => b.attempt.release());
      }
      this.throwIfAborted();
      return requests.map(() => workerDied(e));
    });
    const byPartition = new Map<number, Attempt>();
    batched.forEach((b, k) =>
      byPartition.set(b.partition, { ...b.attempt, result: results[k] ?? workerDied('no result') }),
    );
    return Promise.all(chunk.map((p) => this.runTask(p, byPartition.get(p))));
  }

  private newRequest(
    partitionIndex: number,
    attempt: number,
  ): { request: TaskRequest; computes: string[] } {
    const { desc, computes } = this.env.describer.describeTask(this.stage.rdd, partitionIndex);
    const request: TaskRequest = {
      kind: 'task',
      planId: this.plan.planId,
      stageId: this.stage.id,
      partitionIndex,
      taskId: this.env.newTaskId(),
      attempt,
      desc,
    };
    return { request, computes };
  }

  /** A request whose cached blocks no other task is computing, claimed for this attempt. */
  private async claimedAttempt(partitionIndex: number, attempt: number): Promise<Attempt> {
    for (;;) {
      this.throwIfAborted();
      const { request, computes } = this.newRequest(partitionIndex, attempt);
      const busy = this.env.claims.busy(computes);
      if (busy.length === 0) return { request, release: this.env.claims.claim(computes) };
      // Described again once they end: their blocks are cached by then (or lost again).
      await Promise.all(busy);
    }
  }

  private async runAttempt(request: TaskRequest): Promise<TaskResult> {
    return this.tracked(this.env.runner.run(request, this.job.abort.signal)).catch((e: unknown) => {
      // Aborting a running task terminates its worker, which cannot remove its own temp files.
      if (this.job.abort.signal.aborted) this.env.opts.onTaskAttemptFailed(request, this.plan);
      this.throwIfAborted();
      return workerDied(e);
    });
  }

  /** `call`, counted in the job's running calls until it settles. */
  private tracked<T>(call: Promise<T>): Promise<T> {
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    this.job.running.add(settled);
    void settled.then(() => this.job.running.delete(settled));
    return call;
  }

  private async runTask(partitionIndex: number, firstAttempt?: Attempt): Promise<Success> {
    const fetchFailures = new Map<string, number>();
    let outOfMemory = 0;
    let pending = firstAttempt;
    for (let attempt = 0; ;) {
      const current = pending ?? (await this.claimedAttempt(partitionIndex, attempt));
      pending = undefined;
      let result: FailedResult;
      try {
        const answer = current.result ?? (await this.runAttempt(current.request));
        this.throwIfAborted();
        this.reportTaskEnd(current.request, answer);
        if (answer.kind === 'success') {
          this.env.opts.onLostBlocks(answer.side.lostBlocks);
          this.env.opts.onTaskSuccess(answer.side);
          return answer;
        }
        result = answer;
      } finally {
        // Blocks this attempt cached are in the BlockManager by now: waiting tasks read them.
        current.release();
      }
      if (result.kind === 'failure') {
        this.env.opts.onLostBlocks(result.side.lostBlocks);
        this.env.opts.onTaskAttemptFailed(current.request, this.plan);
      }
      const rddId = result.kind === 'failure' ? result.rddId : undefined;
      const decision = decideOnFailure(result);
      switch (decision.kind) {
        case 'recomputeMapOutput': {
          const key = `${decision.shuffleId}/${decision.mapIndex}`;
          const failures = (fetchFailures.get(key) ?? 0) + 1;
          fetchFailures.set(key, failures);
          if (failures > MAX_FETCH_FAILURES)
            throw this.taskError(partitionIndex, attempt, result.error);
          await this.env.recomputeMapOutput(decision);
          break;
        }
        case 'failJob':
          if (decision.report === 'asIs') throw rebuildError(result.error);
          throw this.taskError(partitionIndex, attempt + 1, result.error, rddId, decision.report);
        case 'retry':
          attempt++;
          if (decision.reason === 'outOfMemory') outOfMemory++;
          if (attempt >= this.env.opts.maxTaskFailures || outOfMemory >= MAX_OUT_OF_MEMORY)
            throw this.taskError(partitionIndex, attempt, result.error, rddId);
      }
    }
  }

  private reportTaskEnd(request: TaskRequest, result: TaskResult): void {
    const successful = result.kind === 'success';
    const metrics = result.metrics;
    addTaskToTotals(this.job.totals, metrics, successful);
    const stageTotals = this.job.stageTotals.get(this.stage.id);
    if (stageTotals !== undefined) addTaskToTotals(stageTotals, metrics, successful);
    this.env.listener.onTaskEnd({
      stageId: this.stage.id,
      partitionIndex: request.partitionIndex,
      attempt: request.attempt,
      successful,
      jobId: this.job.id,
      taskId: request.taskId,
      ...(metrics === undefined ? {} : { metrics }),
      ...(result.kind === 'success' ? {} : { failure: taskFailureOf(result) }),
    });
  }

  /** TASK_FAILED naming the RDD, partition and stage attempt; `inTask`: with the error's own code. */
  private taskError(
    partitionIndex: number,
    attempts: number,
    error: FailedResult['error'],
    rddId?: number,
    report: 'taskFailed' | 'inTask' = 'taskFailed',
  ): KindlingError {
    const rdd =
      (rddId === undefined ? undefined : findInPipeline(this.stage.rdd, rddId)) ?? this.stage.rdd;
    const cause = rebuildError(error);
    const where = [rdd.id, rdd.name, partitionIndex, this.stage.id, attempts] as const;
    if (report === 'inTask' && cause instanceof KindlingError)
      return errors.inTask(cause, ...where);
    return errors.taskFailed(...where, cause);
  }

  private throwIfAborted(): void {
    if (!this.job.abort.signal.aborted) return;
    const reason: unknown = this.job.abort.signal.reason;
    throw reason instanceof KindlingError ? reason : errors.jobCancelled(this.job.id, 'an abort');
  }
}

const WORKER_EXITED = 'WorkerExited';

function workerDied(e: unknown): TaskResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    kind: 'failure',
    error: { name: WORKER_EXITED, message: `the worker thread died: ${message}` },
    side: { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] },
  };
}

/** A failed attempt as listener events carry it. */
function taskFailureOf(result: FailedResult): TaskFailure {
  const e = result.error;
  if (result.kind === 'fetchFailed') {
    return {
      kind: 'fetchFailed',
      shuffleId: result.shuffleId,
      mapIndex: result.mapIndex,
      message: e.message,
    };
  }
  if (e.name === WORKER_EXITED) return { kind: 'workerDied', message: e.message };
  const code = e.kindling?.code ?? e.code;
  return {
    kind: 'exception',
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: mapStackFrames(e.stack) }),
    ...(code === undefined ? {} : { code }),
  };
}
