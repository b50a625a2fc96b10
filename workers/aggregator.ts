// Combining values by key (Spark's Aggregator): shared by map-side combine (in memory, spilled
// by record count in shuffle-write) and the reduce side (ExternalAppendOnlyMap, by bytes). Keys are grouped by value through keyOf;
// each entry is the output record [key, combiner] itself, updated in place.

import { errors } from '../src/shared/errors.js';
import type { AggregatorPlan } from '../src/shared/protocol.js';
import { keyOf, type MapKey } from '../src/shared/keys.js';
import { asPair, type Batches } from './batch.js';
import { ExternalAppendOnlyMap, type Fold } from './external-map.js';
import type { UserFunction } from './functions.js';
import type { TaskContext } from './task-context.js';

export interface BoundAggregator {
  createCombiner: (v: unknown) => unknown;
  mergeValue: (c: unknown, v: unknown) => unknown;
  mergeCombiners: (a: unknown, b: unknown) => unknown;
}

export type CombinedMap = Map<MapKey, [unknown, unknown]>;

/**
 * An aggregator's user functions themselves with this task's envs, for loops that call them
 * directly: the functions are the same objects in every task of a stage, so optimized code that
 * inlined them stays valid from task to task (closures made per task, as bindAggregator's, had
 * V8 throw away the map-side combine loop's optimized code at each worker's second task).
 */
export interface AggregatorCalls {
  /** Absent for aggregateByKey/foldByKey: mergeValue on a copy of `zero` instead. */
  createCombiner: UserFunction | undefined;
  createCombinerEnv: unknown;
  zero: unknown;
  mergeValue: UserFunction;
  mergeValueEnv: unknown;
}

export function aggregatorCalls(ctx: TaskContext, plan: AggregatorPlan): AggregatorCalls {
  if (plan.createCombiner === undefined && plan.zero === undefined) {
    throw errors.invalidArgument('aggregator', 'a createCombiner function or a zero value', plan);
  }
  return {
    createCombiner: plan.createCombiner === undefined ? undefined : ctx.fn(plan.createCombiner),
    createCombinerEnv: plan.createCombiner === undefined ? undefined : ctx.env(plan.createCombiner),
    zero: plan.zero?.value,
    mergeValue: ctx.fn(plan.mergeValue),
    mergeValueEnv: ctx.env(plan.mergeValue),
  };
}

/**
 * The Fold (external-map.ts) of the reduce side: of values (mergeValue) or, after a map-side
 * combine, of combiners (mergeCombiners), with the user's functions called directly.
 */
export function aggregatorFold(ctx: TaskContext, plan: AggregatorPlan, combined: boolean): Fold {
  if (combined) {
    return {
      create: keepCombiner,
      createArg: undefined,
      merge: ctx.fn(plan.mergeCombiners),
      mergeArg: ctx.env(plan.mergeCombiners),
    };
  }
  const calls = aggregatorCalls(ctx, plan);
  return {
    create: calls.createCombiner ?? combinerFromZero,
    createArg: calls.createCombiner === undefined ? calls : calls.createCombinerEnv,
    merge: calls.mergeValue,
    mergeArg: calls.mergeValueEnv,
  };
}

function keepCombiner(c: unknown): unknown {
  return c;
}

function combinerFromZero(v: unknown, calls: unknown): unknown {
  return createCombinerWith(calls as AggregatorCalls, v);
}

/** The combiner of a key's first value (Spark's createCombiner). */
export function createCombinerWith(calls: AggregatorCalls, v: unknown): unknown {
  // aggregateByKey/foldByKey: each key starts from its own copy of the zero value.
  return calls.createCombiner !== undefined
    ? calls.createCombiner(v, calls.createCombinerEnv)
    : calls.mergeValue(structuredClone(calls.zero), v, calls.mergeValueEnv);
}

export function bindAggregator(ctx: TaskContext, plan: AggregatorPlan): BoundAggregator {
  const calls = aggregatorCalls(ctx, plan);
  const { mergeValue, mergeValueEnv } = calls;
  const mergeCombiners = ctx.fn(plan.mergeCombiners);
  const mergeCombinersEnv = ctx.env(plan.mergeCombiners);
  return {
    createCombiner: (v) => createCombinerWith(calls, v),
    mergeValue: (c, v) => mergeValue(c, v, mergeValueEnv),
    mergeCombiners: (a, b) => mergeCombiners(a, b, mergeCombinersEnv),
  };
}

/** Adds one [key, value] pair, or [key, combiner] pair when `combined`. */
export function combineInto(
  map: CombinedMap,
  agg: BoundAggregator,
  record: unknown,
  combined: boolean,
  where: string,
): void {
  const pair = asPair(record, where);
  const k = pair.at(0);
  const v = pair.at(1);
  const mk = keyOf(k);
  const entry = map.get(mk);
  if (entry === undefined) {
    map.set(mk, [k, combined ? v : agg.createCombiner(v)]);
  } else {
    entry[1] = combined ? agg.mergeCombiners(entry[1], v) : agg.mergeValue(entry[1], v);
  }
}

/** [key, combiner] batches of every key of `batches`, spilling past the task's memory budget. */
export function* combineExternally(
  ctx: TaskContext,
  batches: Batches,
  agg: BoundAggregator,
  combined: boolean,
  where: string,
  rddId: number,
): Batches {
  const map = new ExternalAppendOnlyMap(ctx, agg.mergeCombiners, rddId);
  const create = combined ? (c: unknown): unknown => c : agg.createCombiner;
  const merge = combined ? agg.mergeCombiners : agg.mergeValue;
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i++) {
      const pair = asPair(batch[i], where);
      map.insert(pair.at(0), pair.at(1), create, merge);
    }
  }
  yield* map.iterator();
}
