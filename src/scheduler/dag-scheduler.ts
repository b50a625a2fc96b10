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
import { buildStagePlan, type CheckpointTargets, type TaskDescriber } from './plan-builder.js';
import type { ShuffleMapStage, Stage } from './stage.js';
import type { TaskRunner } from './task-runner.js';
import type { SchedulerListener } from './scheduler-listener.js';

export interface DAGSchedulerOptions {
  maxTaskFailures: number;
  localDir: string;
  shuffleCodec: Codec;
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
  ): Promise<Extract<TaskResult, { kind: 'success' }>[]> {
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
      const results = await mapWithLimit(partitions, this.runner.workers * 2, (p) =>
        this.runTask(job, stage, plan, p, targets),
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

  private async runTask(
    job: ActiveJob,
    stage: Stage,
    plan: StagePlan,
    partitionIndex: number,
    targets: CheckpointTargets,
  ): Promise<Extract<TaskResult, { kind: 'success' }>> {
    let fetchFailures = 0;
    for (let attempt = 0; ;) {
      this.throwIfAborted(job);
      const request: TaskRequest = {
        kind: 'task',
        planId: plan.planId,
        stageId: stage.id,
        partitionIndex,
        taskId: this.nextTaskId++,
        attempt,
        desc: this.describer.describe(stage.rdd, partitionIndex),
      };
      const result = await this.runner.run(request, job.abort.signal).catch((e: unknown) => {
        // Aborting a running task terminates its worker, which cannot remove its own temp files.
        if (job.abort.signal.aborted) this.opts.onTaskAttemptFailed(request, plan);
        this.throwIfAborted(job);
        return workerDied(e);
      });
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
      if (attempt >= this.opts.maxTaskFailures) {
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

/**
 * Runs `fn` over `items` with at most `limit` in flight, results in input order.
 * Tasks are handed to the pool a few at a time: a 10,000-task stage must not
 * queue 10,000 requests (and abort listeners) at once. Stops at the first error.
 */
async function mapWithLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function workerDied(e: unknown): TaskResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    kind: 'failure',
    error: { name: 'WorkerExited', message: `the worker thread died: ${message}` },
    side: { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] },
  };
}
