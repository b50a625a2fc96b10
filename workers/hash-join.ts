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
import { BATCH_SIZE, type Batches } from './batch.js';
import { JoinTable } from './join-table.js';
import { fusedBatches, joinLoop, loopInputs } from './fused-loops.js';
import type { FusedStep } from './fused-steps.js';
import { cogroupInput, cogroupPartition } from './shuffle-read.js';
import type { TaskContext } from './task-context.js';

type CoGroupedDesc = Extract<PartitionDesc, { kind: 'cogrouped' }>;

export function* hashJoinPartition(
  ctx: TaskContext,
  desc: CoGroupedDesc,
  how: JoinHow,
  computeParent: (parent: PartitionDesc) => Batches,
  steps: readonly FusedStep[] = [],
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

  const table = JoinTable.build(ctx, desc.node, build, where, computeParent);
  if (table === undefined) {
    yield* fusedBatches(steps, joinGroups(cogroupPartition(ctx, desc, computeParent), how));
    return;
  }

  let out: unknown[] = [];
  // Streamed pairs come as columns (no [key, value] array a record); each match goes through
  // the steps fused after the join (fused-loops.ts) at once, values of a key in the order they
  // arrived. Output is handed on at BATCH_SIZE (the probe stops there), not per input frame (up
  // to 64 k records): output that lives until the frame ends survives scavenges, and copying it
  // is most of their cost.
  const probe = joinLoop(steps);
  const inputs = loopInputs(steps, where);
  const sides = { buildLeft, keepStream };
  for (const batch of cogroupInput(ctx, stream, computeParent, where)) {
    const n = batch.keys.length;
    for (let from = 0; from < n;) {
      from = probe(batch, from, n, table, sides, out, inputs);
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
  if (keepBuild) yield* fusedBatches(steps, unmatched(table, buildLeft));
}

/** The output records of build values no streamed record matched. */
function* unmatched(table: JoinTable, buildLeft: boolean): Batches {
  let out: unknown[] = [];
  for (const entry of table.values()) {
    if (entry.matched) continue;
    out.push(joined(entry.key, undefined, entry.value, buildLeft));
    for (const b of entry.more ?? []) out.push(joined(entry.key, undefined, b, buildLeft));
    if (out.length >= BATCH_SIZE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** The output record of a streamed value `s` and a build value `b` of key `k`. */
function joined(k: unknown, s: unknown, b: unknown, buildLeft: boolean): unknown {
  return buildLeft ? [k, [b, s]] : [k, [s, b]];
}

function inputBytes(input: CoGroupInput): number {
  if (input.kind === 'narrow') return Infinity;
  let bytes = 0;
  for (const b of input.blocks) if (b.kind === 'range') bytes += b.end - b.start;
  return bytes;
}

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
