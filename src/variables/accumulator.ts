// Accumulator: add() in workers, value on the main thread. Worker deltas come
// back with each task result and are merged only for successful tasks, so a
// retried task's updates count once (Spark's semantics for updates in actions).
// A long accumulator refuses what is not a safe integer, here and in tasks
// (shared/accumulator-values.ts), as Spark's LongAccumulator takes only longs, and a total
// that an add or a task's merged additions would carry past 2^53 - 1 in magnitude.

import {
  accumulatorLabel,
  addToTotal,
  checkAccumulatorValue,
  type AccumulatorType,
} from '../shared/accumulator-values.js';
import type { ShippedAccumulator } from '../shared/env-wire.js';

export class Accumulator<T extends number = number> {
  private total = 0;

  /** @internal Made by ctx.longAccumulator(name) and ctx.doubleAccumulator(name). */
  constructor(
    readonly id: number,
    readonly name: string | undefined,
    /** @internal */ readonly type: AccumulatorType,
  ) {}

  get value(): T {
    return this.total as T;
  }

  /** On the main thread, as PySpark's Accumulator.value setter: later task updates add to it. */
  set value(v: T) {
    this.total = checkAccumulatorValue(this.type, this.label, 'value', v);
  }

  /** On the main thread (workers get their own handle that records deltas). */
  add(n: number): void {
    const checked = checkAccumulatorValue(this.type, this.label, 'add n', n);
    this.total = addToTotal(this.type, this.label, this.total, checked, 'add');
  }

  reset(): void {
    this.total = 0;
  }

  /**
   * @internal A successful task's additions: the merge to apply, checked now (a total they
   * would carry out of range throws, failing the job), so that a task's merges are checked
   * all before any is applied.
   */
  merge(delta: number): () => void {
    const total = addToTotal(this.type, this.label, this.total, delta, 'merge');
    return () => {
      this.total = total;
    };
  }

  /** @internal */
  toShipped(): ShippedAccumulator {
    const shipped: ShippedAccumulator = { kind: 'accumulator', id: this.id, type: this.type };
    if (this.name !== undefined) shipped.name = this.name;
    return shipped;
  }

  private get label(): string {
    return accumulatorLabel(this.type, this.id, this.name);
  }
}
