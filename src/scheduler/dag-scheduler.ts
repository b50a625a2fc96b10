// DAGScheduler: turns an action into stages cut at shuffle dependencies, runs
// missing parent stages first (concurrently when independent), and runs each
// stage's tasks with retries. A fetch failure recomputes the lost map output;
// a worker that dies fails only its task, which is retried.

import { setMaxListeners } from 'node:events';
import type { Codec } from '../format/frames.js';
import { errors, KindlingError } from '../errors.js';
import type {
  ResultAction,
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
  /** Spark's job group (ctx.setJobGroup where the action was called), for cancelJobGroup. */
  group?: string;
}

type Success = Extract<TaskResult, { kind: 'success' }>;

/** Fetch failures tolerated per task before the job fails (Spark: 4 stage attempts). */
const MAX_FETCH_FAILURES = 4;

export class DAGScheduler {
  private nextJobId = 0;
  private nextStageId = 0;
  private nextTaskId = 0;
  private nextPlanId = 0;
  private readonly shuffleStages = new Map<number, ShuffleMapStage>();
  private readonly runningShuffleStages = new Map<number, Promise<void>>();
  private readonly activeJobs = new Set<ActiveJob>();
  readonly plans = new Map<string, StagePlan>();

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
    group?: string,
  ): Promise<Uint8Array[]> {
    const job: ActiveJob = {
      id: this.nextJobId++,
      abort: new AbortController(),
      ...(group === undefined ? {} : { group }),
    };
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

  cancelAllJobs(): void {
    for (const job of this.activeJobs) job.abort.abort(errors.jobCancelled(job.id));
  }

  /** Spark's cancelJobGroup: the running jobs of that group reject with JOB_CANCELLED. */
  cancelJobGroup(group: string): void {
    for (const job of this.activeJobs)
      if (job.group === group) job.abort.abort(errors.jobCancelled(job.id));
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
    const running = this.runningShuffleStages.get(stage.id);
    if (running !== undefined) return running;
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
  }

  private async runStage(
    job: ActiveJob,
    stage: Stage,
    partitions: number[],
    targets: CheckpointTargets,
  ): Promise<Success[]> {
    const planId = `${process.pid}-${this.nextPlanId++}`;
    const dep = stage.kind === 'shuffleMap' ? stage.dep : undefined;
    const output =
      dep === undefined
        ? { kind: 'result' as const, action: (stage as Extract<Stage, { kind: 'result' }>).action }
        : {
            kind: 'shuffleMap' as const,
            shuffleId: dep.shuffleId,
            partitioner: dep.partitioner.toPlan(),
            codec: this.opts.shuffleCodec,
            spillRecords: this.opts.shuffleSpillRecords,
            ...(dep.mapSideCombine && dep.aggregator !== undefined
              ? { combine: dep.aggregator }
              : {}),
          };
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

  /** Runs a chunk of partitions: one message for the first attempts, retries one by one. */
  private async runChunk(
    job: ActiveJob,
    stage: Stage,
    plan: StagePlan,
    chunk: number[],
    targets: CheckpointTargets,
  ): Promise<Success[]> {
    if (chunk.length === 1)
      return [await this.runTask(job, stage, plan, chunk[0] as number, targets)];
    const requests = chunk.map((p) => this.newRequest(stage, plan, p, 0));
    const results = await this.runner.runBatch(requests, job.abort.signal).catch((e: unknown) => {
      if (job.abort.signal.aborted) requests.forEach((r) => this.opts.onTaskAttemptFailed(r, plan));
      this.throwIfAborted(job);
      return requests.map(() => workerDied(e));
    });
    return Promise.all(
      chunk.map((p, k) =>
        this.runTask(job, stage, plan, p, targets, {
          request: requests[k] as TaskRequest,
          result: results[k] ?? workerDied('no result'),
        }),
      ),
    );
  }

  private newRequest(
    stage: Stage,
    plan: StagePlan,
    partitionIndex: number,
    attempt: number,
  ): TaskRequest {
    return {
      kind: 'task',
      planId: plan.planId,
      stageId: stage.id,
      partitionIndex,
      taskId: this.nextTaskId++,
      attempt,
      desc: this.describer.describe(stage.rdd, partitionIndex),
    };
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
    firstAttempt?: { request: TaskRequest; result: TaskResult },
  ): Promise<Success> {
    let fetchFailures = 0;
    let done = firstAttempt;
    for (let attempt = 0; ;) {
      this.throwIfAborted(job);
      const request = done?.request ?? this.newRequest(stage, plan, partitionIndex, attempt);
      const result = done?.result ?? (await this.runAttempt(job, plan, request));
      done = undefined;
      this.throwIfAborted(job);
      this.listener.onTaskEnd({
        stageId: stage.id,
        partitionIndex,
        attempt,
        successful: result.kind === 'success',
      });
      if (result.kind === 'success') {
        this.opts.onLostBlocks(result.side.lostBlocks);
        this.opts.onTaskSuccess(result.side);
        return result;
      }
      if (result.kind === 'fetchFailed') {
        if (++fetchFailures > MAX_FETCH_FAILURES)
          throw this.taskError(stage, partitionIndex, attempt, result.error);
        this.mapOutputs.unregisterMapOutput(result.shuffleId, result.mapIndex);
        const parent = this.shuffleStages.get(result.shuffleId);
        if (parent !== undefined) await this.ensureShuffleStage(job, parent, targets);
        continue;
      }
      this.opts.onLostBlocks(result.side.lostBlocks);
      this.opts.onTaskAttemptFailed(request, plan);
      const code = result.error.kindling?.code;
      // A damaged checkpoint will not heal by retrying: fail with its own error at once.
      if (
        code === 'CHECKPOINT_CORRUPT' ||
        code === 'CHECKPOINT_NOT_FOUND' ||
        code === 'RESULT_NOT_CLONEABLE'
      ) {
        throw rebuildError(result.error);
      }
      attempt++;
      // Records the engine itself refused (a non-pair into reduceByKey, an object as a key)
      // will be refused again: report it now, still naming the RDD and partition.
      if (attempt >= this.opts.maxTaskFailures || code === 'INVALID_ARGUMENT') {
        throw this.taskError(stage, partitionIndex, attempt, result.error, result.rddId);
      }
    }
  }

  private taskError(
    stage: Stage,
    partitionIndex: number,
    attempts: number,
    error: Extract<TaskResult, { kind: 'failure' }>['error'],
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
