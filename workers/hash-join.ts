// The reduce side of join, leftOuterJoin, rightOuterJoin and fullOuterJoin as Spark SQL's
// ShuffledHashJoinExec: the smaller input (fewer shuffle bytes) becomes a table of values by key,
// the other streams past it and each match is emitted at once. Cogrouping both sides and then
// pairing (Spark's PairRDDFunctions.join) kept every value of the larger side in per-key arrays
// until the partition ended: in a 4 M x 100 k join that grouping and its garbage were over half
// of the reduce stage. Output pairs are [key, [leftValue, rightValue]], the missing side of an
// outer join undefined; order within a partition is not specified (as in Spark). A build side
// past the task's memory budget falls back to the spilling cogroup (Spark SQL falls back to a
// sort-merge join), so a join partition may hold many times the heap.

import { errors } from '../src/shared/errors.js';
import type { CoGroupInput, JoinHow, PartitionDesc } from '../src/shared/protocol.js';
import { KeyTable } from '../src/shared/key-table.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { cogroupInput, cogroupPartition } from './shuffle-read.js';
import { estimateSize } from './size-estimator.js';
import { taskMemory } from './spill-files.js';
import type { TaskContext } from './task-context.js';

type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

/** A build-side key, its values, and whether a streamed record matched it (for outer joins). */
interface BuildEntry {
  key: unknown;
  values: unknown[];
  matched: boolean;
}

export function* hashJoinPartition(
  ctx: TaskContext,
  desc: CoGroupedDesc,
  how: JoinHow,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  const [left, right] = desc.inputs;
  if (left === undefined || right === undefined || desc.inputs.length !== 2) {
    throw errors.internal(`a join of RDD ${desc.node} has ${desc.inputs.length} inputs, not 2`);
  }
  // Build from the side with fewer shuffle bytes; a narrow input's size is unknown, so a
  // shuffled side is preferred over it, and the right side wins a tie (as Spark SQL builds right).
  const buildLeft = inputBytes(left) < inputBytes(right);
  const [build, stream] = buildLeft ? [left, right] : [right, left];
  const keepStream = how === 'full' || how === (buildLeft ? 'right' : 'left');
  const keepBuild = how === 'full' || how === (buildLeft ? 'left' : 'right');
  const where = 'join';

  const table = buildTable(ctx, build, where, computeParent);
  if (table === undefined) {
    yield* joinGroups(cogroupPartition(ctx, desc, computeParent), how);
    return;
  }

  let out: unknown[] = [];
  const pair = buildLeft
    ? (k: unknown, s: unknown, b: unknown): unknown => [k, [b, s]]
    : (k: unknown, s: unknown, b: unknown): unknown => [k, [s, b]];
  for (const batch of cogroupInput(ctx, stream, computeParent)) {
    for (let i = 0; i < batch.length; i++) {
      const [k, s] = asPair(batch[i], where);
      const entry = table.get(k);
      if (entry === undefined) {
        if (keepStream) out.push(pair(k, s, undefined));
      } else {
        entry.matched = true;
        const values = entry.values;
        for (let j = 0; j < values.length; j++) out.push(pair(k, s, values[j]));
      }
    }
    if (out.length >= BATCH_SIZE) {
      yield out;
      out = [];
    }
  }
  if (keepBuild) {
    for (const entry of table.values()) {
      if (entry.matched) continue;
      for (const b of entry.values) out.push(pair(entry.key, undefined, b));
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}

function inputBytes(input: CoGroupInput): number {
  if (input.kind === 'narrow') return Infinity;
  let bytes = 0;
  for (const b of input.blocks) if (b.kind === 'range') bytes += b.end - b.start;
  return bytes;
}

/** The build side by key, or undefined once its estimated size passes the task's budget. */
function buildTable(
  ctx: TaskContext,
  build: CoGroupInput,
  where: string,
  computeParent: (parent: PartitionDesc) => Batches,
): KeyTable<BuildEntry> | undefined {
  const budget = taskMemory(ctx).budgetBytes;
  const table = new KeyTable<BuildEntry>();
  let records = 0;
  let samples = 0;
  let averageBytes = 0;
  for (const batch of cogroupInput(ctx, build, computeParent)) {
    for (let i = 0; i < batch.length; i++) {
      const [k, v] = asPair(batch[i], where);
      const entry = table.get(k);
      if (entry === undefined) table.add(k, { key: k, values: [v], matched: false });
      else entry.values.push(v);
    }
    // The first record of each batch sampled for the average size (Spark's SizeTracker samples).
    const sample = batch[0];
    if (sample !== undefined) {
      records += batch.length;
      samples++;
      averageBytes += (estimateSize(sample) - averageBytes) / samples;
      if (records * (averageBytes + TABLE_ENTRY_BYTES) > budget) return undefined;
    }
  }
  return table;
}

// Per build record beyond the record itself: its slot in a value list and, for a new key, the
// table entry.
const TABLE_ENTRY_BYTES = 48;

/** Join pairs from cogrouped [key, [leftValues, rightValues]] records. */
function* joinGroups(groups: Batches, how: JoinHow): Batches {
  const keepLeft = how === 'left' || how === 'full';
  const keepRight = how === 'right' || how === 'full';
  let out: unknown[] = [];
  for (const batch of groups) {
    for (const group of batch) {
      const [k, [ls, rs]] = group as [unknown, [unknown[], unknown[]]];
      if (rs.length === 0) {
        if (keepLeft) for (const l of ls) out.push([k, [l, undefined]]);
      } else if (ls.length === 0) {
        if (keepRight) for (const r of rs) out.push([k, [undefined, r]]);
      } else {
        for (const l of ls) for (const r of rs) out.push([k, [l, r]]);
      }
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}
