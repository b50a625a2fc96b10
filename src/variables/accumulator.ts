// Accumulator: add() in workers, value on the main thread. Worker deltas come
// back with each task result and are merged only for successful tasks, so a
// retried task's updates count once (Spark's semantics for updates in actions).

import { errors } from '../shared/errors.js';
import type { ShippedAccumulator } from '../shared/env-wire.js';

export class Accumulator<T extends number = number> {
  private total = 0;

  /** @internal Made by ctx.longAccumulator(name). */
  constructor(
    readonly id: number,
    readonly name: string | undefined,
  ) {}

  get value(): T {
    return this.total as T;
  }

  /** On the main thread (workers get their own handle that records deltas). */
  add(n: number): void {
    if (typeof n !== 'number' || Number.isNaN(n)) throw errors.invalidArgument('n', 'a number', n);
    this.total += n;
  }

  reset(): void {
    this.total = 0;
  }

  /** @internal */
  merge(delta: number): void {
    this.total += delta;
  }

  /** @internal */
  toShipped(): ShippedAccumulator {
    return { kind: 'accumulator', id: this.id };
  }
}
