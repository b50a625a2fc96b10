// DAGScheduler: turns an action into stages cut at shuffle dependencies, runs
// missing parent stages first (concurrently when independent), and runs each
// stage's tasks with retries as retry-policy.ts decides: a fetch failure
// recomputes the lost map output only; a worker that dies fails only its task,
// which is retried. A cached partition is computed by one task at a time.

import { setMaxListeners } from 'node:events';
import type { Codec } from '../format/frames.js';
import { errors, KindlingError } from '../errors.js';
import type {
  ResultAction,
  StageOutput,
  StagePlan,
  TaskRequest,
  TaskResult,
  TaskSideOutputs,
} from '../protocol.js';
import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';
import type { MapOutputTracker } from '../shuffle/map-output-tracker.js';
import { rebuildError } from './rebuild-error.js';
import { directShuffleDeps, findInPipeline } from './lineage.js';
import { adaptiveChunkSize, runInLanes } from './task-lanes.js';
import { buildStagePlan, type CheckpointTargets, type TaskDescriber } from './plan-builder.js';
import { BlockClaims } from './block-claims.js';
import { decideOnFailure, MAX_FETCH_FAILURES, type FailedResult } from './retry-policy.js';
import type { ShuffleMapStage, Stage } from './stage.js';
import type { TaskRunner } from './task-runner.js';
import type { SchedulerListener } from './scheduler-listener.js';

export interface DAGSchedulerOptions {
  maxTaskFailures: number;
  localDir: string;
  shuffleCodec: Codec;
  shuffleSpillRecords: number;
  isFullyCached(rdd: RDD<unknown>): boolean;
  /** Side outputs of a successful task: accumulators, checkpoint parts, cached blocks. */
  onTaskSuccess(side: TaskSideOutputs): void;
  /** Blocks a failed or successful task found lost. */
  onLostBlocks(blockIds: string[]): void;
  /** A failed attempt may have left temp files (a worker killed mid-write). */
  onTaskAttemptFailed(request: TaskRequest, plan: StagePlan): void;
}

interface ActiveJob {
  id: number;
  abort: AbortController;
}

type Success = Extract<TaskResult, { kind: 'success' }>;

/** One attempt about to run: its request, its answer when already known, its block claims. */
interface Attempt {
  request: TaskRequest;
  result?: TaskResult;
  release: () => void;
}

export class DAGScheduler {
  private nextJobId = 0;
  private nextStageId = 0;
  private nextTaskId = 0;
  private nextPlanId = 0;
  private readonly shuffleStages = new Map<number, ShuffleMapStage>();
  private readonly runningShuffleStages = new Map<number, Promise<void>>();
  private readonly activeJobs = new Set<ActiveJob>();
  private readonly plans = new Map<string, StagePlan>();
  private readonly claims = new BlockClaims();

  constructor(
    private readonly runner: TaskRunner,
    private readonly mapOutputs: MapOutputTracker,
    private readonly describer: TaskDescriber,
    private readonly listener: SchedulerListener,
    private readonly opts: DAGSchedulerOptions,
  ) {}

  /** Runs `action` over `partitions` of `rdd`; the decoded per-partition values, in order. */
  async runJob(
    rdd: RDD<unknown>,
    action: ResultAction,
    partitions: number[],
    targets: CheckpointTargets,
  ): Promise<Uint8Array[]> {
    const job: ActiveJob = { id: this.nextJobId++, abort: new AbortController() };
    // Each task in flight listens for the job's abort; stages run concurrently.
    setMaxListeners(0, job.abort.signal);
    this.activeJobs.add(job);
    const started = performance.now();
    this.listener.onJobStart({ jobId: job.id, rddId: rdd.id, partitions: partitions.length });
    try {
      const stage: Stage = { kind: 'result', id: this.nextStageId++, rdd, action };
      await this.ensureParents(job, rdd, targets);
      const results = await this.runStage(job, stage, partitions, targets);
      this.listener.onJobEnd({
        jobId: job.id,
        succeeded: true,
        durationMs: performance.now() - started,
      });
      return results.map((r) => r.value ?? new Uint8Array(0));
    } catch (e) {
      job.abort.abort();
      this.listener.onJobEnd({
        jobId: job.id,
        succeeded: false,
        durationMs: performance.now() - started,
      });
      throw e;
    } finally {
      this.activeJobs.delete(job);
    }
  }

