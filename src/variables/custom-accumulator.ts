// A custom accumulator (Spark's AccumulatorV2, made by ctx.accumulator(zero, add, merge)): in a
// task, add(v) folds v into the task's own copy of zero with the shipped `add`; the main thread
// merges the value of each successful task into its total with `merge`, so a retried task
// counts once, as the numeric accumulators. `merge` runs only on the main thread, as Spark's
// driver-side merge; `add` travels as source (or by fn()) like any user function.

import { accumulatorLabel } from '../shared/accumulator-values.js';
import { errors } from '../shared/errors.js';
import type { ShippedCustomAccumulator } from '../shared/env-wire.js';
import type { ShippedFunction } from '../shared/shipped-function.js';
import { shipFunction } from '../shipping/closure.js';
import { FunctionRef } from '../shipping/fn.js';

// Method-style, so that parameters compare bivariantly (as UserFn's).
type Fold<A, B> = { bivarianceHack(acc: A, v: B): A }['bivarianceHack'];

export class CustomAccumulator<T, V = T> {
  #total: T;
  readonly #zero: T;
  readonly #add: Fold<T, V> | FunctionRef;
  readonly #merge: Fold<T, T>;
  readonly #shippedAdd: ShippedFunction;

  /** @internal Made by ctx.accumulator(zero, add, merge, name). */
  constructor(
    readonly id: number,
    readonly name: string | undefined,
    zero: T,
    add: Fold<T, V> | FunctionRef,
    merge: Fold<T, T>,
  ) {
    try {
      structuredClone(zero);
    } catch (e) {
      throw errors.invalidArgument(
        'ctx.accumulator zero',
        'a structured-cloneable value',
        e instanceof Error ? e.message : String(e),
      );
    }
    if (typeof merge !== 'function') {
      throw errors.invalidArgument(
        'ctx.accumulator merge',
        'a function (it runs on the main thread, so not fn(module, exportName))',
        merge,
      );
    }
    this.#shippedAdd = shipFunction(add, 'ctx.accumulator add');
    this.#zero = structuredClone(zero);
    this.#total = structuredClone(zero);
    this.#add = add;
    this.#merge = merge;
  }

  /** The merged value of every successful task (and of add() calls on the main thread). */
  get value(): T {
    return this.#total;
  }

  /** On the main thread, as PySpark's Accumulator.value setter: later tasks merge into it. */
  set value(v: T) {
    this.#total = v;
  }

  /** On the main thread; tasks get a handle that adds into the task's own value. */
  add(v: V): void {
    if (this.#add instanceof FunctionRef) {
      throw errors.unsupported(
        `${this.label}: its add function was given by fn(module, exportName), ` +
          'which runs in workers only',
      );
    }
    this.#total = this.#add(this.#total, v);
  }

  reset(): void {
    this.#total = structuredClone(this.#zero);
  }

  /** @internal A successful task's value: merged once, whatever retries came before. */
  mergeTaskValue(value: unknown): void {
    try {
      this.#total = this.#merge(this.#total, value as T);
    } catch (e) {
      throw errors.accumulatorMergeFailed(this.label, e);
    }
  }

  /** @internal */
  toShipped(): ShippedCustomAccumulator {
    return {
      kind: 'customAccumulator',
      id: this.id,
      ...(this.name === undefined ? {} : { name: this.name }),
      zero: this.#zero,
      add: this.#shippedAdd,
    };
  }

  private get label(): string {
    return accumulatorLabel('custom', this.id, this.name);
  }
}
