// sampleByKey and filterByRange on pair RDDs (Spark's PairRDDFunctions.sampleByKey and
// OrderedRDDFunctions.filterByRange): arguments checked at the call, the work done by narrow
// worker ops that keep the parent's partitioning. filterByRange on a range-partitioned RDD
// first prunes the partitions whose range cannot hold a key in [lower, upper] (Spark's
// PartitionPruningRDD), so their tasks never run.

import { describeValue, errors } from '../shared/errors.js';
import { assertValidKey } from '../shared/keys.js';
import { rangePartition } from '../shared/partitioner-plan.js';
import type { NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { NarrowDependency, type Dependency } from './dependency.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import { RangePartitioner } from './partitioner.js';
import type { PartitionDescriber, RDD, RddImpl } from './rdd.js';
import { checkFraction } from './sampling.js';

const DEFAULT_SEED = 0x5eed;

export function sampleByKey<K, V>(
  rdd: RDD<[K, V]>,
  withReplacement: unknown,
  fractions: unknown,
  seed: unknown,
): RDD<[K, V]> {
  const method = 'rdd.sampleByKey';
  if (typeof withReplacement !== 'boolean')
    throw errors.invalidArgument(`${method} withReplacement`, 'a boolean', withReplacement);
  const entries: [unknown, unknown][] =
    fractions instanceof Map
      ? [...(fractions as Map<unknown, unknown>)]
      : typeof fractions === 'object' && fractions !== null && !Array.isArray(fractions)
        ? Object.entries(fractions)
        : [];
  if (entries.length === 0)
    throw errors.invalidArgument(
      `${method} fractions`,
      'a Map or object of key -> fraction',
      fractions,
    );
  const checked = entries.map(([k, f]): [unknown, number] => {
    assertValidKey(k, method);
    return [k, checkFraction(`${method} fractions (key ${describeValue(k)})`, f, withReplacement)];
  });
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed)))
    throw errors.invalidArgument(`${method} seed`, 'an integer', seed);
  const op = {
    kind: 'sampleByKey',
    withReplacement,
    fractions: checked,
    seed: seed ?? DEFAULT_SEED,
  } as const;
  return rdd.derive(new MapPartitionsRDD(rdd, op, true));
}

export function filterByRange<K, V>(rdd: RDD<[K, V]>, lower: unknown, upper: unknown): RDD<[K, V]> {
  assertValidKey(lower, 'rdd.filterByRange lower');
  assertValidKey(upper, 'rdd.filterByRange upper');
  const op = { kind: 'filterByRange', lower, upper } as const;
  const p = rdd.partitioner;
  const source =
    p instanceof RangePartitioner
      ? rdd.derive<[K, V]>(new RangePruningRDD(rdd, p, lower, upper))
      : rdd;
  return source.derive(new MapPartitionsRDD(source, op, true));
}

/**
 * The partitions of a range-partitioned parent that may hold keys in [lower, upper], as
 * Spark's PartitionPruningRDD; each reads one parent partition (a coalesce of one). Spark's
 * RangePartitioner has its bounds when built; ours gets them from a sample in the first job
 * (its prepare()), so the kept partitions are fixed when first needed: at the call when the
 * bounds are known, else at this RDD's first job, which prepares the parent first. Counted
 * before that (getNumPartitions on it), every partition is kept: never a count that changes.
 * No partitioner, as Spark's: partition indices are no longer the parent's.
 */
class RangePruningRDD implements RddImpl {
  readonly kindName = 'PartitionPruningRDD';
  readonly partitioner = undefined;
  #kept: number[] | undefined;

  constructor(
    private readonly parent: RDD<unknown>,
    private readonly range: RangePartitioner,
    private readonly lower: unknown,
    private readonly upper: unknown,
  ) {
    if (range.bounds !== undefined) this.kept();
  }

  prepare(): Promise<void> {
    this.kept();
    return Promise.resolve();
  }
  numPartitions(): number {
    return this.kept().length;
  }
  dependencies(): Dependency[] {
    return [new NarrowDependency(this.parent)];
  }
  planCompute(): NodeCompute {
    return { kind: 'coalesce', parent: this.parent.id };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    const parentIndex = this.kept()[index];
    if (parentIndex === undefined)
      throw errors.internal(`partition ${index} of a pruned RDD of ${this.kept().length}`);
    return { kind: 'coalesce', node, index, parents: [d.describe(this.parent, parentIndex)] };
  }

  private kept(): number[] {
    if (this.#kept !== undefined) return this.#kept;
    const bounds = this.range.bounds;
    const all = this.parent.getNumPartitions();
    let kept = Array.from({ length: all }, (_, i) => i);
    if (bounds !== undefined) {
      const a = rangePartition(bounds, this.range.ascending, this.lower);
      const b = rangePartition(bounds, this.range.ascending, this.upper);
      kept = kept.filter((i) => i >= Math.min(a, b) && i <= Math.max(a, b));
    }
    this.#kept = kept;
    return kept;
  }
}
