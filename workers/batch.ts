// Records travel through a worker's pipeline as batches: arrays of up to BATCH_SIZE records,
// so per-record work is a tight loop and per-step overhead is paid once a batch. A batch
// belongs to whoever receives it (producers never reuse an array they have yielded).

import { errors, rddLabel } from '../src/shared/errors.js';
import { findLostClass } from '../src/shared/format/record-check.js';
import { tagFailedNode } from './task-errors.js';

export type Batches = Iterable<unknown[]>;

export const BATCH_SIZE = 4096;

/** The records of `batches` one by one: what user functions that take a partition see. */
export function* flatten(batches: Batches): Generator<unknown, void, undefined> {
  for (const batch of batches) yield* batch;
}

/** An in-memory array of records as batches (slices, so the source array stays untouched). */
export function* batchesOf(records: readonly unknown[]): Generator<unknown[], void, undefined> {
  for (let i = 0; i < records.length; i += BATCH_SIZE) yield records.slice(i, i + BATCH_SIZE);
}

/** Every record of `batches` in one array: only for operations that need the whole partition. */
/**
 * The batches of `frames`, with every error its reader throws replaced by `wrap(e)`: a
 * shuffle block's become fetch failures, a spill run's IO_ERRORs. Closing the result closes
 * the reader.
 */
export function* rethrowing(
  frames: Iterator<unknown[], unknown, undefined>,
  wrap: (e: unknown) => unknown,
): Generator<unknown[], void, undefined> {
  try {
    for (;;) {
      let r: IteratorResult<unknown[], unknown>;
      try {
        r = frames.next();
      } catch (e) {
        throw wrap(e);
      }
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    frames.return?.(undefined);
  }
}

export function materialize(batches: Batches): unknown[] {
  const out: unknown[] = [];
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i++) out.push(batch[i]);
  }
  return out;
}

/**
 * `batches` with the first and last record of each checked for a class instance that would lose its
 * methods when it leaves the thread (src/shared/format/record-check.ts): used where records leave a
 * worker (stage outputs, cache blocks, checkpoint parts). Two records a batch keep it cheap.
 */
export function* plainRecords(
  batches: Batches,
  rddId: number,
): Generator<unknown[], void, undefined> {
  const check = (record: unknown): void => checkPlainRecord(record, rddId);
  for (const batch of batches) {
    checkBatchEnds(batch, check);
    yield batch;
  }
}

/** `check` on the first and last record of `batch`: two records a batch keep it cheap. */
export function checkBatchEnds(batch: readonly unknown[], check: (record: unknown) => void): void {
  if (batch.length === 0) return;
  check(batch[0]);
  check(batch[batch.length - 1]);
}

/** Refuses a record holding a class instance that would lose its methods, naming RDD `rddId`. */
export function checkPlainRecord(record: unknown, rddId: number): void {
  const lost = findLostClass(record);
  if (lost === undefined) return;
  // Tagged so the job's error names this RDD (with its name) rather than the stage's root.
  const e = errors.recordLosesClass(rddLabel(rddId), lost, rddId);
  tagFailedNode(e, rddId);
  throw e;
}

/**
 * A [key, value] record, checked: shuffles and pair operations read its key and value.
 *
 * Read them with `.at(0)` and `.at(1)`, never `[0]` and `[1]`, here and wherever engine code
 * reads records or value columns that may hold users' fractional numbers. A loop that has seen
 * arrays of numbers with fractions (`[id, rank / n]`: V8 keeps them as unboxed doubles) and
 * arrays of other values has its indexed loads compiled to convert each double array to a
 * generic one first, boxing every element: ~150 ns a record, half of a PageRank's map-side
 * combine. `.at()` reads any kind without converting (~10 ns). Not in key hashing, equality and
 * ordering (keys.ts, key-table.ts) or the join table's column reads: there it changed what V8
 * inlined and cost a `[string, number]` join 5-20% more CPU, measured (ordering: equal).
 */
export function asPair(record: unknown, where: string): [unknown, unknown] {
  if (!Array.isArray(record) || record.length < 2) {
    throw errors.invalidArgument(`record of ${where}`, 'a [key, value] pair', record);
  }
  return record as [unknown, unknown];
}

/**
 * `record` as a number, for the numeric actions (`where`: the method called). A record of
 * another type is INVALID_ARGUMENT, as asPair's: the same record fails every attempt, so the
 * scheduler reports it at once (scheduler/retry-policy.ts) instead of retrying.
 */
export function asNumber(record: unknown, where: string): number {
  if (typeof record !== 'number')
    throw errors.invalidArgument(`record of ${where}`, 'a number', record);
  return record;
}
