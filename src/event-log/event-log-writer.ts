// EventLogWriter (Spark's EventLoggingListener): appends each event as one JSON line to
// <dir>/<applicationId>.jsonl.inprogress, buffered and flushed at least every second and at
// close(), which renames the file to <applicationId>.jsonl. A write that fails becomes one
// 'warning' through onWarning and the log stops there; it never fails the application.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { describeErrno, ensureDirectory } from '../shared/io-errors.js';
import { eventLogFileName, eventLogLine, type LoggedEvent } from './event-log-format.js';

export const EVENT_LOG_FLUSH_MS = 1000;

export interface EventLogWriterOptions {
  dir: string;
  applicationId: string;
  onWarning: (w: { message: string; path: string }) => void;
}

type WriterState = { kind: 'open'; fd: number } | { kind: 'failed' } | { kind: 'closed' };

export class EventLogWriter {
  readonly inProgressPath: string;
  readonly finalPath: string;
  private state: WriterState;
  private pending: string[] = [];
  private readonly timer: NodeJS.Timeout;

  /** Creates the directory and the in-progress file; a KindlingError when it cannot. */
  constructor(private readonly opts: EventLogWriterOptions) {
    this.inProgressPath = path.join(opts.dir, eventLogFileName(opts.applicationId, true));
    this.finalPath = path.join(opts.dir, eventLogFileName(opts.applicationId, false));
    try {
      ensureDirectory(opts.dir, 'event log directory (options.eventLogDir)');
      this.state = { kind: 'open', fd: fs.openSync(this.inProgressPath, 'wx') };
    } catch (e) {
      throw errors.eventLogUnusable(opts.dir, e instanceof Error ? e.message : String(e), e);
    }
    this.timer = setInterval(() => this.flush(), EVENT_LOG_FLUSH_MS);
    this.timer.unref();
    // A process that exits without stop() keeps what it logged (the file stays .inprogress).
    process.once('exit', this.flushOnExit);
  }

  private readonly flushOnExit = (): void => this.flush();

  append(event: LoggedEvent): void {
    if (this.state.kind !== 'open') return;
    this.pending.push(eventLogLine(event));
  }

  flush(): void {
    if (this.state.kind !== 'open' || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let off = 0; off < bytes.length;)
        off += fs.writeSync(this.state.fd, bytes, off, bytes.length - off);
    } catch (e) {
      this.fail('write', e);
    }
  }

  /** Flushes, closes and publishes the log under its final name. */
  close(): void {
    clearInterval(this.timer);
    process.off('exit', this.flushOnExit);
    this.flush();
    if (this.state.kind !== 'open') return;
    const fd = this.state.fd;
    this.state = { kind: 'closed' };
    try {
      fs.closeSync(fd);
      fs.renameSync(this.inProgressPath, this.finalPath);
    } catch (e) {
      this.opts.onWarning({
        message: `The event log could not be completed: ${describeErrno(e)}`,
        path: this.inProgressPath,
      });
    }
  }

  private fail(what: string, e: unknown): void {
    if (this.state.kind === 'open') {
      try {
        fs.closeSync(this.state.fd);
      } catch {
        // Already failing: the warning below says why the log stopped.
      }
    }
    this.state = { kind: 'failed' };
    this.pending = [];
    this.opts.onWarning({
      message: `The event log stopped (${what} failed: ${describeErrno(e)}); the application goes on`,
      path: this.inProgressPath,
    });
  }
}
