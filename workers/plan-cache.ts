// Stage plans as a worker keeps them: pulled over the control plane once per worker per plan,
// with every user function rebuilt and the broadcasts they use fetched. Bounded LRU, since a
// long streaming job produces new plans forever. Broadcast values are kept for the worker's
// life: they are immutable per id, and a task must read them synchronously.

import { errors } from '../src/shared/errors.js';
import type {
  AggregatorPlan,
  FunctionPlan,
  PlanNode,
  ResultAction,
  StagePlan,
} from '../src/shared/protocol.js';
import { collectMarkers, type EnvMarkers } from './env.js';
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
  /** FunctionPlans whose env holds markers, to rebind per task; the others are used as is. */
  markedEnvs: Set<FunctionPlan>;
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
  const functionPlans = listFunctionPlans(plan);
  const functions = new Map<FunctionPlan, UserFunction>();
  const markers: EnvMarkers = {
    broadcasts: new Set(),
    accumulators: new Set(),
    customAccumulators: new Map(),
    functions: [],
  };
  const markedEnvs = new Set<FunctionPlan>();
  for (const fp of functionPlans) {
    functions.set(fp, await loadFunction(fp.fn));
    if (collectMarkers(fp.env, markers)) markedEnvs.add(fp);
  }
  const envFunctions = new Map<string, UserFunction>();
  for (const shipped of markers.functions)
    envFunctions.set(functionKey(shipped), await loadFunction(shipped));
  return {
    plan,
    nodes: new Map(plan.nodes.map((n) => [n.id, n])),
    functions,
    markedEnvs,
    envFunctions,
    broadcastIds: [...markers.broadcasts],
    accumulatorIds: [...markers.accumulators],
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

function listFunctionPlans(plan: StagePlan): FunctionPlan[] {
  const out: FunctionPlan[] = [];
  const addAggregator = (a: AggregatorPlan): void => {
    if (a.createCombiner !== undefined) out.push(a.createCombiner);
    out.push(a.mergeValue, a.mergeCombiners);
  };
  for (const node of plan.nodes) {
    const c = node.compute;
    if (c.kind === 'narrow' && 'f' in c.op) out.push(c.op.f);
    if (c.kind === 'narrow' && c.op.kind === 'combineByKey') addAggregator(c.op.aggregator);
    if (c.kind === 'zipped' && c.f !== undefined) out.push(c.f);
    if (c.kind === 'shuffled' && c.aggregator !== undefined) addAggregator(c.aggregator);
  }
  if (plan.output.kind === 'shuffleMap') {
    if (plan.output.combine !== undefined) addAggregator(plan.output.combine);
    if (plan.output.partitioner.kind === 'custom') out.push(plan.output.partitioner.f);
  } else {
    out.push(...actionFunctions(plan.output.action));
  }
  return out;
}

function actionFunctions(action: ResultAction): FunctionPlan[] {
  switch (action.kind) {
    case 'reduce':
    case 'foreach':
    case 'foreachPartition':
      return [action.f];
    case 'aggregate':
      return [action.seqOp];
    case 'takeOrdered':
      return action.order.kind === 'natural' ? [] : [action.order.f];
    case 'collect':
    case 'count':
    case 'countByValue':
    case 'drain':
    case 'take':
    case 'sampleKeys':
    case 'lookup':
    case 'saveAsTextFile':
    case 'saveAsObjectFile':
    case 'hllRegisters':
      return [];
  }
}
