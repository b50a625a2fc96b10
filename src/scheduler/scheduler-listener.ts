// What the scheduler reports as it runs: the Context turns these into listener
// events (jobStart, jobEnd, stageCompleted, taskEnd) and the progress bar.

export interface JobStartEvent {
  jobId: number;
  rddId: number;
  partitions: number;
}
export interface JobEndEvent {
  jobId: number;
  succeeded: boolean;
  durationMs: number;
}
export interface StageSubmittedEvent {
  stageId: number;
  kind: 'result' | 'shuffleMap';
  numTasks: number;
  rddId: number;
}
export interface StageCompletedEvent {
  stageId: number;
  kind: 'result' | 'shuffleMap';
  numTasks: number;
  durationMs: number;
}
export interface TaskEndEvent {
  stageId: number;
  partitionIndex: number;
  attempt: number;
  successful: boolean;
}

export interface SchedulerListener {
  onJobStart(e: JobStartEvent): void;
  onJobEnd(e: JobEndEvent): void;
  onStageSubmitted(e: StageSubmittedEvent): void;
  onStageCompleted(e: StageCompletedEvent): void;
  onTaskEnd(e: TaskEndEvent): void;
}
