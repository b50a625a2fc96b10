// The public API of kindling: everything a user imports, and nothing else.

export { Context } from './context.js';
export type { ContextOptions, ContextEvents, ContextEventName } from './context.js';
export { RDD } from './rdd/rdd.js';
export type { Dependency } from './rdd/dependency.js';
export { HashPartitioner, RangePartitioner } from './rdd/partitioner.js';
// A type (any partitioner) and a value (the class of custom ones: new Partitioner(n, f)).
export { Partitioner } from './rdd/partitioner.js';
export type { CustomPartitioner } from './rdd/partitioner.js';
export { StatCounter } from './rdd/numeric-functions.js';
export type { BoundedDouble } from './rdd/approx-count.js';
export { StorageLevel } from './storage/storage-level.js';
export { Broadcast } from './variables/broadcast.js';
export { Accumulator } from './variables/accumulator.js';
export { CustomAccumulator } from './variables/custom-accumulator.js';
export { fn, FunctionRef } from './shipping/fn.js';
export { KindlingError, isKindlingError } from './shared/errors.js';
export type { ErrorCode, ErrorContext } from './shared/errors.js';
export type { UserFn, FnOptions } from './rdd/user-function.js';
export type { ShuffleOptions, PartitionOptions } from './rdd/pair-functions.js';
export type { KeyOrdering, KeyValue } from './rdd/ordering.js';
export type { CheckpointWrittenEvent } from './checkpoint/checkpoint-manager.js';
export type {
  JobStartEvent,
  JobEndEvent,
  StageSubmittedEvent,
  StageCompletedEvent,
  TaskEndEvent,
  TaskFailure,
  TaskMetrics,
  MetricsTotals,
  RddInfo,
} from './scheduler/scheduler-listener.js';
export type { ExecutorAddedEvent, ExecutorRemovedEvent } from './cluster/bullmq-runner.js';
export {
  StreamingContext,
  DStream,
  ManualClock,
  SystemClock,
  StateSpec,
  inspectStreamingCheckpoint,
  isStreamingCheckpointDir,
} from './streaming/index.js';
export type {
  StreamingContextOptions,
  StreamingEvents,
  StreamingEventName,
  StreamingContextState,
  MapWithStateDStream,
  UpdateStateOptions,
  ReduceWindowOptions,
  FileStreamOptions,
  Clock,
  State,
  MappingFunction,
  BatchStartedEvent,
  BatchCompletedEvent,
  StreamingCheckpointReport,
} from './streaming/index.js';
