// env as user functions receive it: a task's own copy of the plan's env data with its handles
// placed where the shipped paths say (src/shared/env-wire.ts): live Broadcast/Accumulator handles
// and rebuilt functions. The data itself is never read for handles. Broadcast values are fetched
// and env functions rebuilt before a task runs, since `value` is a synchronous getter and env is
// bound synchronously.

import {
  placeHandles,
  type ShippedAccumulator,
  type ShippedCustomAccumulator,
  type ShippedEnv,
  type ShippedHandle,
} from '../src/shared/env-wire.js';
import type { ShippedFunction } from '../src/shared/shipped-function.js';

export interface EnvHandles {
  broadcast(id: number): unknown;
  accumulator(shipped: ShippedAccumulator): unknown;
  customAccumulator(shipped: ShippedCustomAccumulator): unknown;
  fn(shipped: ShippedFunction): unknown;
}

export interface EnvHandleUses {
  broadcasts: Set<number>;
  accumulators: Set<number>;
  /** Functions placed in env and custom accumulators' add, to be rebuilt with the plan's. */
  functions: ShippedFunction[];
}

/** Records the handles `env` ships into `into`; true when there is at least one. */
export function collectHandles(env: ShippedEnv, into: EnvHandleUses): boolean {
  for (const { handle } of env.handles) {
    switch (handle.kind) {
      case 'function':
        into.functions.push(handle.fn);
        break;
      case 'customAccumulator':
        into.functions.push(handle.add);
        break;
      case 'broadcast':
        into.broadcasts.add(handle.id);
        break;
      case 'accumulator':
        into.accumulators.add(handle.id);
        break;
    }
  }
  return env.handles.length > 0;
}

/** `data`, a task's copy of `env.data`, with live handles in their places. */
export function bindEnv(data: unknown, env: ShippedEnv, handles: EnvHandles): unknown {
  return placeHandles(data, env.handles, (handle) => bindHandle(handle, handles));
}

function bindHandle(handle: ShippedHandle, handles: EnvHandles): unknown {
  switch (handle.kind) {
    case 'broadcast':
      return handles.broadcast(handle.id);
    case 'accumulator':
      return handles.accumulator(handle);
    case 'customAccumulator':
      return handles.customAccumulator(handle);
    case 'function':
      return handles.fn(handle.fn);
  }
}
