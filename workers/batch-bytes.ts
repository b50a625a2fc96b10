// Batches of large records: a batch holds BATCH_SIZE records, or fewer when they are large,
// about BATCH_BYTES by their estimated size, so a partition of 700 KB records streams through
// a worker as Spark's record iterators do instead of 4096 of them (2.8 GB) living at once.
// Sizes are sampled, never summed record by record: small records cost one estimate in 64.

import { BATCH_SIZE } from './batch.js';
import { estimateSize } from './size-estimator.js';

export const BATCH_BYTES = 16 << 20;
// At most this share of BATCH_BYTES goes unchecked between two estimates.
const UNCHECKED_SHARE = 8;
const MOST_UNCHECKED = 64;

/** Says when a batch being filled a record at a time is full (flatMap, mapPartitions). */
export class BatchFill {
  private nextCheck = 1;

  /** Whether `out`, just pushed to, should be yielded now. */
  full(out: readonly unknown[]): boolean {
    const n = out.length;
    if (n >= BATCH_SIZE) return this.yielded();
    if (n < this.nextCheck) return false;
    const bytes = Math.max(1, estimateSize(out[n - 1]));
    if (n * bytes >= BATCH_BYTES) return this.yielded();
    this.nextCheck = n + uncheckedRecords(bytes);
    return false;
  }

  private yielded(): true {
    this.nextCheck = 1;
    return true;
  }
}

/**
 * How many input records to take for the next batch of a step that makes one or no output
 * record from each (fused map, filter...): BATCH_SIZE, or fewer when its outputs are large,
 * learnt from the last batch it made. Starts at FIRST_TAKE, so that the first batch of a
 * partition of large records is small.
 */
export class BatchTake {
  records = FIRST_TAKE;

  /** Learns from `out`, the outputs of the last `taken` inputs. */
  observe(out: readonly unknown[], taken: number): void {
    const n = out.length;
    if (n === 0) {
      this.records = BATCH_SIZE;
      return;
    }
    const sampled = (estimateSize(out[0]) + estimateSize(out[n - 1])) / 2;
    this.fit((Math.max(1, sampled) * n) / Math.max(1, taken));
  }

  /** Takes about BATCH_BYTES of inputs whose outputs are `perInput` bytes each. */
  fit(perInput: number): void {
    this.records = recordsWithin(BATCH_BYTES, perInput, BATCH_SIZE);
  }
}

const FIRST_TAKE = 16;

/** `input`'s batches cut to `take.records` records each, as the caller updates `take`. */
export function* takenBatches(input: Iterable<unknown[]>, take: BatchTake): Generator<unknown[]> {
  for (const batch of input) {
    for (let i = 0; i < batch.length;) {
      const n = Math.min(take.records, batch.length - i);
      yield n === batch.length ? batch : batch.slice(i, i + n);
      i += n;
    }
  }
}

/** Any iterable of records (a user function's output) regrouped into batches (BatchFill). */
export function* rebatch(records: Iterable<unknown>): Generator<unknown[], void, undefined> {
  const fill = new BatchFill();
  let out: unknown[] = [];
  for (const x of records) {
    out.push(x);
    if (fill.full(out)) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

function uncheckedRecords(bytes: number): number {
  return recordsWithin(BATCH_BYTES / UNCHECKED_SHARE, bytes, MOST_UNCHECKED);
}

/**
 * How many records of `recordBytes` (estimated) fit in `targetBytes`: at least 1, at most
 * `most`. Batches, shuffle frames and spill frames are all sized by it.
 */
export function recordsWithin(targetBytes: number, recordBytes: number, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(targetBytes / Math.max(1, recordBytes))));
}