  /** The plan of a running stage, for the workers' control plane. */
  getPlan(planId: string): StagePlan {
    const plan = this.plans.get(planId);
    if (plan === undefined) throw errors.internal(`no running stage has plan ${planId}`);
    return plan;
  }

  /** How much state the scheduler holds (tests assert it all goes, Spark's assertDataStructuresEmpty). */
  stateSizes(): Record<
    'activeJobs' | 'runningShuffleStages' | 'plans' | 'shuffleStages' | 'blockClaims',
    number
  > {
    return {
      activeJobs: this.activeJobs.size,
      runningShuffleStages: this.runningShuffleStages.size,
      plans: this.plans.size,
      shuffleStages: this.shuffleStages.size,
      blockClaims: this.claims.size,
    };
  }

  cancelAllJobs(): void {
    for (const job of this.activeJobs) job.abort.abort(errors.jobCancelled(job.id));
  }

  /** A shuffle that no RDD references any more: forget its stage (its files go with the tracker). */
  forgetShuffle(shuffleId: number): void {
    this.shuffleStages.delete(shuffleId);
  }

  private getOrCreateShuffleMapStage(dep: ShuffleDependency): ShuffleMapStage {
    let stage = this.shuffleStages.get(dep.shuffleId);
    if (stage === undefined) {
      stage = { kind: 'shuffleMap', id: this.nextStageId++, rdd: dep.rdd, dep };
      this.shuffleStages.set(dep.shuffleId, stage);
      this.mapOutputs.registerShuffle(
        dep.shuffleId,
        dep.rdd.getNumPartitions(),
        this.opts.shuffleCodec,
      );
    }
    return stage;
  }

  private async ensureParents(
    job: ActiveJob,
    rdd: RDD<unknown>,
    targets: CheckpointTargets,
  ): Promise<void> {
    const deps = directShuffleDeps(rdd, (r) => this.opts.isFullyCached(r));
    await Promise.all(
      deps.map((dep) =>
        this.ensureShuffleStage(job, this.getOrCreateShuffleMapStage(dep), targets),
      ),
    );
  }

  /** Computes the stage's missing map outputs, once even when several jobs or stages need it. */
  private async ensureShuffleStage(
    job: ActiveJob,
    stage: ShuffleMapStage,
    targets: CheckpointTargets,
  ): Promise<void> {
    for (;;) {
      const running = this.runningShuffleStages.get(stage.id);
      // Another run may have started before an output it does not cover was lost: look again.
      if (running !== undefined) {
        await running;
        continue;
      }
      if (this.mapOutputs.missingMaps(stage.dep.shuffleId).length === 0) return;
      const run = (async () => {
        await this.ensureParents(job, stage.rdd, targets);
        const missing = this.mapOutputs.missingMaps(stage.dep.shuffleId);
        const results = await this.runStage(job, stage, missing, targets);
        for (const r of results)
          if (r.mapStatus !== undefined) this.mapOutputs.registerMapOutput(r.mapStatus);
      })();
      this.runningShuffleStages.set(stage.id, run);
      try {
        await run;
      } finally {
        this.runningShuffleStages.delete(stage.id);
      }
      return;
    }
  }

  private shuffleStage(shuffleId: number): ShuffleMapStage {
    const stage = this.shuffleStages.get(shuffleId);
    if (stage === undefined) throw errors.internal(`no map stage for shuffle ${shuffleId}`);
    return stage;
  }

  private stageOutput(stage: Stage): StageOutput {
    if (stage.kind === 'result') return { kind: 'result', action: stage.action };
    const dep = stage.dep;
    return {
      kind: 'shuffleMap',
      shuffleId: dep.shuffleId,
      partitioner: dep.partitioner.toPlan(),
      codec: this.opts.shuffleCodec,
      spillRecords: this.opts.shuffleSpillRecords,
      ...(dep.mapSideCombine && dep.aggregator !== undefined ? { combine: dep.aggregator } : {}),
    };
  }

