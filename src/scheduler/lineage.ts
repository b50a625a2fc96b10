// Walks over the lineage graph, all iterative (Spark's recursive walks overflow
// the stack on long lineages, SPARK-6847). A reliably checkpointed RDD is a
// leaf: its data comes from its checkpoint files.

import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';

export function isReliablyCheckpointed(rdd: RDD<unknown>): boolean {
  return rdd.checkpointData?.kind === 'reliable' && rdd.checkpointData.state === 'checkpointed';
}

/**
 * Visits every RDD reachable from `root` once, depth first, without recursion.
 * `visit` returns the RDDs to go on to from this one.
 */
export function walkLineage(
  root: RDD<unknown>,
  visit: (rdd: RDD<unknown>) => Iterable<RDD<unknown>>,
): void {
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const rdd = stack.pop() as RDD<unknown>;
    if (seen.has(rdd.id)) continue;
    seen.add(rdd.id);
    for (const next of visit(rdd)) stack.push(next);
  }
}

const schedulingParents = (rdd: RDD<unknown>): RDD<unknown>[] =>
  rdd.getDependenciesForScheduling().map((d) => d.rdd);

/** Every RDD reachable from `root`, through shuffles too, children before parents. */
export function lineage(root: RDD<unknown>): RDD<unknown>[] {
  const out: RDD<unknown>[] = [];
  walkLineage(root, (rdd) => {
    out.push(rdd);
    return schedulingParents(rdd);
  });
  return out;
}

/**
 * The shuffle dependencies a stage ending at `root` reads directly. The walk
 * stops at RDDs whose partitions are all cached (their parents are not needed,
 * as in Spark's getMissingParentStages).
 */
export function directShuffleDeps(
  root: RDD<unknown>,
  isFullyCached: (rdd: RDD<unknown>) => boolean,
): ShuffleDependency[] {
  const out: ShuffleDependency[] = [];
  walkLineage(root, (rdd) => {
    if (rdd !== root && isFullyCached(rdd)) return [];
    const narrow: RDD<unknown>[] = [];
    for (const dep of rdd.getDependenciesForScheduling()) {
      if (dep.kind === 'shuffle') out.push(dep);
      else narrow.push(dep.rdd);
    }
    return narrow;
  });
  return out;
}

/**
 * The RDDs a job checkpoints (Spark's RDD.doCheckpoint): walking from the final
 * RDD through every dependency, a marked RDD is taken and, unless
 * checkpointAllMarkedAncestors, the walk stops there.
 */
export function checkpointTargets(root: RDD<unknown>, allMarkedAncestors: boolean): RDD<unknown>[] {
  const out: RDD<unknown>[] = [];
  walkLineage(root, (rdd) => {
    const marked = rdd.checkpointData?.state === 'marked';
    if (marked) out.push(rdd);
    return marked && !allMarkedAncestors ? [] : schedulingParents(rdd);
  });
  return out;
}

/** The RDD with id `id` in the pipeline (narrow dependencies) ending at `root`. */
export function findInPipeline(root: RDD<unknown>, id: number): RDD<unknown> | undefined {
  let found: RDD<unknown> | undefined;
  walkLineage(root, (rdd) => {
    if (rdd.id === id) found = rdd;
    if (found !== undefined) return [];
    return rdd.getDependenciesForScheduling().flatMap((d) => (d.kind === 'narrow' ? [d.rdd] : []));
  });
  return found;
}

/**
 * The plain plan data a job on `root` ships, function plans included: each RDD's compute node
 * and each shuffle's aggregator (what buildStagePlan and the shuffle map outputs carry), for
 * checks that must see every function before any task runs.
 */
export function jobPlanData(root: RDD<unknown>): unknown[] {
  const out: unknown[] = [];
  for (const rdd of lineage(root)) {
    if (isReliablyCheckpointed(rdd)) continue;
    out.push(rdd.impl.planCompute());
    for (const dep of rdd.getDependenciesForScheduling()) {
      if (dep.kind !== 'shuffle') continue;
      if (dep.aggregator !== undefined) out.push(dep.aggregator);
      if (dep.partitioner.kind === 'custom') out.push(dep.partitioner.toPlan());
    }
  }
  return out;
}
