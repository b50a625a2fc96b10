// The reduce side of a shuffle (Spark's ShuffledRDD and CoGroupedRDD compute): reads this
// partition's block of every map output (shuffle-block-reader.ts: any error while reading a
// block is a fetch failure naming that map output), then aggregates, sorts or streams the
// pairs; the aggregation and the sort spill past the task's memory budget (external-map.ts,
// external-sorter.ts). A cogroup's narrow inputs are computed by the function compute.ts
// passes in, so this module does not import compute.ts back.

import type { CoGroupInput, NodeCompute, PartitionDesc } from '../src/shared/protocol.js';
import { compareKeys } from '../src/shared/keys.js';
import { asPair, type Batches } from './batch.js';
import { bindAggregator, combineExternally } from './aggregator.js';
import { ExternalAppendOnlyMap } from './external-map.js';
import { sortExternally } from './external-sorter.js';
import type { TaskContext } from './task-context.js';
import { countShuffleRead, readShuffleBlocks } from './shuffle-block-reader.js';

type ShuffledCompute = Extract<NodeCompute, { kind: 'shuffled' }>;
type ShuffledDesc = Extract<PartitionDesc, { kind: 'shuffled' }>;
type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

export function* shuffledPartition(
  ctx: TaskContext,
  compute: ShuffledCompute,
  desc: ShuffledDesc,
): Batches {
  let output: Batches = countShuffleRead(ctx, desc.blocks, readShuffleBlocks(desc.blocks));
  if (compute.aggregator !== undefined) {
    const agg = bindAggregator(ctx, compute.aggregator);
    const where = `the shuffle into RDD ${desc.node}`;
    output = combineExternally(ctx, output, agg, compute.mapSideCombine, where, desc.node);
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
    const create = (v: unknown): unknown[][] => {
      const lists: unknown[][] = [];
      for (let j = 0; j < n; j++) lists.push(j === i ? [v] : []);
      return lists;
    };
    const merge = (c: unknown, v: unknown): unknown => {
      ((c as unknown[][])[i] as unknown[]).push(v);
      return c;
    };
    for (const batch of cogroupInput(ctx, input, computeParent)) {
      for (const record of batch) {
        const [k, v] = asPair(record, 'cogroup');
        map.insert(k, v, create, merge);
      }
    }
  });
  yield* map.iterator();
}

function mergeLists(a: unknown, b: unknown): unknown {
  const x = a as unknown[][];
  const y = b as unknown[][];
  for (let i = 0; i < x.length; i++) for (const v of y[i] as unknown[]) (x[i] as unknown[]).push(v);
  return x;
}

/** One input of a cogroup or join: its shuffle blocks (counted as shuffle read) or its narrow parent. */
export function cogroupInput(
  ctx: TaskContext,
  input: CoGroupInput,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  return input.kind === 'shuffle'
    ? countShuffleRead(ctx, input.blocks, readShuffleBlocks(input.blocks))
    : computeParent(input.parent);
}
