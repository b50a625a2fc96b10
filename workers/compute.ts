// computePartition: the batches of one RDD partition, Spark's RDD.iterator. It reads a cached
// block when the descriptor says so, otherwise computes from the node's kind, and tees the
// result into the node's side outputs: a cache block when persisted and computed here, a
// checkpoint part when marked for checkpoint (computed or read from cache alike).

import { statSync } from 'node:fs';
import { errors } from '../src/shared/errors.js';
import type { JoinHow, NodeCompute, PartitionDesc, PlanNode } from '../src/shared/protocol.js';
import { readPartFile } from '../src/shared/format/part-file.js';
import type { Batches } from './batch.js';
import { readCachedPartition } from './cached-read.js';
import { cartesianPartition, coalescePartition } from './multi-parent.js';
import { hashJoinPartition } from './hash-join.js';
import { applyNarrowOp } from './narrow-ops.js';
import { fusedRunOf, isStepOp, type FusedRun, type FusedStep } from './fused-steps.js';
import { fusedBatches } from './fused-loops.js';
import { cogroupPartition, shuffledPartition } from './shuffle-read.js';
import { blockSink, checkpointSink } from './side-sinks.js';
import { emptyPartition, parallelizePartition, rangePartition } from './sources.js';
import type { TaskContext } from './task-context.js';
import { FetchFailedError, tagFailedNode } from './task-errors.js';
import { textFilePartition } from './text-file.js';
import { compressedTextPartition } from './compressed-text.js';
import { textCodecOf } from '../src/shared/text-codecs.js';
import { wholeFilesPartition } from './whole-files.js';
import { zippedPartition } from './zip.js';

export function computePartition(ctx: TaskContext, desc: PartitionDesc): Batches {
  const node = ctx.node(desc.node);
  const batches =
    desc.kind === 'cached'
      ? readCachedPartition(ctx, desc, (fallback) => computeUncached(ctx, fallback))
      : computeUncached(ctx, desc);
  if (node.checkpoint === undefined) return batches;
  return ctx.tee(desc, batches, checkpointSink(ctx, node.id, desc.index, node.checkpoint));
}

/** A partition computed from its parents (a cached descriptor's fallback lands here too). */
function computeUncached(ctx: TaskContext, desc: PartitionDesc): Batches {
  if (desc.kind === 'cached') return computePartition(ctx, desc);
  const node = ctx.node(desc.node);
  const compute = (): Batches => attributed(node.id, computeByKind(ctx, node, desc));
  const level = node.storageLevel;
  if (level === undefined || level === 'NONE') return compute();
  return ctx.teeBlock(desc, compute, () => blockSink(ctx, node.id, desc.index, level));
}

type Desc<K extends PartitionDesc['kind']> = Extract<PartitionDesc, { kind: K }>;

