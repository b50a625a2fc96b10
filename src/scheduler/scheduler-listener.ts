// What the scheduler reports as it runs: the Context turns these into listener
// events (jobStart, jobEnd, stageSubmitted, stageCompleted, taskEnd) and the progress bar.
// Fields after the first few were added for the event log and the UI (Spark's
// SparkListener* events); earlier fields keep their meaning.

import type { TaskMetrics } from '../shared/protocol.js';
import type { MetricsTotals } from './metrics-totals.js';
import type { RddInfo } from './stage-info.js';

export type { MetricsTotals } from './metrics-totals.js';
export type { RddInfo } from './stage-info.js';
export type { TaskMetrics } from '../shared/protocol.js';

export interface JobStartEvent {
  jobId: number;
  rddId: number;
  partitions: number;
  /** Epoch ms. */
  time: number;
  /** The action, as Spark's job description: 'collect', 'count', ... */
  action: string;
  rddName?: string;
}
export interface JobEndEvent {
  jobId: number;
  succeeded: boolean;
  durationMs: number;
  time: number;
  /** Every task attempt of the job's stages. */
  metrics: MetricsTotals;
  /** Why the job failed: the error's code and message. */
  failure?: { code?: string; message: string };
}
export interface StageSubmittedEvent {
  stageId: number;
  kind: 'result' | 'shuffleMap';
  numTasks: number;
  rddId: number;
  jobId: number;
  time: number;
  /** Stages whose shuffle output this stage reads. */
  parentStageIds: number[];
  /** The stage's pipeline, its last RDD first. */
  rdds: RddInfo[];
  /** The shuffle this stage writes (shuffleMap stages). */
  shuffleId?: number;
}
export interface StageCompletedEvent {
  stageId: number;
  kind: 'result' | 'shuffleMap';
  numTasks: number;
  durationMs: number;
  jobId: number;
  time: number;
  metrics: MetricsTotals;
  /** A stage that failed (Spark's StageInfo.failureReason); absent when it succeeded. */
  failureReason?: string;
}

/** Why an attempt failed, as Spark's TaskEndReason. */
export type TaskFailure =
  | { kind: 'exception'; name: string; message: string; stack?: string; code?: string }
  | { kind: 'fetchFailed'; shuffleId: number; mapIndex: number; message: string }
  | { kind: 'workerDied'; message: string };

export interface TaskEndEvent {
  stageId: number;
  partitionIndex: number;
  attempt: number;
  successful: boolean;
  jobId: number;
  taskId: number;
  /** Absent when the worker thread died before answering. */
  metrics?: TaskMetrics;
  /** Present when the attempt failed. */
  failure?: TaskFailure;
}

export interface SchedulerListener {
  onJobStart(e: JobStartEvent): void;
  onJobEnd(e: JobEndEvent): void;
  onStageSubmitted(e: StageSubmittedEvent): void;
  onStageCompleted(e: StageCompletedEvent): void;
  onTaskEnd(e: TaskEndEvent): void;
}
