// The one rule for a partition count given by a user (numSlices, minPartitions,
// numPartitions): a positive integer of at most MAX_PARTITIONS. Spark has no
// such cap, but here every partition is a task description held on the main
// thread: ten million of them took minutes and GBs before any error.

import { errors } from '../shared/errors.js';

/** The most partitions an RDD may have; documented in README. */
export const MAX_PARTITIONS = 1_000_000;

/** `value` as a partition count, or INVALID_ARGUMENT naming `argument` and the limit. */
export function partitionCount(argument: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_PARTITIONS
  ) {
    throw errors.invalidArgument(
      argument,
      `a positive integer of at most ${MAX_PARTITIONS.toLocaleString('en-US')} partitions`,
      value,
    );
  }
  return value;
}
