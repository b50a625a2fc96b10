// Combining by key past the task's memory (Spark's ExternalAppendOnlyMap): combiners live in a
// KeyTable by key value while their estimated size stays under the budget; past it they are
// spilled as a run sorted by key hash, [hash, key, combiner] records, and the map starts
// afresh. At the end the runs and the last map are merged as a stream by hash; records of one
// hash are grouped by key value and their combiners merged. A key whose combiner alone is over
// half the budget (one hot key in groupByKey) cannot be spilled away: it fails the task with
// an error naming the partition and the limit instead of running the worker out of heap.

import { errors } from '../src/shared/errors.js';
import { KeyTable, keysEqual } from '../src/shared/key-table.js';
import { BATCH_SIZE, type Batches } from './batch.js';
import { mergeSorted } from './merge-sorted.js';
import type { PairColumns } from './pair-columns.js';
import { estimateSize, SizeTracker } from './size-estimator.js';
import { expectedTableSize, noteTableSize } from './table-sizes.js';
import { SPILL_FRAME_RECORDS, SpillFiles, taskMemory } from './spill-files.js';
import type { TaskContext } from './task-context.js';

type Entry = [unknown, unknown];
// Bytes a key costs beyond its key and combiner: its share of the KeyTable (index words, hash,
// the two array slots, with the slack of their growth), as counted when the map held a
// [key, combiner] array per key; spilling a little early is the safe side of an estimate.
const ENTRY_OVERHEAD = 4 * 8 + 48;
const SAMPLES = 32;
// How often (in updates) the estimate is compared with the budget, as Spark's maybeSpill.
const CHECK_EVERY = 32;
// Largest share of the budget one key's combiner may take: past it, the key alone would crowd
// out the rest of the merge (Spark has no such limit and runs out of memory instead).
const MAX_GROUP_SHARE = 0.5;

/**
 * How insertAll makes and grows combiners: functions that are the same objects in every task
 * (user functions, module-level helpers), this task's part passed as their last argument. A
 * closure made per task instead had V8 inline it into insertAll, then throw that code away when
 * the task's closure died and compile it again for the next task's, every job.
 */
export interface Fold {
  create: (v: unknown, arg: unknown) => unknown;
  createArg: unknown;
  merge: (c: unknown, v: unknown, arg: unknown) => unknown;
  mergeArg: unknown;
}

export class ExternalAppendOnlyMap {
  /**
   * Combiner by key, keys and combiners in the table's two dense arrays in first-seen order: no
   * [key, combiner] array per key while the task runs; the records are made a batch at a time
   * when the map is read.
   */
  private table: KeyTable<unknown>;
  /** Keys to size the table's index for (table-sizes.ts). */
  private readonly expectedSize: number;
  private readonly tracker = new SizeTracker(() => this.sampleSize());
  private readonly spills: SpillFiles;
  private readonly budget: number;
  private updates = 0;

  /** `rddId`: the RDD whose partition this is, for the hot-key error and the size hint. */
  constructor(
    private readonly ctx: TaskContext,
    private readonly mergeCombiners: (a: unknown, b: unknown) => unknown,
    private readonly rddId: number,
  ) {
    this.budget = taskMemory(ctx).budgetBytes;
    this.spills = new SpillFiles(ctx, 'combine');
    this.expectedSize = expectedTableSize('reduce', rddId);
    this.table = new KeyTable(this.expectedSize);
  }

  /** Adds `v` under key `k`: `create(v)` for a new key, `merge(combiner, v)` otherwise. */
  insert(
    k: unknown,
    v: unknown,
    create: (v: unknown) => unknown,
    merge: (c: unknown, v: unknown) => unknown,
  ): void {
    const at = this.table.find(k);
    if (at < 0) this.table.insert(k, create(v));
    else this.table.entries[at] = merge(this.table.entries[at], v);
    this.afterUpdate();
  }

  /**
   * insert() of every pair of a batch, in order, a key's combiner made by `fold.create(v,
   * fold.createArg)` and grown by `fold.merge(c, v, fold.mergeArg)`.
   */
  insertAll(batch: PairColumns, fold: Fold): void {
    const { keys, values, hashes } = batch;
    const { create, createArg, merge, mergeArg } = fold;
    for (let i = 0; i < keys.length; i++) {
      const k = keys.at(i);
      // this.table, not a local: a spill below replaces it.
      const table = this.table;
      const at = table.find(k, hashes?.[i]);
      if (at < 0) table.insert(k, create(values.at(i), createArg));
      else table.entries[at] = merge(table.entries[at], values.at(i), mergeArg);
      this.afterUpdate();
    }
  }

  private afterUpdate(): void {
    // Spark's maybeSpill: the tracker is told and the estimate compared every CHECK_EVERY updates.
    if (++this.updates % CHECK_EVERY !== 0) return;
    this.tracker.afterUpdates(CHECK_EVERY);
    if (this.tracker.estimate() > this.budget) this.spill();
  }

