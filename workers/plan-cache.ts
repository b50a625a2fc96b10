// Stage plans as a worker keeps them: pulled over the control plane once per worker per plan,
// with every user function rebuilt and the broadcasts they use fetched. Bounded LRU, since a
// long streaming job produces new plans forever. Broadcast values are kept for the worker's
// life: they are immutable per id, and a task must read them synchronously.

import { errors } from '../src/shared/errors.js';
import { functionPlansOf } from '../src/shared/plan-functions.js';
import type { FunctionPlan, PlanNode, StagePlan } from '../src/shared/protocol.js';
import { collectHandles, type EnvHandleUses } from './env.js';
import { functionKey, loadFunction, type UserFunction } from './functions.js';

/** The calls a worker makes to the main thread (a comlink proxy of ControlApi). */
export interface ControlClient {
  getPlan(planId: string): Promise<StagePlan>;
  getBroadcast(id: number): Promise<unknown>;
}

export interface LoadedPlan {
  plan: StagePlan;
  nodes: Map<number, PlanNode>;
  functions: Map<FunctionPlan, UserFunction>;
  /** FunctionPlans whose env ships handles, to bind per task; the others are used as is. */
  boundEnvs: Set<FunctionPlan>;
  /** Functions placed in env, rebuilt, by functionKey. */
  envFunctions: Map<string, UserFunction>;
  broadcastIds: number[];
  accumulatorIds: number[];
}

const PLAN_CACHE_SIZE = 32;
const plans = new Map<string, Promise<LoadedPlan>>();
const broadcasts = new Map<number, { value: unknown }>();
const broadcastFetches = new Map<number, Promise<void>>();

export async function getLoadedPlan(control: ControlClient, planId: string): Promise<LoadedPlan> {
  let entry = plans.get(planId);
  if (entry === undefined) {
    entry = control.getPlan(planId).then(loadPlan);
    plans.set(planId, entry);
    // A failed pull is not cached: the retried task asks again.
    entry.catch(() => plans.delete(planId));
    if (plans.size > PLAN_CACHE_SIZE) plans.delete(plans.keys().next().value as string);
  } else {
    // Map order is insertion order: re-inserting marks the plan most recently used.
    plans.delete(planId);
    plans.set(planId, entry);
  }
  const loaded = await entry;
  await fetchBroadcasts(control, loaded.broadcastIds);
  return loaded;
}

/** Rebuilds a plan's functions; exported for tests that run pipelines in-thread. */
export async function loadPlan(plan: StagePlan): Promise<LoadedPlan> {
  const functions = new Map<FunctionPlan, UserFunction>();
  const uses: EnvHandleUses = { broadcasts: new Set(), accumulators: new Set(), functions: [] };
  const boundEnvs = new Set<FunctionPlan>();
  for (const fp of functionPlansOf(plan)) {
    functions.set(fp, await loadFunction(fp.fn));
    if (collectHandles(fp.env, uses)) boundEnvs.add(fp);
  }
  const envFunctions = new Map<string, UserFunction>();
  for (const shipped of uses.functions)
    envFunctions.set(functionKey(shipped), await loadFunction(shipped));
  return {
    plan,
    nodes: new Map(plan.nodes.map((n) => [n.id, n])),
    functions,
    boundEnvs,
    envFunctions,
    broadcastIds: [...uses.broadcasts],
    accumulatorIds: [...uses.accumulators],
  };
}

export async function fetchBroadcasts(control: ControlClient, ids: number[]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const id of ids) {
    if (broadcasts.has(id)) continue;
    let fetch = broadcastFetches.get(id);
    if (fetch === undefined) {
      fetch = control.getBroadcast(id).then(
        (value) => {
          broadcasts.set(id, { value });
          broadcastFetches.delete(id);
        },
        (e: unknown) => {
          broadcastFetches.delete(id);
          throw e;
        },
      );
      broadcastFetches.set(id, fetch);
    }
    pending.push(fetch);
  }
  await Promise.all(pending);
}

/** A broadcast's value, which fetchBroadcasts must have brought in before the task ran. */
export function getBroadcastValue(id: number): unknown {
  const entry = broadcasts.get(id);
  if (entry === undefined) {
    throw errors.internal(`broadcast ${id} was used in a worker before it was fetched`);
  }
  return entry.value;
}
