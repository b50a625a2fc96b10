// The reduce side of a shuffle (Spark's ShuffledRDD and CoGroupedRDD compute): reads this
// partition's block of every map output (shuffle-block-reader.ts: any error while reading a
// block is a fetch failure naming that map output), then aggregates, sorts or streams the
// pairs; the aggregation and the sort spill past the task's memory budget (external-map.ts,
// external-sorter.ts). A cogroup's narrow inputs are computed by the function compute.ts
// passes in, so this module does not import compute.ts back.

import type {
  AggregatorPlan,
  CoGroupInput,
  NodeCompute,
  PartitionDesc,
} from '../src/shared/protocol.js';
import { compareKeys } from '../src/shared/keys.js';
import { asPair, type Batches } from './batch.js';
import { aggregatorFold, bindAggregator } from './aggregator.js';
import { ExternalAppendOnlyMap, type Fold } from './external-map.js';
import { sortExternally } from './external-sorter.js';
import { pairColumnsOf, type PairBatches } from './pair-columns.js';
import type { TaskContext } from './task-context.js';
import { countShuffleRead, readShuffleBlocks, readShufflePairs } from './shuffle-block-reader.js';

type ShuffledCompute = Extract<NodeCompute, { kind: 'shuffled' }>;
type ShuffledDesc = Extract<PartitionDesc, { kind: 'shuffled' }>;
type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

export function* shuffledPartition(
  ctx: TaskContext,
  compute: ShuffledCompute,
  desc: ShuffledDesc,
): Batches {
  let output: Batches;
  if (compute.aggregator !== undefined) {
    const pairs = readShufflePairs(ctx, desc.blocks, `the shuffle into RDD ${desc.node}`);
    output = combinePairs(ctx, pairs, compute.aggregator, compute.mapSideCombine, desc.node);
  } else {
    output = countShuffleRead(ctx, desc.blocks, readShuffleBlocks(desc.blocks));
  }
  if (compute.sort !== undefined) {
    const sign = compute.sort.ascending ? 1 : -1;
    output = sortExternally(
      ctx,
      checkedPairs(output, 'sortByKey'),
      (a, b) => sign * compareKeys((a as unknown[])[0], (b as unknown[])[0]),
    );
  }
  yield* output;
}

/**
 * [key, combiner] batches of every key of `input` (pairs of [key, value], or [key, combiner]
 * when `combined`), spilling past the task's memory budget (Spark's Aggregator.combineValuesByKey
 * and combineCombinersByKey over an ExternalAppendOnlyMap).
 */
function* combinePairs(
  ctx: TaskContext,
  input: PairBatches,
  plan: AggregatorPlan,
  combined: boolean,
  rddId: number,
): Batches {
  const map = new ExternalAppendOnlyMap(ctx, bindAggregator(ctx, plan).mergeCombiners, rddId);
  const fold = aggregatorFold(ctx, plan, combined);
  for (const batch of input) map.insertAll(batch, fold);
  yield* map.iterator();
}

function* checkedPairs(input: Batches, where: string): Batches {
  for (const batch of input) {
    for (let i = 0; i < batch.length; i++) asPair(batch[i], where);
    yield batch;
  }
}

/** [key, [values of input 0, values of input 1, ...]] for every key of any input. */
export function* cogroupPartition(
  ctx: TaskContext,
  desc: CoGroupedDesc,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  const n = desc.inputs.length;
  // Spark's CoGroupedRDD: an ExternalAppendOnlyMap of per-input value lists, so one
  // partition of a join may hold many times the task's memory.
  const map = new ExternalAppendOnlyMap(ctx, mergeLists, desc.node);
  desc.inputs.forEach((input, i) => {
    const fold: Fold = { create: listsWith, createArg: { i, n }, merge: appendTo, mergeArg: i };
    for (const batch of cogroupInput(ctx, input, computeParent)) map.insertAll(batch, fold);
  });
  yield* map.iterator();
}

/** A cogroup's first value of a key: n lists, `v` alone in input i's. */
function listsWith(v: unknown, arg: unknown): unknown[][] {
  const { i, n } = arg as { i: number; n: number };
  const lists: unknown[][] = [];
  for (let j = 0; j < n; j++) lists.push(j === i ? [v] : []);
  return lists;
}

/** Another value of the key from input `i`. */
function appendTo(c: unknown, v: unknown, i: unknown): unknown {
  ((c as unknown[][])[i as number] as unknown[]).push(v);
  return c;
}

function mergeLists(a: unknown, b: unknown): unknown {
  const x = a as unknown[][];
  const y = b as unknown[][];
  for (let i = 0; i < x.length; i++) for (const v of y[i] as unknown[]) (x[i] as unknown[]).push(v);
  return x;
}

/**
 * One input of a cogroup or join as pair columns: its shuffle blocks (counted as shuffle read)
 * or its narrow parent, each record checked as a pair.
 */
export function cogroupInput(
  ctx: TaskContext,
  input: CoGroupInput,
  computeParent: (parent: PartitionDesc) => Batches,
  where = 'cogroup',
): PairBatches {
  return input.kind === 'shuffle'
    ? readShufflePairs(ctx, input.blocks, where)
    : pairColumnsOf(computeParent(input.parent), where);
}
