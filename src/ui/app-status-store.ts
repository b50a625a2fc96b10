// AppStatusStore (Spark's AppStatusListener + AppStatusStore): the state every UI page and the
// JSON API read, built by replaying LoggedEvents one at a time. The live UI feeds it from the
// Context as events happen; the history UI feeds it the lines of an event log: one code path.

import type { ExecutorAddedEvent } from '../cluster/bullmq-runner.js';
import type { LoggedEvent, StreamingBatchEvent } from '../event-log/event-log-format.js';
import type { TaskMetrics } from '../shared/protocol.js';
import { addTaskToTotals, emptyTotals, type MetricsTotals } from '../scheduler/metrics-totals.js';
import type {
  RddInfo,
  StageSubmittedEvent,
  TaskEndEvent,
  TaskFailure,
} from '../scheduler/scheduler-listener.js';
import type { CheckpointWrittenEvent } from '../checkpoint/checkpoint-manager.js';

/** A `kindling worker` process the driver saw (cluster mode). */
export interface ExecutorData extends ExecutorAddedEvent {
  addedTime: number;
  removedTime?: number;
}

export const MAX_BATCHES = 1000;

export interface AppInfo {
  applicationId: string;
  appName: string;
  kindlingVersion: string;
  nodeVersion: string;
  formatVersion: number;
  startTime: number;
  endTime?: number;
  options: Record<string, unknown>;
}

export interface JobData {
  jobId: number;
  /** `unfinished`: the replayed log ended (truncated) before the job did; never `running` then. */
  status: 'running' | 'succeeded' | 'failed' | 'unfinished';
  action: string;
  rddId: number;
  rddName?: string;
  partitions: number;
  submissionTime: number;
  completionTime?: number;
  durationMs?: number;
  stageIds: number[];
  metrics: MetricsTotals;
  failure?: { code?: string; message: string };
}

export interface TaskData {
  taskId: number;
  stageId: number;
  partitionIndex: number;
  attempt: number;
  successful: boolean;
  metrics?: TaskMetrics;
  failure?: TaskFailure;
}

export interface StageData {
  stageId: number;
  jobId: number;
  kind: 'result' | 'shuffleMap';
  /** `unfinished`: as a job's, the replayed log ended before the stage did. */
  status: 'active' | 'complete' | 'failed' | 'unfinished';
  /** Times this stage was submitted (again after lost map outputs or in a later job). */
  submissions: number;
  numTasks: number;
  submissionTime: number;
  completionTime?: number;
  durationMs?: number;
  parentStageIds: number[];
  rdds: RddInfo[];
  shuffleId?: number;
  metrics: MetricsTotals;
  failureReason?: string;
  tasks: TaskData[];
}

export interface WorkerData {
  threadId: number;
  /** Cluster mode: the worker process; threads of two processes are two workers. */
  executor?: string;
  tasks: number;
  failedTasks: number;
  taskTimeMs: number;
  gcTimeMs: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
}

export interface CachedRddData {
  rddId: number;
  name?: string;
  storageLevel: string;
  numPartitions?: number;
  /** partitionIndex -> where and how big, as written. */
  blocks: Map<number, { where: 'memory' | 'disk'; bytes: number; records: number }>;
}

export interface CheckpointData extends CheckpointWrittenEvent {
  time: number;
  name?: string;
}

export class AppStatusStore {
  app: AppInfo | undefined;
  readonly jobs = new Map<number, JobData>();
  readonly stages = new Map<number, StageData>();
  readonly workers = new Map<string, WorkerData>();
  readonly storage = new Map<number, CachedRddData>();
  readonly checkpoints: CheckpointData[] = [];
  readonly warnings: { time: number; message: string; path?: string }[] = [];
  /** Cluster mode: worker processes by name, with when they joined and left. */
  readonly executors = new Map<string, ExecutorData>();
  /** Completed streaming batches, oldest first (the last MAX_BATCHES). */
  readonly batches: StreamingBatchEvent[] = [];
  /** Every completed batch, those no longer kept too (Spark's totalCompletedBatches). */
  readonly streamingTotals = { completedBatches: 0, processedRecords: 0 };
  /** Names of RDDs seen in stage pipelines, for storage and checkpoint rows. */
  private readonly rddNames = new Map<number, RddInfo>();
  /** Bumped on every event: lets pollers skip unchanged state. */
  version = 0;
  /** The latest event's time. */
  private lastEventTime: number | undefined;
  /** Set by markLogEnded: where a truncated log stops, so whatever is open stops there. */
  logEndTime: number | undefined;

