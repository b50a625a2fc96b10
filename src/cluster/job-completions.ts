// The driver's view of its jobs' ends: every task waiting on a job is answered from one
// QueueEvents reader of the application's queue. It reads the queue's event stream from the
// last event it saw (from the start, the first time): the queue is new with the application,
// so no completion is ever missed, whenever its XREAD lands, and no task needs BullMQ's
// waitUntilFinished, whose job-state check costs a Redis round trip per task. The reader is
// open only while tasks wait (and a little after), so an idle driver lets its process exit.

import { QueueEvents, type ConnectionOptions } from 'bullmq';
import { rebuildError } from '../scheduler/rebuild-error.js';
import { QUEUE_PREFIX } from './wire.js';

/** The reader closes once no task has waited this long (between jobs, not between stages). */
const IDLE_MS = 2_000;

interface JobWaiter {
  resolve(value: unknown): void;
  reject(e: Error): void;
}

export class JobCompletions {
  /** By job id; a resubmitted id waits on the same job, whose result is the right one. */
  private readonly waiters = new Map<string, JobWaiter[]>();
  private events: QueueEvents | undefined;
  private lastEventId = '0-0';
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: string,
    private readonly connection: ConnectionOptions,
    /** A job whose worker lost its lock: BullMQ runs it again. */
    private readonly onStalled: (jobId: string) => void,
    /** The number of waited-on jobs changed. */
    private readonly onChange: () => void,
  ) {}

  /** Jobs some task waits on. */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * One promise per job: its return value from its 'completed' event, or its failure from
   * 'failed' (BullMQ failed it: stalled too often), rebuilt as a worker's error is, so the
   * scheduler counts a lost attempt and retries. Call before adding the jobs.
   */
  wait(ids: string[]): Promise<unknown>[] {
    this.open();
    const promises = ids.map(
      (id) =>
        new Promise<unknown>((resolve, reject) => {
          const waiting = this.waiters.get(id);
          if (waiting === undefined) this.waiters.set(id, [{ resolve, reject }]);
          else waiting.push({ resolve, reject });
        }),
    );
    this.changed();
    return promises;
  }

  /** Nobody waits on these any more (cancelled, or never added): their promises never settle. */
  forget(ids: string[]): void {
    for (const id of ids) this.waiters.delete(id);
    this.changed();
  }

  close(): void {
    clearTimeout(this.idle);
    closeQuietly(this.events);
    this.events = undefined;
  }

  private open(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (this.events !== undefined) return;
    const events = new QueueEvents(this.queue, {
      connection: this.connection,
      prefix: QUEUE_PREFIX,
      lastEventId: this.lastEventId,
    });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }, eventId) => {
      this.lastEventId = eventId;
      for (const w of this.take(jobId)) w.resolve(returnvalue);
    });
    events.on('failed', ({ jobId, failedReason }, eventId) => {
      this.lastEventId = eventId;
      const error = rebuildError({ name: 'TaskLost', message: `job ${jobId}: ${failedReason}` });
      for (const w of this.take(jobId)) w.reject(error);
    });
    events.on('stalled', ({ jobId }) => this.onStalled(jobId));
    this.events = events;
  }

  private take(id: string): JobWaiter[] {
    const waiting = this.waiters.get(id) ?? [];
    this.waiters.delete(id);
    this.changed();
    return waiting;
  }

  private changed(): void {
    this.onChange();
    // Its blocking read (and BullMQ's watchdog timer on it) would keep an idle process alive.
    if (this.waiters.size > 0 || this.events === undefined || this.idle !== undefined) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      if (this.waiters.size > 0) return;
      closeQuietly(this.events);
      this.events = undefined;
    }, IDLE_MS);
    this.idle.unref();
  }
}

/** close() marks it closing, disconnect() cuts a socket a dead Redis would keep close() on. */
function closeQuietly(events: QueueEvents | undefined): void {
  events?.close().catch(() => {});
  events?.disconnect().catch(() => {});
}