  private async runStage(
    job: ActiveJob,
    stage: Stage,
    partitions: number[],
    targets: CheckpointTargets,
  ): Promise<Success[]> {
    const planId = `${process.pid}-${this.nextPlanId++}`;
    const output = this.stageOutput(stage);
    const plan = buildStagePlan(planId, stage.id, stage.rdd, output, targets, this.opts.localDir);
    this.plans.set(planId, plan);
    const started = performance.now();
    this.listener.onStageSubmitted({
      stageId: stage.id,
      kind: stage.kind,
      numTasks: partitions.length,
      rddId: stage.rdd.id,
    });
    try {
      const lanes = this.runner.workers * 2;
      let tasksDone = 0;
      let taskMs = 0;
      const results = await runInLanes(
        partitions,
        lanes,
        (remaining) =>
          adaptiveChunkSize(tasksDone < lanes ? undefined : taskMs / tasksDone, remaining, lanes),
        async (chunk) => {
          const out = await this.runChunk(job, stage, plan, chunk, targets);
          for (const r of out) {
            tasksDone++;
            taskMs += r.metrics.durationMs;
          }
          return out;
        },
      );
      this.listener.onStageCompleted({
        stageId: stage.id,
        kind: stage.kind,
        numTasks: partitions.length,
        durationMs: performance.now() - started,
      });
      return results;
    } catch (e) {
      job.abort.abort();
      throw e;
    } finally {
      this.plans.delete(planId);
    }
  }

  /**
   * Runs a chunk of partitions: one message for the first attempts, retries one by one. A
   * partition whose cached block another task is computing runs alone, once that one ends.
   */
  private async runChunk(
    job: ActiveJob,
    stage: Stage,
    plan: StagePlan,
    chunk: number[],
    targets: CheckpointTargets,
  ): Promise<Success[]> {
    if (chunk.length === 1)
      return [await this.runTask(job, stage, plan, chunk[0] as number, targets)];
    const batched: { partition: number; attempt: Attempt }[] = [];
    const alone = new Set<number>();
    for (const p of chunk) {
      const { request, computes } = this.newRequest(stage, plan, p, 0);
      if (this.claims.busy(computes).length > 0) alone.add(p);
      else
        batched.push({ partition: p, attempt: { request, release: this.claims.claim(computes) } });
    }
    const requests = batched.map((b) => b.attempt.request);
    const results = await this.runner.runBatch(requests, job.abort.signal).catch((e: unknown) => {
      if (job.abort.signal.aborted) {
        requests.forEach((r) => this.opts.onTaskAttemptFailed(r, plan));
        batched.forEach((b) => b.attempt.release());
      }
      this.throwIfAborted(job);
      return requests.map(() => workerDied(e));
    });
    const byPartition = new Map<number, Attempt>();
    batched.forEach((b, k) =>
      byPartition.set(b.partition, { ...b.attempt, result: results[k] ?? workerDied('no result') }),
    );
    return Promise.all(
      chunk.map((p) => this.runTask(job, stage, plan, p, targets, byPartition.get(p))),
    );
  }

  private newRequest(
    stage: Stage,
    plan: StagePlan,
    partitionIndex: number,
    attempt: number,
  ): { request: TaskRequest; computes: string[] } {
    const { desc, computes } = this.describer.describeTask(stage.rdd, partitionIndex);
    const request: TaskRequest = {
      kind: 'task',
      planId: plan.planId,
      stageId: stage.id,
      partitionIndex,
      taskId: this.nextTaskId++,
      attempt,
      desc,
    };
    return { request, computes };
  }

  /** A request whose cached blocks no other task is computing, claimed for this attempt. */
  private async claimedAttempt(
    job: ActiveJob,
    stage: Stage,
    plan: StagePlan,
    partitionIndex: number,
    attempt: number,
  ): Promise<Attempt> {
    for (;;) {
      this.throwIfAborted(job);
      const { request, computes } = this.newRequest(stage, plan, partitionIndex, attempt);
      const busy = this.claims.busy(computes);
      if (busy.length === 0) return { request, release: this.claims.claim(computes) };
      // Described again once they end: their blocks are cached by then (or lost again).
      await Promise.all(busy);
    }
  }

