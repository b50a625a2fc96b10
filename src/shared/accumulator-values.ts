// What a numeric accumulator accepts, checked by its main-thread handle and by the task handle
// a worker builds from its marker, so both refuse the same values with the same message. A
// long accumulator holds integers (Spark's LongAccumulator): past 2^53 a double no longer
// counts by one, so an unsafe integer is refused as a fraction is, and so is a total that
// safe additions would carry past it (where Spark's long would wrap around at 2^63).

import { errors, type KindlingError } from './errors.js';
import type { ShippedAccumulator } from './env-wire.js';

export type AccumulatorType = ShippedAccumulator['type'];

/** As errors name it: `longAccumulator 3 (hits)`; a custom accumulator is `accumulator 4`. */
export function accumulatorLabel(
  kind: AccumulatorType | 'custom',
  id: number,
  name: string | undefined,
): string {
  const method = kind === 'custom' ? 'accumulator' : `${kind}Accumulator`;
  return `${method} ${id}${name === undefined ? '' : ` (${name})`}`;
}

/** `n` as the accumulator `label` of `type` takes it; `argument` is 'add n' or 'value'. */
export function checkAccumulatorValue(
  type: AccumulatorType,
  label: string,
  argument: string,
  n: unknown,
): number {
  if (type === 'long') {
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      throw errors.invalidArgument(
        `${label} ${argument}`,
        'an integer of at most 2^53 - 1 in magnitude (a long accumulator: ctx.doubleAccumulator takes fractions)',
        n,
      );
    }
  } else if (typeof n !== 'number' || Number.isNaN(n)) {
    throw errors.invalidArgument(`${label} ${argument}`, 'a number', n);
  }
  return n;
}

/**
 * `total + n` for the accumulator `label` of `type`, `n` already checked: a long accumulator's
 * sum past 2^53 - 1 in magnitude is refused (`by` says whether an add or the main thread's
 * merge of a task's additions made it), a double's rounds as doubles do.
 */
export function addToTotal(
  type: AccumulatorType,
  label: string,
  total: number,
  n: number,
  by: 'add' | 'merge',
): number {
  const sum = total + n;
  if (type === 'long' && !Number.isSafeInteger(sum))
    throw errors.accumulatorTotalUnsafe(label, total, n, by);
  return sum;
}

/** An accumulator's value is the merge of every task's: a task only adds (PySpark refuses it too). */
export function valueInTask(label: string): KindlingError {
  return errors.unsupported(
    `${label}.value is read and set on the main thread only; in a task, add to it ` +
      "(the main thread merges each successful task's additions into value)",
  );
}