  get isRunning(): boolean {
    return (
      this.app !== undefined && this.app.endTime === undefined && this.logEndTime === undefined
    );
  }

  /**
   * The time what has not ended is measured to: now while the application may still run, the
   * last event's time once its log has ended without it (a running job's duration would
   * otherwise grow for as long as the page is looked at).
   */
  openUntil(): number {
    return this.logEndTime ?? Date.now();
  }

  /**
   * The replayed log ends here but the application did not end in it (a truncated log): a job
   * or stage still open never ended as far as anyone can know, so it is `unfinished`, not
   * running. (Spark's history server, reading an incomplete log, shows such jobs as running.)
   */
  markLogEnded(): void {
    this.version++;
    this.logEndTime = this.lastEventTime ?? this.app?.startTime ?? 0;
    for (const job of this.jobs.values()) if (job.status === 'running') job.status = 'unfinished';
    for (const stage of this.stages.values())
      if (stage.status === 'active') stage.status = 'unfinished';
  }

  handle(line: LoggedEvent): void {
    this.version++;
    this.lastEventTime = Math.max(this.lastEventTime ?? line.time, line.time);
    switch (line.event) {
      case 'applicationStart':
        this.app = { ...line.data };
        return;
      case 'applicationEnd':
        if (this.app !== undefined) this.app.endTime = line.data.endTime;
        return;
      case 'jobStart': {
        const d = line.data;
        const job: JobData = {
          jobId: d.jobId,
          status: 'running',
          action: d.action,
          rddId: d.rddId,
          partitions: d.partitions,
          submissionTime: d.time,
          stageIds: [],
          metrics: emptyTotals(),
        };
        if (d.rddName !== undefined) job.rddName = d.rddName;
        this.jobs.set(d.jobId, job);
        return;
      }
      case 'jobEnd': {
        const job = this.jobs.get(line.data.jobId);
        if (job === undefined) return;
        job.status = line.data.succeeded ? 'succeeded' : 'failed';
        job.completionTime = line.data.time;
        job.durationMs = line.data.durationMs;
        job.metrics = line.data.metrics;
        if (line.data.failure !== undefined) job.failure = line.data.failure;
        return;
      }
      case 'stageSubmitted':
        return this.handleStageSubmitted(line.data);
      case 'stageCompleted': {
        const d = line.data;
        const stage = this.stages.get(d.stageId);
        if (stage === undefined) return;
        stage.status = d.failureReason === undefined ? 'complete' : 'failed';
        stage.completionTime = d.time;
        stage.durationMs = d.durationMs;
        stage.metrics = d.metrics;
        if (d.failureReason !== undefined) stage.failureReason = d.failureReason;
        return;
      }
      case 'taskEnd':
        return this.handleTaskEnd(line.data);
      case 'executorAdded':
        this.executors.set(line.data.name, { ...line.data, addedTime: line.time });
        return;
      case 'executorRemoved': {
        const executor = this.executors.get(line.data.name);
        if (executor !== undefined) executor.removedTime = line.time;
        return;
      }
      case 'blockUpdated': {
        const d = line.data;
        let rdd = this.storage.get(d.rddId);
        if (rdd === undefined) {
          rdd = { rddId: d.rddId, storageLevel: d.storageLevel, blocks: new Map() };
          const info = this.rddNames.get(d.rddId);
          if (info?.name !== undefined) rdd.name = info.name;
          if (info !== undefined) rdd.numPartitions = info.numPartitions;
          this.storage.set(d.rddId, rdd);
        }
        rdd.blocks.set(d.partitionIndex, { where: d.where, bytes: d.bytes, records: d.records });
        return;
      }
      case 'unpersistRDD':
        this.storage.delete(line.data.rddId);
        return;
      case 'checkpointWritten': {
        const cp: CheckpointData = { ...line.data, time: line.time };
        const name = this.rddNames.get(line.data.rddId)?.name;
        if (name !== undefined) cp.name = name;
        this.checkpoints.push(cp);
        return;
      }
      case 'warning':
        this.warnings.push({ time: line.time, ...line.data });
        return;
      case 'streamingBatchCompleted':
        this.batches.push(line.data);
        this.streamingTotals.completedBatches++;
        this.streamingTotals.processedRecords += line.data.records;
        // Spark's spark.streaming.ui.retainedBatches default.
        if (this.batches.length > MAX_BATCHES) this.batches.shift();
        return;
    }
  }