  private async runAttempt(
    job: ActiveJob,
    plan: StagePlan,
    request: TaskRequest,
  ): Promise<TaskResult> {
    return this.runner.run(request, job.abort.signal).catch((e: unknown) => {
      // Aborting a running task terminates its worker, which cannot remove its own temp files.
      if (job.abort.signal.aborted) this.opts.onTaskAttemptFailed(request, plan);
      this.throwIfAborted(job);
      return workerDied(e);
    });
  }

  private async runTask(
    job: ActiveJob,
    stage: Stage,
    plan: StagePlan,
    partitionIndex: number,
    targets: CheckpointTargets,
    firstAttempt?: Attempt,
  ): Promise<Success> {
    const fetchFailures = new Map<string, number>();
    let pending = firstAttempt;
    for (let attempt = 0; ;) {
      const current =
        pending ?? (await this.claimedAttempt(job, stage, plan, partitionIndex, attempt));
      pending = undefined;
      let result: FailedResult;
      try {
        const answer = current.result ?? (await this.runAttempt(job, plan, current.request));
        this.throwIfAborted(job);
        this.listener.onTaskEnd({
          stageId: stage.id,
          partitionIndex,
          attempt,
          successful: answer.kind === 'success',
        });
        if (answer.kind === 'success') {
          this.opts.onLostBlocks(answer.side.lostBlocks);
          this.opts.onTaskSuccess(answer.side);
          return answer;
        }
        result = answer;
      } finally {
        // Blocks this attempt cached are in the BlockManager by now: waiting tasks read them.
        current.release();
      }
      if (result.kind === 'failure') {
        this.opts.onLostBlocks(result.side.lostBlocks);
        this.opts.onTaskAttemptFailed(current.request, plan);
      }
      const rddId = result.kind === 'failure' ? result.rddId : undefined;
      const decision = decideOnFailure(result);
      switch (decision.kind) {
        case 'recomputeMapOutput': {
          const key = `${decision.shuffleId}/${decision.mapIndex}`;
          const failures = (fetchFailures.get(key) ?? 0) + 1;
          fetchFailures.set(key, failures);
          if (failures > MAX_FETCH_FAILURES)
            throw this.taskError(stage, partitionIndex, attempt, result.error);
          const { shuffleId, mapIndex, path } = decision;
          this.mapOutputs.unregisterMapOutput(shuffleId, mapIndex, path);
          await this.ensureShuffleStage(job, this.shuffleStage(shuffleId), targets);
          break;
        }
        case 'failJob':
          if (decision.report === 'asIs') throw rebuildError(result.error);
          throw this.taskError(stage, partitionIndex, attempt + 1, result.error, rddId);
        case 'retry':
          attempt++;
          if (attempt >= this.opts.maxTaskFailures)
            throw this.taskError(stage, partitionIndex, attempt, result.error, rddId);
      }
    }
  }

  private taskError(
    stage: Stage,
    partitionIndex: number,
    attempts: number,
    error: FailedResult['error'],
    rddId?: number,
  ): KindlingError {
    const rdd = (rddId === undefined ? undefined : findInPipeline(stage.rdd, rddId)) ?? stage.rdd;
    return errors.taskFailed(
      rdd.id,
      rdd.name,
      partitionIndex,
      stage.id,
      attempts,
      rebuildError(error),
    );
  }

  private throwIfAborted(job: ActiveJob): void {
    if (!job.abort.signal.aborted) return;
    const reason: unknown = job.abort.signal.reason;
    throw reason instanceof KindlingError ? reason : errors.jobCancelled(job.id);
  }
}

function workerDied(e: unknown): TaskResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    kind: 'failure',
    error: { name: 'WorkerExited', message: `the worker thread died: ${message}` },
    side: { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] },
  };
}
