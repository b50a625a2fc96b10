// The one definition of everything the driver and `kindling worker` processes agree on in
// Redis: key and queue names, job ids, the announcement records, and the byte encoding of
// TaskRequests, TaskResults, plans and broadcasts (v8 serialization, the structured clone
// the thread path already uses, so the same records cross machines as cross threads).
//
//   kindling:app:<appId>             JSON AppRecord, TTL refreshed by the driver
//   kindling:executor:<name>         JSON ExecutorRecord, TTL refreshed by the worker
//   channel kindling:announced:<kind>   the key of a record just added or removed (a hint)
//   channel kindling:<appId>:cancel     JSON job ids of cancelled tasks: workers abort them
//   kindling:<appId>:plan:<planId>   encoded StagePlan (or a pointer to a storage file)
//   kindling:<appId>:bc:<id>         encoded broadcast value (or a pointer)
//   queue kindling-<appId> (prefix 'kindling')   one BullMQ job per task attempt

import v8 from 'node:v8';

export const KEY_PREFIX = 'kindling';
/** BullMQ's key prefix for our queues, so `redis-cli keys 'kindling*'` shows everything. */
export const QUEUE_PREFIX = 'kindling';
/** An announcement lives this long without a refresh: a dead process disappears within it. */
export const ANNOUNCE_TTL_MS = 5_000;
export const ANNOUNCE_EVERY_MS = 1_000;
/**
 * A worker holds a job's lock this long and renews it at half; BullMQ's stalled-job check
 * (every STALLED_INTERVAL_MS) puts a job whose lock expired back in the queue, so a task
 * of a SIGKILLed worker runs elsewhere within a few seconds (Spark: executor lost).
 */
export const LOCK_DURATION_MS = 4_000;
export const STALLED_INTERVAL_MS = 2_000;
/** Redeliveries of one job before BullMQ fails it: the scheduler then counts a failed attempt. */
export const MAX_STALLED_COUNT = 3;
/** Plans and broadcasts above this go to a file under storage, Redis keeps the path. */
export const INLINE_LIMIT_BYTES = 512 * 1024;

export interface AppRecord {
  appId: string;
  queue: string;
  /** The driver's package version: workers of another version refuse the application. */
  version: string;
  /** The application's directory under storage (its localDir). */
  dir: string;
  /**
   * The application's workerMemoryMb when it set one: the heap limit of the threads a worker
   * runs its tasks on (Spark's spark.executor.memory, an application setting). Absent: the
   * worker's own default.
   */
  workerMemoryMb?: number;
}

export interface ExecutorRecord {
  name: string;
  threads: number;
  version: string;
  host: string;
  pid: number;
}

/**
 * Where an announcement is published when it starts or stops, so watchers look at once rather
 * than at their next poll: a worker starts serving a new application within a round trip.
 */
export function announceChannel(kind: 'app' | 'executor'): string {
  return `${KEY_PREFIX}:announced:${kind}`;
}

/** Where a driver names the jobs of tasks it cancelled, so the workers running them stop. */
export function cancelChannel(appId: string): string {
  return `${KEY_PREFIX}:${appId}:cancel`;
}

export function appKey(appId: string): string {
  return `${KEY_PREFIX}:app:${appId}`;
}
export function executorKey(name: string): string {
  return `${KEY_PREFIX}:executor:${name}`;
}
export function planKey(appId: string, planId: string): string {
  return `${KEY_PREFIX}:${appId}:plan:${planId}`;
}
export function broadcastKey(appId: string, id: number): string {
  return `${KEY_PREFIX}:${appId}:bc:${id}`;
}
/** BullMQ forbids ':' in queue names. */
export function queueName(appId: string): string {
  return `kindling-${appId}`;
}

/**
 * One job per task attempt; BullMQ ignores a second add with the same id, so a resubmission of
 * the same attempt can never run twice as two jobs. planId is unique per stage attempt. The
 * request's taskId ends the id: a task rerun after a fetch failure keeps its attempt number
 * (a fetch failure is not the task's fault) but is a new request, reading the recomputed map
 * output; under the bare attempt id BullMQ would hand back the old job's fetch failure.
 */
export function jobId(
  appId: string,
  stageId: number,
  planId: string,
  partitionIndex: number,
  attempt: number,
  taskId: number,
): string {
  return `${appId}.s${stageId}.p${planId}.t${partitionIndex}.a${attempt}.k${taskId}`;
}

/** Job data: BullMQ stores JSON, so the encoded request travels as base64. */
export interface TaskJobData {
  request: string;
}

export function encode(value: unknown): Buffer {
  return v8.serialize(value);
}
export function decode(bytes: Buffer): unknown {
  return v8.deserialize(bytes);
}
export function encodeBase64(value: unknown): string {
  return encode(value).toString('base64');
}
export function decodeBase64(text: string): unknown {
  return decode(Buffer.from(text, 'base64'));
}

/** A stored plan or broadcast: inline bytes, or the path of a storage file holding them. */
export function storedValue(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0]), bytes]);
}
export function storedPointer(file: string): Buffer {
  return Buffer.concat([Buffer.from([1]), Buffer.from(file, 'utf8')]);
}
export function readStored(
  stored: Buffer,
): { kind: 'inline'; bytes: Buffer } | { kind: 'file'; path: string } {
  const body = stored.subarray(1);
  return stored[0] === 1
    ? { kind: 'file', path: body.toString('utf8') }
    : { kind: 'inline', bytes: body };
}
