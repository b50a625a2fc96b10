// computePartition: the batches of one RDD partition, Spark's RDD.iterator. It reads a cached
// block when the descriptor says so, otherwise computes from the node's kind, and tees the
// result into the node's side outputs: a cache block when persisted and computed here, a
// checkpoint part when marked for checkpoint (computed or read from cache alike).

import { statSync } from 'node:fs';
import { errors } from '../src/shared/errors.js';
import type { NodeCompute, PartitionDesc, PlanNode } from '../src/shared/protocol.js';
import { readPartFile } from '../src/shared/format/part-file.js';
import type { Batches } from './batch.js';
import { readCachedPartition } from './cached-read.js';
import { cartesianPartition, coalescePartition } from './multi-parent.js';
import { hashJoinPartition } from './hash-join.js';
import { applyNarrowOp } from './narrow-ops.js';
import { fusedRunOf, isStepOp, type FusedRun } from './fused-steps.js';
import { fusedBatches } from './fused-loops.js';
import { cogroupPartition, shuffledPartition } from './shuffle-read.js';
import { blockSink, checkpointSink } from './side-sinks.js';
import { emptyPartition, parallelizePartition, rangePartition } from './sources.js';
import type { TaskContext } from './task-context.js';
import { FetchFailedError, tagFailedNode } from './task-errors.js';
import { textFilePartition } from './text-file.js';
import { gzipTextPartition, isGzipPath } from './gzip-text.js';
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
    case 'textFile':
      ctx.counters.bytesRead += Math.max(0, desc.end - desc.start);
      if (isGzipPath(desc.path)) return gzipTextPartition(desc.path);
      return textFilePartition(desc.path, desc.start, desc.end);
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
      // The run of per-record steps ending here, as one loop (fused-steps.ts).
      const run = fusedRunOf(ctx, desc, 'any') as FusedRun;
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
      const computeParent = (parent: PartitionDesc): Batches => computePartition(ctx, parent);
      return noteFetchFailure(
        ctx,
        join === undefined
          ? cogroupPartition(ctx, desc, computeParent)
          : hashJoinPartition(ctx, desc, join, computeParent),
      );
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