function computeByKind(
  ctx: TaskContext,
  node: PlanNode,
  desc: Exclude<PartitionDesc, Desc<'cached'>>,
): Batches {
  switch (desc.kind) {
    case 'parallelize':
      return parallelizePartition(desc.data);
    case 'range':
      return rangePartition(desc.start, desc.end, desc.step);
    case 'textFile': {
      ctx.counters.bytesRead += Math.max(0, desc.end - desc.start);
      const codec = textCodecOf(desc.path);
      if (codec !== undefined) return compressedTextPartition(desc.path, codec);
      return textFilePartition(desc.path, desc.start, desc.end);
    }
    case 'wholeFiles':
      return wholeFilesPartition(
        desc.files,
        expectCompute(node, 'wholeFiles', desc).content,
        (n) => {
          ctx.counters.bytesRead += n;
        },
      );
    case 'empty':
      return emptyPartition();
    case 'narrow': {
      const { op } = expectCompute(node, 'narrow', desc);
      if (!isStepOp(op)) return applyNarrowOp(ctx, desc, op, computePartition(ctx, desc.parent));
      // The run of per-record steps ending here, as one loop (fused-steps.ts), inside the probe
      // of the join it reads when that join's partition goes nowhere else.
      const run = fusedRunOf(ctx, desc, 'any') as FusedRun;
      const join = plainJoinOf(ctx, run.input);
      if (join !== undefined) return computeJoin(ctx, join.desc, join.how, run.steps);
      return fusedBatches(run.steps, computePartition(ctx, run.input));
    }
    case 'union':
      // The union's partition is one of its parents' partitions, named by desc.parent.node.
      return computePartition(ctx, desc.parent);
    case 'coalesce':
      return coalescePartition(desc.parents, (parent) => computePartition(ctx, parent));
    case 'cartesian':
      return cartesianPartition(desc.left, desc.right, (parent) => computePartition(ctx, parent));
    case 'zipped':
      return zippedPartition(ctx, expectCompute(node, 'zipped', desc), desc, (parent) =>
        computePartition(ctx, parent),
      );
    case 'shuffled':
      return noteFetchFailure(
        ctx,
        shuffledPartition(ctx, expectCompute(node, 'shuffled', desc), desc),
      );
    case 'cogrouped': {
      const { join } = expectCompute(node, 'cogrouped', desc);
      if (join !== undefined) return computeJoin(ctx, desc, join, []);
      const computeParent = (parent: PartitionDesc): Batches => computePartition(ctx, parent);
      return noteFetchFailure(ctx, cogroupPartition(ctx, desc, computeParent));
    }
    case 'checkpointFile':
      ctx.counters.bytesRead += statSync(desc.path, { throwIfNoEntry: false })?.size ?? 0;
      return readPartFile(desc.path, {
        path: desc.path,
        rddId: desc.node,
        partitionIndex: desc.index,
      });
  }
}

/** A join's partition, then `steps` on each of its records (attributed to the join's RDD). */
function computeJoin(
  ctx: TaskContext,
  desc: Desc<'cogrouped'>,
  how: JoinHow,
  steps: readonly FusedStep[],
): Batches {
  const computeParent = (parent: PartitionDesc): Batches => computePartition(ctx, parent);
  const batches = noteFetchFailure(ctx, hashJoinPartition(ctx, desc, how, computeParent, steps));
  return steps.length === 0 ? batches : attributed(desc.node, batches);
}

/** `desc` when it is a join's partition that goes nowhere but to the steps after it. */
function plainJoinOf(
  ctx: TaskContext,
  desc: PartitionDesc,
): { desc: Desc<'cogrouped'>; how: JoinHow } | undefined {
  if (desc.kind !== 'cogrouped') return undefined;
  const node = ctx.node(desc.node);
  if (node.compute.kind !== 'cogrouped' || node.compute.join === undefined) return undefined;
  if (node.checkpoint !== undefined) return undefined;
  if (node.storageLevel !== undefined && node.storageLevel !== 'NONE') return undefined;
  return { desc, how: node.compute.join };
}

function expectCompute<K extends NodeCompute['kind']>(
  node: PlanNode,
  kind: K,
  desc: PartitionDesc,
): Extract<NodeCompute, { kind: K }> {
  if (node.compute.kind !== kind) {
    throw errors.internal(
      `a ${desc.kind} partition descriptor for RDD ${node.id}, whose plan computes ${node.compute.kind}`,
    );
  }
  return node.compute as Extract<NodeCompute, { kind: K }>;
}

/** Keeps a fetch failure on the task before any user code downstream can catch it. */
function* noteFetchFailure(ctx: TaskContext, batches: Batches): Batches {
  try {
    yield* batches;
  } catch (e) {
    if (e instanceof FetchFailedError) ctx.fetchFailure ??= e;
    throw e;
  }
}

/** Notes the RDD whose step threw (the innermost one wins, see task-errors.ts). */
function* attributed(node: number, batches: Batches): Generator<unknown[], void, undefined> {
  try {
    yield* batches;
  } catch (e) {
    tagFailedNode(e, node);
    throw e;
  }
}
