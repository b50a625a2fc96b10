// Batches of [key, value] pairs taken apart into a key column and a value column, the form the
// reduce side consumes them in (aggregation, cogroup, joins): a shuffle block's pair frames
// decode straight into it (decodePairColumns), so no [key, value] array is built per record.
// keys[i] goes with values[i]; both arrays belong to whoever receives them.

import { asPair, type Batches } from './batch.js';

export interface PairColumns {
  keys: unknown[];
  values: unknown[];
  /** hashKey of keys[i], when a shuffle's map side sent them (tables then need not hash). */
  hashes?: Int32Array;
}

export type PairBatches = Iterable<PairColumns>;

/** A batch of records split into columns, each record checked as a pair (asPair). */
export function splitPairs(batch: readonly unknown[], where: string): PairColumns {
  const n = batch.length;
  const keys = new Array<unknown>(n);
  const values = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const pair = asPair(batch[i], where);
    keys[i] = pair.at(0);
    values[i] = pair.at(1);
  }
  return { keys, values };
}

/** Record batches (a narrow input of a cogroup) as columns. */
export function* pairColumnsOf(batches: Batches, where: string): PairBatches {
  for (const batch of batches) yield splitPairs(batch, where);
}