  /** Every [key, combiner], as batches; first-seen order when nothing spilled, else by hash. */
  *iterator(): Batches {
    const table = this.table;
    this.table = new KeyTable();
    noteTableSize('reduce', this.rddId, table.size);
    if (this.spills.count === 0) {
      const { keys, entries } = table;
      for (let i = 0; i < keys.length; i += BATCH_SIZE) {
        const out: unknown[] = [];
        for (let j = i; j < Math.min(keys.length, i + BATCH_SIZE); j++) {
          out.push([keys.at(j), entries.at(j)]);
        }
        yield out;
      }
      return;
    }
    const runs: Batches[] = this.spills.all().map((run) => this.spills.read(run));
    runs.push(byHash(table));
    try {
      yield* this.mergeRuns(mergeSorted(runs, compareHash));
    } finally {
      this.spills.removeAll();
    }
  }

  get spilledBytes(): number {
    return this.spills.bytesWritten;
  }

  private *mergeRuns(merged: Batches): Batches {
    // The entries of the current hash: nearly always one, so an array searched linearly beats a
    // table per hash.
    let hash = -1;
    const group: Entry[] = [];
    let out: unknown[] = [];
    for (const batch of merged) {
      for (let b = 0; b < batch.length; b++) {
        const [h, k, c] = batch[b] as [number, unknown, unknown];
        if (h !== hash) {
          for (let g = 0; g < group.length; g++) out.push(group[g]);
          group.length = 0;
          hash = h;
          // No longer than the merged batches (short for large records, merge-sorted.ts).
          if (out.length >= Math.min(BATCH_SIZE, batch.length)) {
            yield out;
            out = [];
          }
        }
        const at = indexOfKey(group, k);
        if (at < 0) {
          group.push([k, c]);
        } else {
          const entry = group[at] as Entry;
          entry[1] = this.mergeCombiners(entry[1], c);
          this.checkGroup(entry[1]);
        }
      }
    }
    for (let g = 0; g < group.length; g++) out.push(group[g]);
    if (out.length > 0) yield out;
  }

  private spill(): void {
    // A merge holds one record of every run at once: a combiner that alone fills a good part
    // of the budget cannot be spilled and merged back safely.
    for (const combiner of this.table.values()) this.checkGroup(combiner);
    this.spills.writeBatches(byHash(this.table));
    this.table = new KeyTable(this.expectedSize);
    this.tracker.reset();
  }

  /** Estimated bytes of the map, from a sample of its entries; checks the largest sampled. */
  private sampleSize(): number {
    const { keys, entries } = this.table;
    const n = keys.length;
    if (n === 0) return 0;
    const k = Math.min(n, SAMPLES);
    let sum = 0;
    for (let s = 0; s < k; s++) {
      const at = n <= SAMPLES ? s : Math.floor(Math.random() * n);
      const combiner = entries.at(at);
      const size = estimateSize(combiner);
      this.checkGroup(combiner, size);
      sum += size + estimateSize(keys.at(at));
    }
    return n * (ENTRY_OVERHEAD + sum / k);
  }

  /** Fails the task when one key's combiner is over half the budget (MAX_GROUP_SHARE). */
  private checkGroup(combiner: unknown, size = estimateSize(combiner)): void {
    if (size <= this.budget * MAX_GROUP_SHARE) return;
    const memory = taskMemory(this.ctx);
    throw errors.groupTooLarge(
      this.rddId,
      this.ctx.info.partitionIndex,
      size,
      memory.budgetBytes * MAX_GROUP_SHARE,
      memory.workerMemoryMb,
    );
  }
}

/** The table's entries as [hash, key, combiner] records sorted by hash, a frame at a time. */
function* byHash(table: KeyTable<unknown>): Generator<unknown[]> {
  const { keys, entries } = table;
  const n = keys.length;
  const hashes = new Int32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = table.hashKeyOf(i);
  const order = sortedByHash(hashes);
  for (let i = 0; i < n; i += SPILL_FRAME_RECORDS) {
    const out: unknown[] = [];
    for (let j = i; j < Math.min(n, i + SPILL_FRAME_RECORDS); j++) {
      const at = order(j);
      out.push([hashes[at], keys.at(at), entries.at(at)]);
    }
    yield out;
  }
}

const INDEX_BITS = 22;

/** order(j): the index of the j-th smallest hash, ties in index order. */
function sortedByHash(hashes: Int32Array): (j: number) => number {
  const n = hashes.length;
  if (n < 2 ** INDEX_BITS) {
    // A 31-bit hash and a 22-bit index packed into one exact double: the typed array's own
    // numeric sort, several times faster than sorting indices with a comparator.
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = (hashes[i] as number) * 2 ** INDEX_BITS + i;
    packed.sort();
    return (j) => (packed[j] as number) % 2 ** INDEX_BITS;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number) || a - b);
  return (j) => order[j] as number;
}

/** Where the group holds key `k` by value (keysEqual: a NaN key equals a NaN key), or -1. */
function indexOfKey(group: readonly Entry[], k: unknown): number {
  for (let i = 0; i < group.length; i++) if (keysEqual((group[i] as Entry)[0], k)) return i;
  return -1;
}

function compareHash(a: unknown, b: unknown): number {
  return (a as [number])[0] - (b as [number])[0];
}
