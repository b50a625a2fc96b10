// The reduce side of a shuffle (Spark's ShuffledRDD and CoGroupedRDD compute): reads this
// partition's block of every map output (shuffle-block-reader.ts: any error while reading a
// block is a fetch failure naming that map output), then aggregates, sorts or streams the pairs.
// A cogroup's narrow inputs are computed by the function compute.ts passes in, so this
// module does not import compute.ts back.

import type { CoGroupInput, NodeCompute, PartitionDesc } from '../src/protocol.js';
import { compareKeys, keyOf, type MapKey } from '../src/rdd/keys.js';
import { asPair, BATCH_SIZE, batchesOf, materialize, type Batches } from './batch.js';
import { bindAggregator, combineAll } from './aggregator.js';
import type { TaskContext } from './task-context.js';
import { readShuffleBlocks } from './shuffle-block-reader.js';

type ShuffledCompute = Extract<NodeCompute, { kind: 'shuffled' }>;
type ShuffledDesc = Extract<PartitionDesc, { kind: 'shuffled' }>;
type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

export function* shuffledPartition(
  ctx: TaskContext,
  compute: ShuffledCompute,
  desc: ShuffledDesc,
): Batches {
  const input = readShuffleBlocks(desc.blocks);
  if (compute.aggregator === undefined && compute.sort === undefined) {
    yield* input;
    return;
  }
  let pairs: unknown[];
  if (compute.aggregator !== undefined) {
    const agg = bindAggregator(ctx, compute.aggregator);
    const where = `the shuffle into RDD ${desc.node}`;
    pairs = [...combineAll(input, agg, compute.mapSideCombine, where).values()];
  } else {
    pairs = materialize(input);
  }
  if (compute.sort !== undefined) {
    const sign = compute.sort.ascending ? 1 : -1;
    for (const p of pairs) asPair(p, 'sortByKey');
    // Array.prototype.sort is stable, so equal keys keep their arrival order.
    pairs.sort((a, b) => sign * compareKeys((a as unknown[])[0], (b as unknown[])[0]));
  }
  yield* batchesOf(pairs);
}

/** [key, [values of input 0, values of input 1, ...]] for every key of any input. */
export function* cogroupPartition(
  desc: CoGroupedDesc,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  const n = desc.inputs.length;
  const groups = new Map<MapKey, [unknown, unknown[][]]>();
  desc.inputs.forEach((input, i) => {
    for (const batch of cogroupInput(input, computeParent)) {
      for (const record of batch) {
        const [k, v] = asPair(record, 'cogroup');
        const mk = keyOf(k);
        let entry = groups.get(mk);
        if (entry === undefined) {
          entry = [k, Array.from({ length: n }, () => [])];
          groups.set(mk, entry);
        }
        entry[1][i]!.push(v);
      }
    }
  });
  let out: unknown[] = [];
  for (const entry of groups.values()) {
    out.push(entry);
    if (out.length >= BATCH_SIZE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

function cogroupInput(
  input: CoGroupInput,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  return input.kind === 'shuffle' ? readShuffleBlocks(input.blocks) : computeParent(input.parent);
}
