// A function's env as it crosses a thread (and, in cluster mode, Redis): the user's data as
// given, and beside it the handles (Broadcast, Accumulator, a function) with the path of each.
// A worker puts handles only where the paths say and never reads the data for them, so no value
// a user can build is taken for a handle (env used to carry { kind: 'kindling.broadcast', id }
// objects in place, found by their shape: a user's object of that shape became a broadcast).
// Built by shipEnv on the main thread, read by placeHandles in workers and by the control store.

import { errors, type KindlingError } from './errors.js';
import type { ShippedFunction } from './shipped-function.js';

export interface ShippedBroadcast {
  kind: 'broadcast';
  id: number;
}
/** A numeric accumulator: `type` says what its task handle accepts (accumulator-values.ts). */
export interface ShippedAccumulator {
  kind: 'accumulator';
  id: number;
  type: 'long' | 'double';
  name?: string;
}
/**
 * A custom accumulator (ctx.accumulator(zero, add, merge)): each task adds into its own
 * structuredClone of `zero` with `add`, and the main thread merges what a successful task sends.
 */
export interface ShippedCustomAccumulator {
  kind: 'customAccumulator';
  id: number;
  name?: string;
  zero: unknown;
  add: ShippedFunction;
}
/** A function placed in env: shipped like a callback, bound to the rebuilt function per task. */
export interface ShippedEnvFunction {
  kind: 'function';
  fn: ShippedFunction;
}
export type ShippedHandle =
  ShippedBroadcast | ShippedAccumulator | ShippedCustomAccumulator | ShippedEnvFunction;

/** Own property names from env down to a handle's place; [] when the handle is env itself. */
export type EnvPath = string[];

export interface ShippedEnv {
  /** The user's env as structured clone will copy it, each handle's place holding null. */
  data: unknown;
  handles: { path: EnvPath; handle: ShippedHandle }[];
}

/** How the main thread tells its handles from data and ships them (rdd/user-function.ts). */
export interface HandleShipper {
  isHandle(value: unknown): boolean;
  /** `where` names the value in errors: rdd.map opts.env.helpers.double. */
  ship(value: unknown, where: string): ShippedHandle;
}

const shippedEnvs = new WeakSet<object>();

/**
 * `env` shipped from `where` (rdd.map opts.env). Most envs hold no handle: a first pass
 * (holdsHandle) says so, and such an env is shipped as it is (an env holding a lookup array of
 * a million numbers costs one pass over it, no copy; prepareEnv's one structured clone is the
 * snapshot). Otherwise arrays and plain objects are copied with their handles
 * taken out, an object met twice copied once, so sharing and cycles arrive as structured clone
 * keeps them. Any other value is data as it is; a handle inside one (a Map, a Set, a class
 * instance) is refused, since the clone would turn it into plain data. A ShippedEnv made here
 * before (a streaming kernel's env holds its user's) is spliced in, its paths extended. The path
 * to the value being walked is kept in one stack, and a handle's path and name are made from it
 * only when one is met.
 */
export function shipEnv(env: unknown, where: string, shipper: HandleShipper): ShippedEnv {
  const shipped: ShippedEnv = holdsHandle(env, where, shipper)
    ? withoutHandles(env, where, shipper)
    : { data: env, handles: [] };
  shippedEnvs.add(shipped);
  return shipped;
}

/**
 * The first pass: whether withoutHandles would meet a handle or a ShippedEnv, visiting what it
 * visits in the same order and stopping at the first. A handle inside a Map, a Set or a class
 * instance met before is refused here as withoutHandles would refuse it.
 */
function holdsHandle(env: unknown, where: string, shipper: HandleShipper): boolean {
  const seen = new Set<object>();
  const keys: (string | number)[] = [];
  const visit = (value: unknown): boolean => {
    if (shipper.isHandle(value)) return true;
    if (typeof value !== 'object' || value === null || seen.has(value)) return false;
    if (shippedEnvs.has(value)) return true;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v !== 'object' && typeof v !== 'function') continue;
        keys.push(i);
        if (visit(v)) return true;
        keys.pop();
      }
      return false;
    }
    if (!isPlainObject(value)) {
      refuseHandlesIn(value, labelOf(where, keys), shipper);
      return false;
    }
    for (const [key, v] of Object.entries(value)) {
      keys.push(key);
      if (visit(v)) return true;
      keys.pop();
    }
    return false;
  };
  return visit(env);
}

