// The streaming API of kindling (docs/streaming.md), re-exported by src/index.ts.

export { StreamingContext } from './streaming-context.js';
export type {
  StreamingContextOptions,
  StreamingEvents,
  StreamingEventName,
  StreamingContextState,
} from './streaming-context.js';
export { DStream } from './dstream.js';
export type { MapWithStateDStream } from './dstream.js';
export type { UpdateStateOptions } from './pair-dstream-ops.js';
export type { ReduceWindowOptions } from './window-ops.js';
export type { FileStreamOptions } from './file-input-dstream.js';
export { ManualClock, SystemClock } from './clock.js';
export type { Clock } from './clock.js';
export { StateSpec } from './state-spec.js';
export type { State, MappingFunction } from './state-spec.js';
export type { BatchStartedEvent, BatchCompletedEvent } from './job-generator.js';
export { inspectStreamingCheckpoint, isStreamingCheckpointDir } from './inspect.js';
export type { StreamingCheckpointReport } from './inspect.js';
