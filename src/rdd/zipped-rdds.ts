// zip and zipPartitions (Spark's ZippedPartitionsRDD2/3): partition i reads partition i of
// every parent narrowly, so the parents must have the same number of partitions (checked when
// the RDD is defined); zip also needs the same number of records in each (checked by the task).

import { errors } from '../shared/errors.js';
import type { FunctionPlan, NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { NarrowDependency, type Dependency } from './dependency.js';
import type { PartitionDescriber, RDD, RddImpl } from './rdd.js';
import { FN_FIELDS, resolveMethodOptions } from './method-options.js';
import { planFunction } from './user-function.js';

class ZippedPartitionsRDD implements RddImpl {
  readonly kindName = 'ZippedPartitionsRDD';

  constructor(
    readonly parents: RDD<unknown>[],
    private readonly f: FunctionPlan | undefined,
  ) {}

  numPartitions(): number {
    return this.parents[0]?.getNumPartitions() ?? 0;
  }
  dependencies(): Dependency[] {
    return this.parents.map((p) => new NarrowDependency(p));
  }
  planCompute(): NodeCompute {
    const parents = this.parents.map((p) => p.id);
    return this.f === undefined
      ? { kind: 'zipped', parents }
      : { kind: 'zipped', parents, f: this.f };
  }
  describePartition(node: number, index: number, d: PartitionDescriber): PartitionDesc {
    return { kind: 'zipped', node, index, parents: this.parents.map((p) => d.describe(p, index)) };
  }
}

function checkParents(method: string, rdd: RDD<unknown>, others: unknown[]): RDD<unknown>[] {
  const n = rdd.getNumPartitions();
  others.forEach((o, i) => {
    const name = others.length === 1 ? `${method} other` : `${method} other${i + 1}`;
    if (!rdd.isRDD(o) || o.context !== rdd.context)
      throw errors.invalidArgument(name, 'an RDD of this Context', o);
    if (o.getNumPartitions() !== n) {
      throw errors.invalidArgument(
        name,
        `an RDD with ${n} partitions, as RDD ${rdd.id} (Spark's zip: same number of partitions)`,
        `${o.getNumPartitions()} partitions`,
      );
    }
  });
  return [rdd, ...(others as RDD<unknown>[])];
}

export function zip<T, U>(rdd: RDD<T>, other: RDD<U>): RDD<[T, U]> {
  return rdd.derive(new ZippedPartitionsRDD(checkParents('rdd.zip', rdd, [other]), undefined));
}

/** rdd.zipPartitions(other1, [other2,] f, opts?): f gets one iterator per RDD, then env. */
export function zipPartitions<R>(rdd: RDD<unknown>, args: unknown[]): RDD<R> {
  const method = 'rdd.zipPartitions';
  const fIndex = args.findIndex((a) => !rdd.isRDD(a));
  if (fIndex < 1 || fIndex > 2 || args.length > fIndex + 2) {
    throw errors.invalidArgument(
      method,
      'one or two other RDDs, then a function, then optional { env }',
      `${args.length} arguments`,
    );
  }
  const parents = checkParents(method, rdd, args.slice(0, fIndex));
  const opts = resolveMethodOptions(method, args[fIndex + 1], FN_FIELDS);
  const f = planFunction(args[fIndex], opts, method);
  return rdd.derive<R>(new ZippedPartitionsRDD(parents, f));
}