/** The copying pass of shipEnv: data with each handle's place null, and the handles. */
function withoutHandles(env: unknown, where: string, shipper: HandleShipper): ShippedEnv {
  const handles: ShippedEnv['handles'] = [];
  const copies = new Map<object, unknown>();
  const keys: (string | number)[] = [];
  const pathHere = (): EnvPath => keys.map(String);
  const walk = (value: unknown): unknown => {
    if (shipper.isHandle(value)) {
      handles.push({ path: pathHere(), handle: shipper.ship(value, labelOf(where, keys)) });
      return null;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (copies.has(value)) return copies.get(value);
    if (shippedEnvs.has(value)) {
      const inner = value as ShippedEnv;
      // Spliced at every place it is met: its data may be a handle's place itself (null).
      const path = pathHere();
      for (const h of inner.handles) handles.push({ path: [...path, ...h.path], handle: h.handle });
      return inner.data;
    }
    if (Array.isArray(value)) return walkArray(value);
    if (!isPlainObject(value)) {
      refuseHandlesIn(value, labelOf(where, keys), shipper);
      return value;
    }
    const out: object = {};
    copies.set(value, out);
    for (const [key, v] of Object.entries(value)) {
      keys.push(key);
      // Defined, not assigned: an own '__proto__' key stays a key.
      Object.defineProperty(out, key, dataProperty(walk(v)));
      keys.pop();
    }
    return out;
  };
  const walkArray = (value: unknown[]): unknown[] => {
    const out = new Array<unknown>(value.length);
    copies.set(value, out);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'object' && typeof v !== 'function') {
        // `i in value` keeps a hole a hole.
        if (v !== undefined || i in value) out[i] = v;
        continue;
      }
      keys.push(i);
      out[i] = walk(v);
      keys.pop();
    }
    return out;
  };
  return { data: walk(env), handles };
}

/** How errors name the value at `keys` below `where`: opts.env.helpers[2].double. */
function labelOf(where: string, keys: readonly (string | number)[]): string {
  return keys.reduce<string>(
    (label, k) => (typeof k === 'number' ? `${label}[${k}]` : `${label}.${k}`),
    where,
  );
}

/** A task's own copy of an env's data with each handle, as `bind` makes it, in its place. */
export function placeHandles(
  data: unknown,
  handles: ShippedEnv['handles'],
  bind: (handle: ShippedHandle) => unknown,
): unknown {
  let root = data;
  for (const { path, handle } of handles) {
    const value = bind(handle);
    const last = path.at(-1);
    if (last === undefined) {
      root = value;
      continue;
    }
    let parent = root;
    for (const key of path.slice(0, -1)) parent = ownValue(parent, key, path);
    if (typeof parent !== 'object' || parent === null) throw noPlace(path);
    Object.defineProperty(parent, last, dataProperty(value));
  }
  return root;
}

function ownValue(parent: unknown, key: string, path: EnvPath): unknown {
  const own =
    typeof parent === 'object' && parent !== null
      ? Object.getOwnPropertyDescriptor(parent, key)
      : undefined;
  if (own === undefined) throw noPlace(path);
  return own.value;
}

function noPlace(path: EnvPath): KindlingError {
  return errors.internal(`env has no place ${JSON.stringify(path)} for a handle`);
}

function dataProperty(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws INVALID_ARGUMENT at the first handle anywhere inside `value`. */
function refuseHandlesIn(value: object, at: string, shipper: HandleShipper): void {
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (shipper.isHandle(v)) {
      throw errors.invalidArgument(
        at,
        'a Broadcast, Accumulator or function as env itself or in its plain objects and arrays ' +
          '(in a Map, a Set or a class instance it cannot travel as one)',
        v,
      );
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else for (const x of Object.values(v)) stack.push(x);
  }
}
