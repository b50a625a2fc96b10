// The event log's contract (docs/event-log.md): one JSON object a line, `{ event, time, data }`,
// the first line an applicationStart naming the format version. The writer, the reader and the
// UI's state store all take their types and names from here.
//
//   <eventLogDir>/<applicationId>.jsonl.inprogress   while the application runs
//   <eventLogDir>/<applicationId>.jsonl              after stop() (Spark's EventLoggingListener)

import type { ContextEvents } from '../context.js';
import type { StorageLevelName } from '../shared/protocol.js';
import type { BatchCompletedEvent } from '../streaming/job-generator.js';

/** Bumped when a line changes incompatibly; readers refuse newer major versions. */
export const EVENT_LOG_FORMAT_VERSION = 1;
export const EVENT_LOG_SUFFIX = '.jsonl';
export const IN_PROGRESS_SUFFIX = '.inprogress';

export function eventLogFileName(applicationId: string, inProgress: boolean): string {
  return applicationId + EVENT_LOG_SUFFIX + (inProgress ? IN_PROGRESS_SUFFIX : '');
}

/** Still being written by its application (or left by one that never stopped). */
export function isInProgressFileName(name: string): boolean {
  return name.endsWith(IN_PROGRESS_SUFFIX);
}

/**
 * One line of the log, `event` first: every log therefore starts with APPLICATION_START_PREFIX,
 * which is how a reader tells an event log cut inside its first line from another file.
 */
export function eventLogLine(e: LoggedEvent): string {
  return JSON.stringify({ event: e.event, time: e.time, data: e.data }) + '\n';
}

export const APPLICATION_START_PREFIX = '{"event":"applicationStart",';

export interface ApplicationStartEvent {
  formatVersion: number;
  applicationId: string;
  appName: string;
  kindlingVersion: string;
  nodeVersion: string;
  startTime: number;
  /** The resolved ContextOptions (JSON values only). */
  options: Record<string, unknown>;
}

export interface ApplicationEndEvent {
  endTime: number;
}

/** A cached RDD was unpersisted: its blocks are gone (Spark's SparkListenerUnpersistRDD). */
export interface UnpersistRddEvent {
  rddId: number;
}

/** A task stored a cached block (Spark's SparkListenerBlockUpdated). */
export interface BlockUpdatedEvent {
  blockId: string;
  rddId: number;
  partitionIndex: number;
  storageLevel: StorageLevelName;
  /** Where the block was stored when written (a memory block may spill to disk later). */
  where: 'memory' | 'disk';
  bytes: number;
  records: number;
}

/** A streaming batch finished (StreamingContext's batchCompleted, with its interval). */
export interface StreamingBatchEvent extends BatchCompletedEvent {
  batchIntervalMs: number;
}

export interface LoggedEvents extends ContextEvents {
  applicationStart: ApplicationStartEvent;
  applicationEnd: ApplicationEndEvent;
  unpersistRDD: UnpersistRddEvent;
  blockUpdated: BlockUpdatedEvent;
  streamingBatchCompleted: StreamingBatchEvent;
}
export type LoggedEventName = keyof LoggedEvents;

/** One line of the log: every event with its wall-clock time (epoch ms). */
export type LoggedEvent = {
  [E in LoggedEventName]: { event: E; time: number; data: LoggedEvents[E] };
}[LoggedEventName];

const NAMES: ReadonlySet<string> = new Set<LoggedEventName>([
  'applicationStart',
  'applicationEnd',
  'unpersistRDD',
  'blockUpdated',
  'streamingBatchCompleted',
  'jobStart',
  'jobEnd',
  'stageSubmitted',
  'stageCompleted',
  'taskEnd',
  'checkpointWritten',
  'executorAdded',
  'executorRemoved',
  'warning',
]);

export type ParsedLine =
  | { kind: 'event'; event: LoggedEvent }
  /** An event this version does not know (a newer writer): skipped, as Spark's replay does. */
  | { kind: 'unknown'; event: string }
  | { kind: 'malformed'; reason: string };

/**
 * Parses one line. The shape is checked (event name, time, data object); the fields of `data`
 * are trusted as this module's types, as they were written by the same definitions.
 */
export function parseEventLogLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      kind: 'malformed',
      reason: `not JSON (${e instanceof Error ? e.message : String(e)})`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'malformed', reason: 'not a JSON object' };
  const event: unknown = Reflect.get(value, 'event');
  const time: unknown = Reflect.get(value, 'time');
  const data: unknown = Reflect.get(value, 'data');
  if (typeof event !== 'string') return { kind: 'malformed', reason: 'no "event" name' };
  if (typeof time !== 'number') return { kind: 'malformed', reason: 'no numeric "time"' };
  if (typeof data !== 'object' || data === null)
    return { kind: 'malformed', reason: 'no "data" object' };
  if (!NAMES.has(event)) return { kind: 'unknown', event };
  return { kind: 'event', event: value as LoggedEvent };
}
