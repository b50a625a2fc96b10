// Clocks of streaming (Spark's Clock, SystemClock, ManualClock). The job
// generator asks a clock for the time; a ManualClock also tells its listener
// (the running StreamingContext) when it moves, and advance() resolves only
// once every batch that fell due has finished, so tests need no sleeps.

import { errors } from '../shared/errors.js';
import { checkConstructorArity, withArityChecks } from '../method-arity.js';
import { MANUAL_CLOCK_ARITY, SYSTEM_CLOCK_ARITY } from './stream-arity.js';

export interface Clock {
  /** Milliseconds since the epoch (SystemClock) or since the clock's own start. */
  now(): number;
}

export class SystemClock implements Clock {
  constructor() {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new SystemClock', arguments, 0);
  }

  now(): number {
    return Date.now();
  }
}

/** @internal What a ManualClock notifies: runs every batch due at `nowMs`. */
export type ClockListener = (nowMs: number) => Promise<void>;

export class ManualClock implements Clock {
  private time: number;
  private listener: ClockListener | undefined;

  constructor(startMs = 0) {
    // eslint-disable-next-line prefer-rest-params -- a rest parameter would show in the type
    checkConstructorArity('new ManualClock', arguments, 1);
    if (typeof startMs !== 'number' || !Number.isInteger(startMs) || startMs < 0) {
      throw errors.invalidArgument('ManualClock startMs', 'a non-negative integer', startMs);
    }
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Moves the clock forward; resolves when every batch due by then has finished. */
  advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
      return Promise.reject(
        errors.invalidArgument('clock.advance ms', 'a non-negative integer', ms),
      );
    }
    return this.setTime(this.time + ms);
  }

  /** Sets the clock (never backwards); resolves like advance(). */
  setTime(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < this.time) {
      return Promise.reject(
        errors.invalidArgument(
          'clock.setTime ms',
          `an integer >= the current time ${this.time}`,
          ms,
        ),
      );
    }
    this.time = ms;
    return this.listener === undefined ? Promise.resolve() : this.listener(ms);
  }

  /** @internal Moves the clock without notifying (recovery, as Spark's manualClock.jump). */
  moveTo(ms: number): void {
    if (ms > this.time) this.time = ms;
  }

  /** @internal One listener at a time: the StreamingContext running on this clock. */
  setListener(listener: ClockListener | undefined): void {
    this.listener = listener;
  }
}

withArityChecks(SystemClock.prototype, 'clock', SYSTEM_CLOCK_ARITY);
withArityChecks(ManualClock.prototype, 'clock', MANUAL_CLOCK_ARITY);
