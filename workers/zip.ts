// Partitions zipped from the same-index partitions of several RDDs (Spark's
// ZippedPartitionsRDD): zip pairs records in lockstep and refuses partitions of different
// lengths, as Spark does; zipPartitions hands the user function one lazy iterator per RDD.

import { errors } from '../src/shared/errors.js';
import type { NodeCompute, PartitionDesc } from '../src/shared/protocol.js';
import { BATCH_SIZE, flatten, type Batches } from './batch.js';
import { rebatch } from './batch-bytes.js';
import type { TaskContext } from './task-context.js';

type ZippedDesc = Extract<PartitionDesc, { kind: 'zipped' }>;
type ZippedCompute = Extract<NodeCompute, { kind: 'zipped' }>;

export function zippedPartition(
  ctx: TaskContext,
  compute: ZippedCompute,
  desc: ZippedDesc,
  computeParent: (parent: PartitionDesc) => Batches,
): Batches {
  const inputs = desc.parents.map((p) => flatten(computeParent(p)));
  if (compute.f === undefined) return zipLockstep(inputs, desc.index);
  const result = ctx.fn(compute.f)(...inputs, ctx.env(compute.f));
  if (
    result === null ||
    typeof (result as { [Symbol.iterator]?: unknown } | undefined)?.[Symbol.iterator] !== 'function'
  ) {
    throw errors.invalidArgument('result of the zipPartitions function', 'an iterable', result);
  }
  return rebatch(result as Iterable<unknown>);
}

function* zipLockstep(inputs: Iterator<unknown>[], index: number): Batches {
  let out: unknown[] = [];
  for (;;) {
    const step = inputs.map((it) => it.next());
    const done = step.filter((r) => r.done === true).length;
    if (done === step.length) break;
    if (done > 0) {
      throw errors.invalidArgument(
        `rdd.zip partition ${index}`,
        'RDDs with the same number of records in each partition',
        'partitions of different lengths',
      );
    }
    out.push(step.map((r): unknown => r.value));
    if (out.length >= BATCH_SIZE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
