// Walks over the lineage graph, all iterative (Spark's recursive walks overflow
// the stack on long lineages, SPARK-6847 / P9). A reliably checkpointed RDD is a
// leaf: its data comes from its checkpoint files.

import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';

export function isReliablyCheckpointed(rdd: RDD<unknown>): boolean {
  return rdd.checkpointData?.kind === 'reliable' && rdd.checkpointData.state === 'checkpointed';
}

/** Every RDD reachable from `root`, through shuffles too, children before parents. */
export function lineage(root: RDD<unknown>): RDD<unknown>[] {
  const out: RDD<unknown>[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const rdd = stack.pop() as RDD<unknown>;
    if (seen.has(rdd.id)) continue;
    seen.add(rdd.id);
    out.push(rdd);
    for (const dep of rdd.getDependenciesForScheduling()) stack.push(dep.rdd);
  }
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
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const rdd = stack.pop() as RDD<unknown>;
    if (seen.has(rdd.id)) continue;
    seen.add(rdd.id);
    if (rdd !== root && isFullyCached(rdd)) continue;
    for (const dep of rdd.getDependenciesForScheduling()) {
      if (dep.kind === 'shuffle') out.push(dep);
      else stack.push(dep.rdd);
    }
  }
  return out;
}

/**
 * The RDDs a job checkpoints (Spark's RDD.doCheckpoint): walking from the final
 * RDD through every dependency, a marked RDD is taken and, unless
 * checkpointAllMarkedAncestors, the walk stops there.
 */
export function checkpointTargets(root: RDD<unknown>, allMarkedAncestors: boolean): RDD<unknown>[] {
  const out: RDD<unknown>[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const rdd = stack.pop() as RDD<unknown>;
    if (seen.has(rdd.id)) continue;
    seen.add(rdd.id);
    const data = rdd.checkpointData;
    const marked = data !== undefined && data.state === 'marked';
    if (marked) out.push(rdd);
    if (marked && !allMarkedAncestors) continue;
    for (const dep of rdd.getDependenciesForScheduling()) stack.push(dep.rdd);
  }
  return out;
}
