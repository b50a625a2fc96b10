// The run of per-record narrow RDDs (map, filter, keyBy, mapValues, keys, values) that ends at
// a partition, which a worker runs as one generated loop (fused-loops.ts) instead of one loop
// and one batch array a step: Spark's whole-stage code generation, in small. An RDD joins the
// run only when its records go nowhere else: not persisted, not checkpointed, not read from a
// cached block. The run's top RDD may have side outputs: computePartition tees what it yields.

import type { FunctionPlan, NarrowOp, PartitionDesc } from '../src/shared/protocol.js';
import type { UserFunction } from './functions.js';
import type { TaskContext } from './task-context.js';

export type StepKind = 'map' | 'filter' | 'keyBy' | 'mapValues' | 'keys' | 'values';

/** One fused RDD: what it does to a record, with the function and env it calls. */
export interface FusedStep {
  kind: StepKind;
  /** Undefined for keys and values. */
  f: UserFunction | undefined;
  env: unknown;
  /** The RDD, named by an error its step throws. */
  node: number;
}

/** Steps innermost first, and the partition they read. */
export interface FusedRun {
  steps: FusedStep[];
  input: PartitionDesc;
}

// Longer runs are cut into loops of this many steps: one generated function per thousand
// chained maps would be past the size V8 optimizes.
const MAX_STEPS = 32;

const STEP_KINDS = new Set<string>(['map', 'filter', 'keyBy', 'mapValues', 'keys', 'values']);

type StepOp =
  { kind: 'map' | 'filter' | 'keyBy' | 'mapValues'; f: FunctionPlan } | { kind: 'keys' | 'values' };

export function isStepOp(op: NarrowOp): op is StepOp & NarrowOp {
  return STEP_KINDS.has(op.kind);
}

/**
 * The run that ends at `desc` (whose own side outputs its caller handles when `top` may have
 * them, see header), or undefined when `desc` is not a per-record step. With `top: 'plain'`
 * the top RDD itself must have no side outputs either (its records are consumed in the loop).
 */
export function fusedRunOf(
  ctx: TaskContext,
  desc: PartitionDesc,
  top: 'any' | 'plain',
): FusedRun | undefined {
  if (top === 'plain' && !isPlainStep(ctx, desc)) return undefined;
  const steps: FusedStep[] = [];
  let at: PartitionDesc = desc;
  while (steps.length < MAX_STEPS) {
    if (at.kind !== 'narrow') break;
    const node = ctx.node(at.node);
    if (node.compute.kind !== 'narrow' || !isStepOp(node.compute.op)) break;
    if (steps.length > 0 && !isPlainStep(ctx, at)) break;
    const op = node.compute.op;
    const f = 'f' in op ? op.f : undefined;
    steps.push({
      kind: op.kind,
      f: f === undefined ? undefined : ctx.fn(f),
      env: f === undefined ? undefined : ctx.env(f),
      node: node.id,
    });
    at = at.parent;
  }
  if (steps.length === 0) return undefined;
  return { steps: steps.reverse(), input: at };
}

/** A narrow step whose records go nowhere but to the next RDD. */
function isPlainStep(ctx: TaskContext, desc: PartitionDesc): boolean {
  if (desc.kind !== 'narrow') return false;
  const node = ctx.node(desc.node);
  if (node.compute.kind !== 'narrow' || !isStepOp(node.compute.op)) return false;
  if (node.checkpoint !== undefined) return false;
  return node.storageLevel === undefined || node.storageLevel === 'NONE';
}
