// Before a job runs, every fn(module, exportName) it ships is imported on the main thread and
// its export checked, so a bad reference fails the action with INVALID_ARGUMENT naming module
// and export instead of failing every task attempt in the workers. The references a job ships
// are found in its plain plan data (lineage, shuffle dependencies, action): the ShippedFunction
// objects shipFunction made for a FunctionRef are remembered, so user data that merely looks
// like one is never taken for it.

import type { ShippedFunction } from '../shared/shipped-function.js';
import { checkFunctionRef, FunctionRef } from './fn.js';

const shippedRefs = new WeakSet<object>();
// One check per module and export for the process; a failed one is forgotten, so that a module
// fixed (or created) since is checked again by the next action.
const checks = new Map<string, Promise<void>>();

/** Called by shipFunction for each reference it ships. */
export function noteShippedRef(shipped: ShippedFunction): ShippedFunction {
  shippedRefs.add(shipped);
  return shipped;
}

/** Rejects with the first invalid reference found in `planData` (plain data, any depth). */
export async function checkShippedRefs(planData: unknown[]): Promise<void> {
  const found = new Map<string, ShippedFunction & { kind: 'ref' }>();
  visitPlanData(planData, (value) => {
    if (shippedRefs.has(value) && isRef(value))
      found.set(`${value.module}\u0000${value.exportName}`, value);
  });
  await Promise.all([...found].map(([key, ref]) => check(key, ref)));
}

/** Calls `visit` once on every array and plain object of `planData`, at any depth. */
export function visitPlanData(planData: unknown[], visit: (value: object) => void): void {
  const stack: unknown[] = [...planData];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    visit(value);
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (typeof item === 'object') stack.push(item);
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const item of Object.values(value)) if (typeof item === 'object') stack.push(item);
    }
  }
}

function check(key: string, ref: { module: string; exportName: string }): Promise<void> {
  let pending = checks.get(key);
  if (pending === undefined) {
    pending = checkFunctionRef(new FunctionRef(ref.module, ref.exportName));
    checks.set(key, pending);
    pending.catch(() => checks.delete(key));
  }
  return pending;
}

function isRef(value: object): value is ShippedFunction & { kind: 'ref' } {
  return 'kind' in value && value.kind === 'ref';
}
