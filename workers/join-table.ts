// The build side of a shuffled hash join (hash-join.ts): each key's values and whether a streamed
// record matched it, found by key value (KeyTable). When every build key is an integer in a range
// not much wider than their count, lookups go through a dense array indexed by key instead, as
// Spark SQL's LongHashedRelation does in its dense mode: the number keys of a join. The array is
// made once the streamed side has looked up as many keys as it has slots, so that it pays for
// itself: a PageRank iteration's partition streams ~2,500 records past a build side whose keys
// span 20,000 ids, where making the array cost more than every lookup it would have sped up.
// Built while its estimated size stays under the task's memory budget.

import type { CoGroupInput, PartitionDesc } from '../src/shared/protocol.js';
import { KeyTable } from '../src/shared/key-table.js';
import type { Batches } from './batch.js';
import { cogroupInput } from './shuffle-read.js';
import { estimateSize } from './size-estimator.js';
import { taskMemory } from './spill-files.js';
import { expectedTableSize, noteTableSize } from './table-sizes.js';
import type { TaskContext } from './task-context.js';

/** A build-side key, its values, and whether a streamed record matched it (for outer joins). */
export interface BuildEntry {
  key: unknown;
  /** The key's first value; the rest in `more` (most keys of a join have one value a side). */
  value: unknown;
  more: unknown[] | undefined;
  matched: boolean;
}

// Per build record beyond the record itself: its slot in a value list and, for a new key, the
// table entry.
const TABLE_ENTRY_BYTES = 48;
// A dense index may have this many slots a key (plus DENSE_SLACK): 8 bytes a slot against the
// ~100 a key already costs in the table.
const DENSE_SLOTS_PER_KEY = 16;
const DENSE_SLACK = 1024;

export class JoinTable {
  /** Entry of key `min + i` at i, once made (see header). */
  private dense: (BuildEntry | undefined)[] | undefined = undefined;
  /** Lookups before the dense array is made; 0 when it never is. */
  private lookupsBeforeDense: number;

  private constructor(
    private readonly table: KeyTable<BuildEntry>,
    /** Slots of the dense array, when every key is an integer in a narrow range; else 0. */
    private readonly denseSlots: number,
    private readonly min: number,
  ) {
    this.lookupsBeforeDense = denseSlots;
  }

  /**
   * The build side read from `build` (a side of join RDD `node`), or undefined once its
   * estimated size passes the budget.
   */
  static build(
    ctx: TaskContext,
    node: number,
    build: CoGroupInput,
    where: string,
    computeParent: (parent: PartitionDesc) => Batches,
  ): JoinTable | undefined {
    const budget = taskMemory(ctx).budgetBytes;
    const table = new KeyTable<BuildEntry>(expectedTableSize('join', node));
    let records = 0;
    let samples = 0;
    let averageBytes = 0;
    let ints = true;
    let min = Infinity;
    let max = -Infinity;
    for (const batch of cogroupInput(ctx, build, computeParent, where)) {
      const { keys, values, hashes } = batch;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const entry = table.get(k, hashes?.[i]);
        if (entry !== undefined) {
          if (entry.more === undefined) entry.more = [values[i]];
          else entry.more.push(values[i]);
          continue;
        }
        table.insert(k, { key: k, value: values[i], more: undefined, matched: false });
        if (ints && typeof k === 'number' && (k | 0) === k) {
          if (k < min) min = k;
          if (k > max) max = k;
        } else {
          ints = false;
        }
      }
      // The first record of each batch sampled for the average size (Spark's SizeTracker).
      if (keys.length > 0) {
        records += keys.length;
        samples++;
        averageBytes += (estimateSize([keys[0], values[0]]) - averageBytes) / samples;
        if (records * (averageBytes + TABLE_ENTRY_BYTES) > budget) return undefined;
      }
    }
    noteTableSize('join', node, table.size);
    const slots = max - min + 1;
    const denseFits =
      ints &&
      table.size > 0 &&
      slots <= table.size * DENSE_SLOTS_PER_KEY + DENSE_SLACK &&
      records * (averageBytes + TABLE_ENTRY_BYTES) + slots * 8 <= budget;
    return new JoinTable(table, denseFits ? slots : 0, min);
  }

  /** The entry of `key`, or undefined; `hash`, when known, is hashKey(key). */
  get(key: unknown, hash?: number): BuildEntry | undefined {
    const dense = this.dense;
    if (dense === undefined) {
      if (this.lookupsBeforeDense > 0 && --this.lookupsBeforeDense === 0) this.makeDense();
      return this.table.get(key, hash);
    }
    // Every build key is an integer: anything else (a string, 1.5, NaN, 1n) matches none. -0
    // lands on 0's slot, as keyOf makes them one key.
    if (typeof key !== 'number') return undefined;
    const i = key - this.min;
    return i >= 0 && i < dense.length && (i | 0) === i ? dense[i] : undefined;
  }

  /** Every entry, in the order its key was first seen. */
  values(): readonly BuildEntry[] {
    return this.table.values();
  }

  private makeDense(): void {
    const dense = new Array<BuildEntry | undefined>(this.denseSlots);
    for (const entry of this.table.values()) dense[(entry.key as number) - this.min] = entry;
    this.dense = dense;
  }
}
