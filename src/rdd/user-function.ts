// User functions as the RDD API takes them, and their conversion to the plain
// FunctionPlan that travels to workers: source (checked for free variables at
// the call that defines it) plus env, shipped as the user's data with the
// Broadcast/Accumulator handles and functions in it listed apart
// (shared/env-wire.ts); a function in env is shipped like a callback.

import { shipEnv, type HandleShipper, type ShippedEnv } from '../shared/env-wire.js';
import { errors } from '../shared/errors.js';
import type { FunctionPlan } from '../shared/protocol.js';
import { shipFunction } from '../shipping/closure.js';
import { FunctionRef } from '../shipping/fn.js';
import { Broadcast } from '../variables/broadcast.js';
import { Accumulator } from '../variables/accumulator.js';
import { CustomAccumulator } from '../variables/custom-accumulator.js';
import { noteEnvHandle } from '../variables/env-handles.js';

/**
 * A function a worker will run, or a reference made by fn(module, exportName).
 * Declared method-style so its parameters compare bivariantly: RDD<T> then
 * stays assignable to RDD<unknown>, which the engine's internals rely on.
 */
export type UserFn<A extends unknown[], R> =
  | { bivarianceHack(...args: A): R }['bivarianceHack']
  | FunctionRef<{ bivarianceHack(...args: A): R }['bivarianceHack']>
  | FunctionRef;

export interface FnOptions<E> {
  /** Passed to the function as its last argument; structured-cloneable. */
  env?: E;
}

export function planFunction(
  f: unknown,
  opts: FnOptions<unknown> | undefined,
  where: string,
): FunctionPlan {
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw errors.invalidArgument(`${where} opts`, 'an options object like { env }', opts);
  }
  return { fn: shipFunction(f, where), env: prepareEnv(opts?.env, where) };
}

/**
 * The env as it is when the transformation is defined: its data is cloned here (which also
 * proves it cloneable), so a change the user makes to the objects afterwards never reaches a
 * task, and every task of every job sees the same env, whenever its worker fetches the plan.
 * The handles stay the objects noteEnvHandle remembered (a job's check finds them by identity).
 */
export function prepareEnv(env: unknown, where: string): ShippedEnv {
  const shipped = shipEnv(env, `${where} opts.env`, handleShipper);
  try {
    shipped.data = structuredClone(shipped.data);
    structuredClone(shipped.handles);
  } catch (e) {
    throw errors.invalidArgument(
      `${where} opts.env`,
      'a structured-cloneable value (plain data, Broadcast, Accumulator)',
      `${describe(e)}`,
    );
  }
  return shipped;
}

const handleShipper: HandleShipper = {
  isHandle: (value) =>
    value instanceof Broadcast ||
    value instanceof Accumulator ||
    value instanceof CustomAccumulator ||
    value instanceof FunctionRef ||
    typeof value === 'function',
  ship: (value, where) => {
    if (
      value instanceof Broadcast ||
      value instanceof Accumulator ||
      value instanceof CustomAccumulator
    )
      return noteEnvHandle(value.toShipped(), value, where);
    return { kind: 'function', fn: shipFunction(value, where, 'env') };
  },
};

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const FUNCTION_EXPECTED = 'a function or fn(module, exportName)';

/**
 * A function that runs on the main thread only (aggregate's combOp), checked before the job:
 * it may use free variables, since it never travels. `argument` names it: rdd.aggregate combOp.
 */
export function checkMainThreadFunction(argument: string, f: unknown): void {
  if (typeof f !== 'function' && !(f instanceof FunctionRef))
    throw errors.invalidArgument(argument, FUNCTION_EXPECTED, f);
}

/** The same function on the main thread, to merge partition results (reduce, fold). */
export async function localFunction(
  f: unknown,
  argument: string,
): Promise<(...args: unknown[]) => unknown> {
  if (typeof f === 'function') return f as (...args: unknown[]) => unknown;
  if (f instanceof FunctionRef) {
    const mod = (await import(f.module)) as Record<string, unknown>;
    const exported = mod[f.exportName];
    if (typeof exported === 'function') return exported as (...args: unknown[]) => unknown;
  }
  throw errors.invalidArgument(argument, FUNCTION_EXPECTED, f);
}
