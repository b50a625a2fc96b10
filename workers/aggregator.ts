// Combining values by key (Spark's Aggregator): shared by map-side combine (in memory, spilled
// by record count in shuffle-write) and the reduce side (ExternalAppendOnlyMap, by bytes). Keys are grouped by value through keyOf;
// each entry is the output record [key, combiner] itself, updated in place.

import { errors } from '../src/shared/errors.js';
import type { AggregatorPlan } from '../src/shared/protocol.js';
import { keyOf, type MapKey } from '../src/shared/keys.js';
import { asPair, type Batches } from './batch.js';
import { ExternalAppendOnlyMap } from './external-map.js';
import type { TaskContext } from './task-context.js';

export interface BoundAggregator {
  createCombiner: (v: unknown) => unknown;
  mergeValue: (c: unknown, v: unknown) => unknown;
  mergeCombiners: (a: unknown, b: unknown) => unknown;
}

export type CombinedMap = Map<MapKey, [unknown, unknown]>;

export function bindAggregator(ctx: TaskContext, plan: AggregatorPlan): BoundAggregator {
  const mergeValue = ctx.fn(plan.mergeValue);
  const mergeValueEnv = ctx.env(plan.mergeValue);
  const mergeCombiners = ctx.fn(plan.mergeCombiners);
  const mergeCombinersEnv = ctx.env(plan.mergeCombiners);
  let createCombiner: (v: unknown) => unknown;
  if (plan.createCombiner !== undefined) {
    const f = ctx.fn(plan.createCombiner);
    const env = ctx.env(plan.createCombiner);
    createCombiner = (v) => f(v, env);
  } else if (plan.zero !== undefined) {
    // aggregateByKey/foldByKey: each key starts from its own copy of the zero value.
    const zero = plan.zero;
    createCombiner = (v) => mergeValue(structuredClone(zero.value), v, mergeValueEnv);
  } else {
    throw errors.invalidArgument('aggregator', 'a createCombiner function or a zero value', plan);
  }
  return {
    createCombiner,
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
  const [k, v] = asPair(record, where);
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
      const [k, v] = asPair(batch[i], where);
      map.insert(k, v, create, merge);
    }
  }
  yield* map.iterator();
}