  /** The job's stages, in id order. */
  stagesOf(job: JobData): StageData[] {
    return job.stageIds.flatMap((id) => {
      const s = this.stages.get(id);
      return s === undefined ? [] : [s];
    });
  }

  private handleStageSubmitted(d: StageSubmittedEvent): void {
    for (const r of d.rdds) this.rddNames.set(r.id, r);
    const job = this.jobs.get(d.jobId);
    if (job !== undefined && !job.stageIds.includes(d.stageId)) job.stageIds.push(d.stageId);
    const previous = this.stages.get(d.stageId);
    const stage: StageData = {
      stageId: d.stageId,
      jobId: d.jobId,
      kind: d.kind,
      status: 'active',
      submissions: (previous?.submissions ?? 0) + 1,
      numTasks: d.numTasks,
      submissionTime: d.time,
      parentStageIds: d.parentStageIds,
      rdds: d.rdds,
      metrics: emptyTotals(),
      tasks: previous?.tasks ?? [],
    };
    if (d.shuffleId !== undefined) stage.shuffleId = d.shuffleId;
    this.stages.set(d.stageId, stage);
  }

  private handleTaskEnd(d: TaskEndEvent): void {
    const task: TaskData = {
      taskId: d.taskId,
      stageId: d.stageId,
      partitionIndex: d.partitionIndex,
      attempt: d.attempt,
      successful: d.successful,
    };
    if (d.metrics !== undefined) task.metrics = d.metrics;
    if (d.failure !== undefined) task.failure = d.failure;
    const stage = this.stages.get(d.stageId);
    if (stage !== undefined) {
      stage.tasks.push(task);
      // Live totals until stageCompleted brings the scheduler's own.
      if (stage.status === 'active') addTaskToTotals(stage.metrics, d.metrics, d.successful);
    }
    const m = d.metrics;
    if (m === undefined) return;
    const key = workerKey(m);
    let w = this.workers.get(key);
    if (w === undefined) {
      w = {
        threadId: m.threadId,
        ...(m.executor === undefined ? {} : { executor: m.executor }),
        tasks: 0,
        failedTasks: 0,
        taskTimeMs: 0,
        gcTimeMs: 0,
        shuffleReadBytes: 0,
        shuffleWriteBytes: 0,
      };
      this.workers.set(key, w);
    }
    w.tasks++;
    if (!d.successful) w.failedTasks++;
    w.taskTimeMs += m.durationMs;
    w.gcTimeMs += m.gcTimeMs;
    w.shuffleReadBytes += m.shuffleReadBytes;
    w.shuffleWriteBytes += m.shuffleWriteBytes;
  }
}

/** Names a worker thread: its process too in cluster mode, where thread ids repeat. */
export function workerLabel(m: { threadId: number; executor?: string }): string {
  return m.executor === undefined ? `thread ${m.threadId}` : `${m.executor} thread ${m.threadId}`;
}

function workerKey(m: { threadId: number; executor?: string }): string {
  return `${m.executor ?? ''}/${m.threadId}`;
}
