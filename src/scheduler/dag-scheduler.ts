// DAGScheduler: turns an action into stages cut at shuffle dependencies, runs
// missing parent stages first (concurrently when independent), and runs each
// stage's tasks with retries as retry-policy.ts decides: a fetch failure
// recomputes the lost map output only; a worker that dies fails only its task,
// which is retried. A cached partition is computed by one task at a time.

import { setMaxListeners } from 'node:events';
import type { Codec } from '../shared/format/frames.js';
import { errors, KindlingError } from '../shared/errors.js';
import type { ResultAction, StageOutput, StagePlan, TaskMemory } from '../shared/protocol.js';
import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';
import type { MapOutputTracker } from '../shuffle/map-output-tracker.js';
import { directShuffleDeps } from './lineage.js';
import { adaptiveChunkSize, runInLanes } from './task-lanes.js';
import { buildStagePlan, type CheckpointTargets, type TaskDescriber } from './plan-builder.js';
import { BlockClaims } from './block-claims.js';
import type { LostMapOutput } from './retry-policy.js';
import {
  TaskSetManager,
  type ActiveJob,
  type Success,
  type TaskHooks,
  type TaskSetEnv,
} from './task-set.js';
import type { ShuffleMapStage, Stage } from './stage.js';
import type { TaskRunner } from './task-runner.js';
import type { SchedulerListener } from './scheduler-listener.js';
import { emptyTotals } from './metrics-totals.js';
import { pipelineRddInfos } from './stage-info.js';

export interface DAGSchedulerOptions extends TaskHooks {
  localDir: string;
  shuffleCodec: Codec;
  /** ShuffleMapOutput.rawFirstBytes. */
  shuffleRawFirstBytes: number;
  shuffleSpillRecords: number;
  /** The memory budget every StagePlan carries (absent: workers derive it from their heap). */
  taskMemory?: TaskMemory;
  isFullyCached(rdd: RDD<unknown>): boolean;
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
    group?: string,
  ): Promise<Uint8Array[]> {
    const job: ActiveJob = {
      id: this.nextJobId++,
      abort: new AbortController(),
      running: new Set(),
      totals: emptyTotals(),
      stageTotals: new Map(),
      ...(group === undefined ? {} : { group }),
    };
    // Each task in flight listens for the job's abort; stages run concurrently.
    setMaxListeners(0, job.abort.signal);
    this.activeJobs.add(job);
    const started = performance.now();
    this.listener.onJobStart({
      jobId: job.id,
      rddId: rdd.id,
      partitions: partitions.length,
      time: Date.now(),
      action: action.kind,
      ...(rdd.name === undefined ? {} : { rddName: rdd.name }),
    });
    try {
      const stage: Stage = { kind: 'result', id: this.nextStageId++, rdd, action };
      await this.ensureParents(job, rdd, targets);
      const results = await this.runStage(job, stage, partitions, targets);
      this.listener.onJobEnd({
        jobId: job.id,
        succeeded: true,
        durationMs: performance.now() - started,
        time: Date.now(),
        metrics: job.totals,
      });
      return results.map((r) => r.value ?? new Uint8Array(0));
    } catch (e) {
      job.abort.abort();
      // Aborted tasks end at once (their threads are terminated); a task staging its outputs
      // ends its uploads. Calls can still start while this waits; each sees the abort.
      while (job.running.size > 0) await Promise.all(job.running);
      this.listener.onJobEnd({
        jobId: job.id,
        succeeded: false,
        durationMs: performance.now() - started,
        time: Date.now(),
        metrics: job.totals,
        failure: failureOf(e),
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

  /** The running jobs reject with `reason(jobId)` (JOB_CANCELLED, naming what cancelled them). */
  cancelAllJobs(
    reason: (jobId: number) => KindlingError = (id) => errors.jobCancelled(id, 'cancelAllJobs()'),
  ): void {
    for (const job of this.activeJobs) job.abort.abort(reason(job.id));
  }

  /** Spark's cancelJobGroup: the running jobs of that group reject with JOB_CANCELLED. */
  cancelJobGroup(group: string): void {
    const by = `cancelJobGroup(${JSON.stringify(group)})`;
    for (const job of this.activeJobs)
      if (job.group === group) job.abort.abort(errors.jobCancelled(job.id, by));
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
      rawFirstBytes: this.opts.shuffleRawFirstBytes,
      spillRecords: this.opts.shuffleSpillRecords,
      ...(dep.mapSideCombine && dep.aggregator !== undefined ? { combine: dep.aggregator } : {}),
      ...(dep.recordsAreKeys ? { recordsAreKeys: true as const } : {}),
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
    if (this.opts.taskMemory !== undefined) plan.memory = this.opts.taskMemory;
    this.plans.set(planId, plan);
    const started = performance.now();
    const stageTotals = emptyTotals();
    job.stageTotals.set(stage.id, stageTotals);
    this.listener.onStageSubmitted({
      stageId: stage.id,
      kind: stage.kind,
      numTasks: partitions.length,
      rddId: stage.rdd.id,
      jobId: job.id,
      time: Date.now(),
      parentStageIds: directShuffleDeps(stage.rdd, (r) => this.opts.isFullyCached(r)).flatMap(
        (d) => {
          const parent = this.shuffleStages.get(d.shuffleId);
          return parent === undefined ? [] : [parent.id];
        },
      ),
      rdds: pipelineRddInfos(stage.rdd),
      ...(stage.kind === 'shuffleMap' ? { shuffleId: stage.dep.shuffleId } : {}),
    });
    const tasks = new TaskSetManager(this.taskSetEnv(job, targets), job, stage, plan);
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
          const out = await tasks.runChunk(chunk);
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
        jobId: job.id,
        time: Date.now(),
        metrics: stageTotals,
      });
      return results;
    } catch (e) {
      job.abort.abort();
      this.listener.onStageCompleted({
        stageId: stage.id,
        kind: stage.kind,
        numTasks: partitions.length,
        durationMs: performance.now() - started,
        jobId: job.id,
        time: Date.now(),
        metrics: stageTotals,
        failureReason: failureOf(e).message,
      });
      throw e;
    } finally {
      job.stageTotals.delete(stage.id);
      this.plans.delete(planId);
    }
  }

  private taskSetEnv(job: ActiveJob, targets: CheckpointTargets): TaskSetEnv {
    return {
      runner: this.runner,
      describer: this.describer,
      claims: this.claims,
      listener: this.listener,
      opts: this.opts,
      newTaskId: () => this.nextTaskId++,
      recomputeMapOutput: (lost) => this.recomputeMapOutput(job, targets, lost),
    };
  }

  /** Makes a map output a reader failed on available again: that output only. */
  private async recomputeMapOutput(
    job: ActiveJob,
    targets: CheckpointTargets,
    lost: LostMapOutput,
  ): Promise<void> {
    this.mapOutputs.unregisterMapOutput(lost.shuffleId, lost.mapIndex, lost.path);
    await this.ensureShuffleStage(job, this.shuffleStage(lost.shuffleId), targets);
  }
}

function failureOf(e: unknown): { code?: string; message: string } {
  if (e instanceof KindlingError) return { code: e.code, message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}
