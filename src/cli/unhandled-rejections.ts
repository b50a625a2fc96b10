// Promise rejections a job leaves unhandled, typically an action it started and did not await.
// Node would print each as a crash dump, even after `kindling run` said "done". Here the first
// fails the run as an error the job threw would; a reason is reported once (Node 20 also
// rejects an internal promise with the error of a failed import(), which run.ts reports), and
// one that comes after the run's report, before dispose(), is reported as it comes and fails
// the exit code. The listener lives from the run's start to dispose() where the run ends.

import { KindlingError } from '../shared/errors.js';
import { formatError } from './print-error.js';

export const NOT_AWAITED = 'a promise the job did not await was rejected';

/**
 * Node reports the rejections left unhandled by a turn's microtasks before the next macrotask:
 * awaited, every rejection already made (an action stop() cancelled, import()'s own) is seen.
 */
export function pendingRejectionsReported(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class UnhandledRejections {
  /** Rejects with the first reason; handled here, so that it is never one itself. */
  readonly first: Promise<never>;
  private readonly seen = new Set<unknown>();
  private firstReason: { error: unknown } | undefined;
  private reject: (reason: unknown) => void = () => undefined;
  private closed = false;
  private readonly listener = (reason: unknown): void => this.handle(reason);

  constructor() {
    this.first = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.first.catch(() => undefined);
    process.on('unhandledRejection', this.listener);
  }

  /** The first reason so far, if any (`first` tells it only to who awaits). */
  getFirst(): { error: unknown } | undefined {
    return this.firstReason;
  }

  has(reason: unknown): boolean {
    return this.seen.has(reason);
  }

  /** The run reports `failure` (or succeeded): a later new reason is reported on its own. */
  close(failure?: { error: unknown }): void {
    if (failure !== undefined) this.seen.add(failure.error);
    this.closed = true;
  }

  /** Removes the listener: the run has ended, and a later rejection is Node's to report. */
  dispose(): void {
    process.off('unhandledRejection', this.listener);
  }

  private handle(reason: unknown): void {
    if (this.seen.has(reason)) return;
    this.seen.add(reason);
    if (!this.closed) {
      this.firstReason ??= { error: reason };
      this.reject(reason);
      return;
    }
    const code = reason instanceof KindlingError ? ` (${reason.code})` : '';
    process.stderr.write(
      `kindling: failed${code}: ${NOT_AWAITED}\n${formatError(reason, 'the job')}\n`,
    );
    process.exitCode = 1;
  }
}
