// env as user functions receive it: the plan's env with Broadcast/Accumulator/function markers
// (which may sit anywhere in plain objects and arrays) replaced by live handles and rebuilt
// functions. Broadcast values are fetched and env functions rebuilt before a task runs, since
// `value` is a synchronous getter and env is bound synchronously.

import type {
  AccumulatorMarker,
  BroadcastMarker,
  CustomAccumulatorMarker,
  FunctionMarker,
} from '../src/shared/protocol.js';
import type { ShippedFunction } from '../src/shared/shipped-function.js';

export interface EnvHandles {
  broadcast(id: number): unknown;
  accumulator(id: number): unknown;
  customAccumulator(marker: CustomAccumulatorMarker): unknown;
  fn(shipped: ShippedFunction): unknown;
}

export interface EnvMarkers {
  broadcasts: Set<number>;
  accumulators: Set<number>;
  /** Their add functions are in `functions` too, to be rebuilt with env's. */
  customAccumulators: Map<number, CustomAccumulatorMarker>;
  functions: ShippedFunction[];
}

type Marker = BroadcastMarker | AccumulatorMarker | CustomAccumulatorMarker | FunctionMarker;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function asMarker(v: Record<string, unknown>): Marker | undefined {
  if (v.kind === 'kindling.function' && typeof v.fn === 'object' && v.fn !== null)
    return v as unknown as FunctionMarker;
  if (typeof v.id !== 'number') return undefined;
  if (v.kind === 'kindling.customAccumulator' && typeof v.add === 'object' && v.add !== null)
    return v as unknown as CustomAccumulatorMarker;
  if (v.kind === 'kindling.broadcast' || v.kind === 'kindling.accumulator') {
    return v as unknown as BroadcastMarker | AccumulatorMarker;
  }
  return undefined;
}

/** Records every marker in `env` into `into`; true when there was at least one. */
export function collectMarkers(env: unknown, into: EnvMarkers): boolean {
  if (Array.isArray(env)) {
    let found = false;
    for (const v of env) found = collectMarkers(v, into) || found;
    return found;
  }
  if (!isPlainObject(env)) return false;
  const marker = asMarker(env);
  if (marker !== undefined) {
    switch (marker.kind) {
      case 'kindling.function':
        into.functions.push(marker.fn);
        break;
      case 'kindling.customAccumulator':
        into.customAccumulators.set(marker.id, marker);
        into.functions.push(marker.add);
        break;
      case 'kindling.broadcast':
        into.broadcasts.add(marker.id);
        break;
      case 'kindling.accumulator':
        into.accumulators.add(marker.id);
        break;
    }
    return true;
  }
  let found = false;
  for (const v of Object.values(env)) found = collectMarkers(v, into) || found;
  return found;
}

/** `env` with markers replaced by handles; parts without markers are shared, not copied. */
export function bindEnv(env: unknown, handles: EnvHandles): unknown {
  if (Array.isArray(env)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < env.length; i++) {
      const v: unknown = env[i];
      const bound = bindEnv(v, handles);
      if (bound !== v) (out ??= env.slice())[i] = bound;
    }
    return out ?? env;
  }
  if (!isPlainObject(env)) return env;
  const marker = asMarker(env);
  if (marker !== undefined) {
    switch (marker.kind) {
      case 'kindling.broadcast':
        return handles.broadcast(marker.id);
      case 'kindling.accumulator':
        return handles.accumulator(marker.id);
      case 'kindling.customAccumulator':
        return handles.customAccumulator(marker);
      case 'kindling.function':
        return handles.fn(marker.fn);
    }
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(env)) {
    const bound = bindEnv(v, handles);
    if (bound !== v) (out ??= { ...env })[k] = bound;
  }
  return out ?? env;
}
