// The reduce side of a shuffle (Spark's ShuffledRDD and CoGroupedRDD compute): reads this
// partition's block of every map output, then aggregates, sorts or streams the pairs. Any error
// while reading a block becomes a FetchFailedError naming that map output, so the scheduler
// regenerates it instead of retrying this task against the same missing data.

import { readFrames } from '../src/format/frames.js';
import type { CoGroupInput, NodeCompute, PartitionDesc, ShuffleBlockRef } from '../src/protocol.js';
import { compareKeys, keyOf, type MapKey } from '../src/rdd/keys.js';
import { asPair, BATCH_SIZE, batchesOf, materialize, type Batches } from './batch.js';
import { bindAggregator, combineAll } from './aggregator.js';
import { computePartition } from './compute.js';
import type { TaskContext } from './task-context.js';
import { FetchFailedError } from './task-errors.js';

type ShuffledCompute = Extract<NodeCompute, { kind: 'shuffled' }>;
type ShuffledDesc = Extract<PartitionDesc, { kind: 'shuffled' }>;
type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

export function* shuffledPartition(
  ctx: TaskContext,
  compute: ShuffledCompute,
  desc: ShuffledDesc,
): Batches {
  const input = countShuffleRead(ctx, desc.blocks, readShuffleBlocks(desc.blocks));
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
export function* cogroupPartition(ctx: TaskContext, desc: CoGroupedDesc): Batches {
  const n = desc.inputs.length;
  const groups = new Map<MapKey, [unknown, unknown[][]]>();
  desc.inputs.forEach((input, i) => {
    for (const batch of cogroupInput(ctx, input)) {
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

function cogroupInput(ctx: TaskContext, input: CoGroupInput): Batches {
  return input.kind === 'shuffle'
    ? countShuffleRead(ctx, input.blocks, readShuffleBlocks(input.blocks))
    : computePartition(ctx, input.parent);
}

/** TaskMetrics' shuffle read: the blocks' byte ranges and the records they decode to. */
function* countShuffleRead(ctx: TaskContext, blocks: ShuffleBlockRef[], input: Batches): Batches {
  for (const b of blocks) if (b.end > b.start) ctx.counters.shuffleReadBytes += b.end - b.start;
  for (const batch of input) {
    ctx.counters.shuffleReadRecords += batch.length;
    yield batch;
  }
}

export function* readShuffleBlocks(blocks: ShuffleBlockRef[]): Batches {
  for (const block of blocks) {
    if (block.end <= block.start) continue; // an empty bucket: nothing to open
    yield* readShuffleBlock(block);
  }
}

function* readShuffleBlock(block: ShuffleBlockRef): Batches {
  const where = { path: block.path, partitionIndex: block.reduceIndex };
  let frames: Iterator<unknown[]>;
  try {
    frames = readFrames(block.path, block.codec, block.start, block.end, where)[Symbol.iterator]();
  } catch (e) {
    throw new FetchFailedError(block, e);
  }
  try {
    for (;;) {
      let r: IteratorResult<unknown[]>;
      try {
        r = frames.next();
      } catch (e) {
        throw new FetchFailedError(block, e);
      }
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    frames.return?.();
  }
}
