// LIST columns of the record codec: a batch of plain arrays of any lengths (groupByKey's value
// lists, adjacency lists) as their cumulative end offsets and one column of every element, so a
// list of numbers is an int32 or float64 block instead of a v8.serialize of each array. Only
// dense arrays qualify (holes are v8's to keep); like v8, the column makes any array a plain
// Array, and named properties on the arrays are dropped, as for PAIR columns.

import { errors } from '../errors.js';
import type { ByteReader, ByteWriter } from './byte-io.js';

// Elements of one LIST column at most: decoding allocates the element column before the lists,
// so a damaged offset must not ask for more. A larger batch takes the v8 layout.
export const MAX_LIST_ELEMENTS = 1 << 26;

/** Every element of `values` in order, or undefined when they are not all dense arrays. */
export function flattenLists(values: readonly unknown[]): unknown[] | undefined {
  const n = values.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values.at(i);
    if (!Array.isArray(v)) return undefined;
    total += v.length;
    if (total > MAX_LIST_ELEMENTS) return undefined;
  }
  const flat = new Array<unknown>(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const v = values.at(i) as unknown[];
    for (let j = 0; j < v.length; j++) {
      const x = v.at(j);
      // A hole reads as undefined: `in` only for those.
      if (x === undefined && !(j in v)) return undefined;
      flat[at++] = x;
    }
  }
  return flat;
}

/** Pad to 4, then the u32 end offset of each list in the element column. */
export function writeListEnds(w: ByteWriter, lists: readonly unknown[]): void {
  w.align(4);
  const at = w.reserve(lists.length * 4);
  let end = 0;
  for (let i = 0; i < lists.length; i++) {
    end += (lists[i] as unknown[]).length;
    w.buf.writeUInt32LE(end, at + i * 4);
  }
}

/** The end offsets writeListEnds wrote for `n` lists, checked to never decrease. */
export function readListEnds(r: ByteReader, n: number): Uint32Array {
  r.align(4);
  const at = r.skip(n * 4);
  const ends = new Uint32Array(n);
  let last = 0;
  for (let i = 0; i < n; i++) {
    const end = r.buf.readUInt32LE(at + i * 4);
    if (end < last) throw errors.recordBatchCorrupt('list offsets decrease');
    ends[i] = end;
    last = end;
  }
  if (last > MAX_LIST_ELEMENTS) {
    throw errors.recordBatchCorrupt(
      `list column of ${last} elements (at most ${MAX_LIST_ELEMENTS})`,
    );
  }
  return ends;
}

/** The lists of `ends` cut from their element column. */
export function splitLists(flat: readonly unknown[], ends: Uint32Array): unknown[][] {
  const n = ends.length;
  const out = new Array<unknown[]>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i] as number;
    out[i] = flat.slice(start, end);
    start = end;
  }
  return out;
}

/** How many elements the lists of `ends` hold. */
export function listElements(ends: Uint32Array): number {
  return ends.length === 0 ? 0 : (ends[ends.length - 1] as number);
}
