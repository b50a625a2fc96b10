// Broadcast and accumulator handles a job ships in env, checked against the Context running the
// job. Handle ids are per Context, so a worker would read another Context's handle as this
// one's of the same id: its value, its updates merged into this Context's accumulator. The
// ShippedHandle each handle became is remembered with its handle and env path, and found again
// in the job's plain plan data by identity (as ref-check finds fn() references).

import { errors } from '../shared/errors.js';
import { visitPlanData } from '../shipping/ref-check.js';
import { Broadcast } from './broadcast.js';
import type { Accumulator } from './accumulator.js';
import type { CustomAccumulator } from './custom-accumulator.js';

export type EnvHandle = Broadcast<unknown> | Accumulator | CustomAccumulator<unknown, unknown>;

const placements = new WeakMap<object, { handle: EnvHandle; path: string }>();

/** Called by prepareEnv for each handle it ships; `path` names it: rdd.map opts.env.b. */
export function noteEnvHandle<S extends object>(shipped: S, handle: EnvHandle, path: string): S {
  placements.set(shipped, { handle, path });
  return shipped;
}

/** Throws INVALID_ARGUMENT naming the first handle in `planData` that `isOwn` refuses. */
export function checkEnvHandles(planData: unknown[], isOwn: (handle: EnvHandle) => boolean): void {
  visitPlanData(planData, (value) => {
    const placed = placements.get(value);
    if (placed === undefined || isOwn(placed.handle)) return;
    const { handle, path } = placed;
    const kind = handle instanceof Broadcast ? 'Broadcast' : 'Accumulator';
    const label =
      handle instanceof Broadcast || handle.name === undefined ? '' : ` (${handle.name})`;
    throw errors.handleOfAnotherContext(path, kind, `${kind} ${handle.id}${label}`);
  });
}
