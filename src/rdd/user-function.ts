// User functions as the RDD API takes them, and their conversion to the plain
// FunctionPlan that travels to workers: source (checked for free variables at
// the call that defines it) plus env, with Broadcast/Accumulator handles and
// functions replaced by markers the worker turns back into live handles and
// rebuilt functions (a function in env is shipped like a callback).

import { errors } from '../shared/errors.js';
import type { EnvValue, FunctionMarker, FunctionPlan } from '../shared/protocol.js';
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

export function prepareEnv(env: unknown, where: string): EnvValue {
  if (env === undefined) return undefined;
  const prepared = replaceHandles(env, `${where} opts.env`);
  try {
    structuredClone(prepared);
  } catch (e) {
    throw errors.invalidArgument(
      `${where} opts.env`,
      'a structured-cloneable value (plain data, Broadcast, Accumulator)',
      `${describe(e)}`,
    );
  }
  return prepared;
}

/** `path` names the value in errors: rdd.map opts.env.helpers.double. */
function replaceHandles(value: unknown, path: string): unknown {
  if (
    value instanceof Broadcast ||
    value instanceof Accumulator ||
    value instanceof CustomAccumulator
  )
    return noteEnvHandle(value.toMarker(), value, path);
  if (typeof value === 'function' || value instanceof FunctionRef) {
    const marker: FunctionMarker = {
      kind: 'kindling.function',
      fn: shipFunction(value, path, 'env'),
    };
    return marker;
  }
  if (Array.isArray(value)) return value.map((v, i) => replaceHandles(v, `${path}[${i}]`));
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = replaceHandles(v, `${path}.${k}`);
    return out;
  }
  return value;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The same function on the main thread, to merge partition results (reduce, fold). */
export async function localFunction(f: unknown): Promise<(...args: unknown[]) => unknown> {
  if (typeof f === 'function') return f as (...args: unknown[]) => unknown;
  if (f instanceof FunctionRef) {
    const mod = (await import(f.module)) as Record<string, unknown>;
    const exported = mod[f.exportName];
    if (typeof exported === 'function') return exported as (...args: unknown[]) => unknown;
  }
  throw errors.invalidArgument('function', 'a function or fn(module, exportName)', f);
}
