// Record codec: a batch of records becomes one column, encoded by type when the
// batch is homogeneous (numbers, strings, booleans, same-shape plain objects,
// [key, value] pairs, lists (list-column.ts), the last three recursively) and
// by v8.serialize otherwise.
// Lossless by construction: any column a typed layout cannot carry exactly is
// written with v8. Layout is little-endian; see docs/checkpoint-format.md.

import v8 from 'node:v8';
import { errors, isKindlingError } from '../errors.js';
import { ByteReader, ByteWriter } from './byte-io.js';
import { MAX_KEYS, decodeObjects, isPlainObject, objectShape } from './object-shape.js';
import {
  flattenLists,
  listElements,
  readListEnds,
  splitLists,
  writeListEnds,
} from './list-column.js';

/** The tag byte that starts every column; a batch is one column. */
export const ColumnTag = {
  V8: 1,
  F64: 2,
  I32: 3,
  STR: 4,
  BOOL: 5,
  NULL: 6,
  UNDEFINED: 7,
  OBJECT: 8,
  PAIR: 9,
  LIST: 10,
  /** A PAIR column led by each key's hashKey (int32s): a shuffle's reducer need not rehash. */
  HASHED_PAIR: 11,
} as const;

// Typed columns are byte copies of typed arrays, so they need a little-endian
// host; elsewhere every batch takes the (host-order) v8 layout.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// Nesting of object/pair columns; deeper values go to v8, which bounds recursion.
const MAX_DEPTH = 16;
// Strings are joined into one block; past this a column takes the v8 layout
// rather than approach V8's maximum string length.
const MAX_STRING_BLOCK = 1 << 28;

// Node 20 has String.prototype.isWellFormed; TypeScript's ES2023 lib does not declare it.
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Encodes a batch of records; decodeRecords(encodeRecords(r)) deep-equals r. */
export function encodeRecords(records: readonly unknown[]): Buffer {
  const w = new ByteWriter(64 + records.length * 12);
  encodeColumn(w, records, 0);
  return w.finish();
}

/**
 * Encodes the records [keys[i], values[i]], as encodeRecords would encode those pairs, without
 * building them: map-side combine and shuffle buckets keep their keys and values apart.
 * `hashes`, when given for every key, is hashKey of each key, written ahead of the columns
 * (HASHED_PAIR) for decodePairColumns to hand back; decodeRecords reads past it.
 */
export function encodePairs(
  keys: readonly unknown[],
  values: readonly unknown[],
  hashes?: readonly number[],
): Buffer {
  const hashed = everyKeyHashed(keys, hashes);
  const n = keys.length;
  if (values.length !== n) {
    throw errors.internal(`encodePairs: ${n} keys and ${values.length} values`);
  }
  if (n === 0 || !LITTLE_ENDIAN) {
    const pairs = new Array<[unknown, unknown]>(n);
    for (let i = 0; i < n; i++) pairs[i] = [keys.at(i), values.at(i)];
    return encodeRecords(pairs);
  }
  const w = new ByteWriter(64 + n * 16);
  if (hashed !== undefined) {
    w.header(ColumnTag.HASHED_PAIR, n);
    const out = w.int32s(n);
    for (let i = 0; i < n; i++) out[i] = hashed[i] as number;
  } else {
    w.header(ColumnTag.PAIR, n);
  }
  encodeColumn(w, keys, 1);
  encodeColumn(w, values, 1);
  return w.finish();
}

/**
 * `hashes` when it holds one for every key, else undefined: hashes go with keys only then, and
 * a writer that cuts keys into frames applies this before slicing both, so that no slice of a
 * shorter list pairs a key with another key's hash.
 */
export function everyKeyHashed(
  keys: readonly unknown[],
  hashes: readonly number[] | undefined,
): readonly number[] | undefined {
  return hashes !== undefined && hashes.length === keys.length ? hashes : undefined;
}

/**
 * Whether a pair column carries `v` exactly: a two-element array without holes (v8 keeps the
 * holes). Its prototype is not asked: v8.serialize makes any array a plain Array too, and
 * Object.getPrototypeOf of a record whose map V8 cannot infer is a runtime call (~2.5% of a
 * join's CPU). Named properties on the array are not checked either: Object.keys on every pair
 * costs more than v8.serialize itself; they are dropped.
 */
export function isPlainPair(v: unknown): v is [unknown, unknown] {
  if (!Array.isArray(v) || v.length !== 2) return false;
  // A hole reads as undefined: `in` only for those.
  return !((v.at(0) === undefined && !(0 in v)) || (v.at(1) === undefined && !(1 in v)));
}

/**
 * Decodes a batch; throws CHECKPOINT_CORRUPT (without a path) on malformed
 * input. Frame readers pass the record count from the frame header, checked
 * before anything is allocated for the records.
 */
export function decodeRecords(bytes: Uint8Array, expectedCount?: number): unknown[] {
  const r = new ByteReader(bytes);
  try {
    const out = decodeColumn(r, 0, expectedCount);
    if (r.remaining() !== 0) throw errors.recordBatchCorrupt(`${r.remaining()} trailing bytes`);
    return out;
  } catch (e) {
    if (isKindlingError(e)) throw e;
    throw errors.recordBatchCorrupt(e instanceof Error ? e.message : String(e), e);
  }
}

/**
 * What decodePairColumns gives: a pair column's keys and values as two arrays (no [key, value]
 * array is built for a record), or any other batch as its records.
 */
export type DecodedColumns =
  | {
      kind: 'pairs';
      keys: unknown[];
      values: unknown[];
      /** hashKey of each key, when the writer sent them (HASHED_PAIR). */
      hashes?: Int32Array;
    }
  | { kind: 'records'; records: unknown[] };

/**
 * decodeRecords for readers that take a batch of pairs apart at once (reduce-side aggregation,
 * cogroup, joins): the same bytes and the same checks, but a PAIR column comes back as its key
 * and value columns, saving the two allocations a record costs and the garbage they become.
 */
export function decodePairColumns(bytes: Uint8Array, expectedCount?: number): DecodedColumns {
  const tag = bytes[0];
  if (tag !== ColumnTag.PAIR && tag !== ColumnTag.HASHED_PAIR)
    return { kind: 'records', records: decodeRecords(bytes, expectedCount) };
  const r = new ByteReader(bytes);
  try {
    r.u8();
    const n = r.u32();
    if (expectedCount !== undefined && n !== expectedCount) {
      throw errors.recordBatchCorrupt(`column holds ${n} values, expected ${expectedCount}`);
    }
    const hashes = tag === ColumnTag.HASHED_PAIR ? r.int32Copy(n) : undefined;
    const keys = decodeNested(r, n, 0);
    const values = decodeNested(r, n, 0);
    if (r.remaining() !== 0) throw errors.recordBatchCorrupt(`${r.remaining()} trailing bytes`);
    return hashes === undefined
      ? { kind: 'pairs', keys, values }
      : { kind: 'pairs', keys, values, hashes };
  } catch (e) {
    if (isKindlingError(e)) throw e;
    throw errors.recordBatchCorrupt(e instanceof Error ? e.message : String(e), e);
  }
}

function encodeColumn(w: ByteWriter, values: readonly unknown[], depth: number): void {
  if (values.length > 0 && LITTLE_ENDIAN && depth < MAX_DEPTH && tryTyped(w, values, depth)) return;
  const bytes = v8.serialize(values);
  w.header(ColumnTag.V8, values.length);
  w.u32(bytes.length);
  w.bytes(bytes);
}

function tryTyped(w: ByteWriter, values: readonly unknown[], depth: number): boolean {
  const first = values[0];
  switch (typeof first) {
    case 'number':
      return tryNumbers(w, values);
    case 'string':
      return tryStrings(w, values);
    case 'boolean':
      return tryBooleans(w, values);
    case 'undefined':
      // `i in values` tells a hole (kept by v8) from a stored undefined.
      for (let i = 0; i < values.length; i++) {
        if (values.at(i) !== undefined || !(i in values)) return false;
      }
      w.header(ColumnTag.UNDEFINED, values.length);
      return true;
    case 'object':
      if (first === null) {
        for (let i = 0; i < values.length; i++) if (values.at(i) !== null) return false;
        w.header(ColumnTag.NULL, values.length);
        return true;
      }
      if (Array.isArray(first)) return tryPairs(w, values, depth) || tryLists(w, values, depth);
      return isPlainObject(first) && tryObjects(w, values, depth);
    case 'bigint':
    case 'symbol':
    case 'function':
      return false;
  }
}

/**
 * Int32s if every value is one, else float64s; false if any is not a number. Written as they
 * are checked, in one pass, by a loop: TypedArray.set from an array is fast only from some of
 * V8's element kinds (~1 ns a value from small integers, 5 from holey doubles, 25 from generic
 * elements), and a shuffle bucket's arrays come in any of them.
 */
function tryNumbers(w: ByteWriter, values: readonly unknown[]): boolean {
  const n = values.length;
  const start = w.pos;
  w.header(ColumnTag.I32, n);
  const ints = w.int32s(n);
  let i = 0;
  for (; i < n; i++) {
    const v = values.at(i);
    // -0 is not an int32: Int32Array would store it as 0.
    if (typeof v !== 'number' || (v | 0) !== v || (v === 0 && 1 / v < 0)) break;
    ints[i] = v;
  }
  if (i === n) return true;
  w.rewind(start);
  for (let j = i; j < n; j++) if (typeof values[j] !== 'number') return false;
  w.header(ColumnTag.F64, n);
  const doubles = w.float64s(n);
  for (let j = 0; j < n; j++) doubles[j] = values[j] as number;
  return true;
}

function tryStrings(w: ByteWriter, values: readonly unknown[]): boolean {
  const n = values.length;
  // One UTF-8 pass over the whole column instead of one call per string; +=
  // builds a rope that the well-formedness check flattens once (about twice
  // as fast as join). Offsets count UTF-16 code units, so two lone surrogates
  // that pair up in the block still split back exactly; only a block that
  // stays ill-formed (UTF-8 would turn a lone surrogate into U+FFFD) needs v8.
  let block = '';
  for (let i = 0; i < n; i++) {
    const v = values.at(i);
    if (typeof v !== 'string') return false;
    if (v.length > MAX_STRING_BLOCK - block.length) return false;
    block += v;
  }
  if (!isWellFormed(block)) return false;
  w.header(ColumnTag.STR, n);
  w.stringEnds(values as readonly string[]);
  w.utf8(block);
  return true;
}

function tryBooleans(w: ByteWriter, values: readonly unknown[]): boolean {
  const n = values.length;
  for (let i = 0; i < n; i++) if (typeof values.at(i) !== 'boolean') return false;
  w.header(ColumnTag.BOOL, n);
  const out = w.reserve(n);
  for (let i = 0; i < n; i++) w.buf[out + i] = values.at(i) === true ? 1 : 0;
  return true;
}

function tryPairs(w: ByteWriter, values: readonly unknown[], depth: number): boolean {
  const n = values.length;
  const keys = new Array<unknown>(n);
  const vals = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = values.at(i);
    if (!isPlainPair(v)) return false;
    keys[i] = v.at(0);
    vals[i] = v.at(1);
  }
  w.header(ColumnTag.PAIR, n);
  encodeColumn(w, keys, depth + 1);
  encodeColumn(w, vals, depth + 1);
  return true;
}

function tryLists(w: ByteWriter, values: readonly unknown[], depth: number): boolean {
  const flat = flattenLists(values);
  if (flat === undefined) return false;
  w.header(ColumnTag.LIST, values.length);
  writeListEnds(w, values);
  encodeColumn(w, flat, depth + 1);
  return true;
}

function tryObjects(w: ByteWriter, values: readonly unknown[], depth: number): boolean {
  const shape = objectShape(values);
  if (shape === undefined) return false;
  w.header(ColumnTag.OBJECT, values.length);
  encodeColumn(w, shape.keys, depth + 1);
  for (const column of shape.columns) encodeColumn(w, column, depth + 1);
  return true;
}

function decodeColumn(r: ByteReader, depth: number, expected: number | undefined): unknown[] {
  if (depth > MAX_DEPTH) throw errors.recordBatchCorrupt(`columns nested deeper than ${MAX_DEPTH}`);
  const tag = r.u8();
  const n = r.u32();
  if (expected !== undefined && n !== expected) {
    throw errors.recordBatchCorrupt(`column holds ${n} values, expected ${expected}`);
  }
  switch (tag) {
    case ColumnTag.V8: {
      const out = deserializeCopying(r.take(r.u32()));
      if (!Array.isArray(out) || out.length !== n) {
        throw errors.recordBatchCorrupt(`v8 column does not hold ${n} records`);
      }
      return out;
    }
    case ColumnTag.F64:
      return r.float64s(n);
    case ColumnTag.I32:
      return r.int32s(n);
    case ColumnTag.STR:
      return r.strings(n);
    case ColumnTag.BOOL: {
      const at = r.skip(n);
      const out = new Array<boolean>(n);
      for (let i = 0; i < n; i++) {
        const b = r.buf[at + i];
        if (b !== 0 && b !== 1) throw errors.recordBatchCorrupt(`boolean byte ${b}`);
        out[i] = b === 1;
      }
      return out;
    }
    case ColumnTag.NULL:
      return new Array<null>(n).fill(null);
    case ColumnTag.UNDEFINED:
      return new Array<undefined>(n).fill(undefined);
    case ColumnTag.HASHED_PAIR:
    case ColumnTag.PAIR: {
      // Only readers of pair columns (decodePairColumns) use the hashes.
      if (tag === ColumnTag.HASHED_PAIR) {
        r.align(4);
        r.skip(n * 4);
      }
      const keys = decodeNested(r, n, depth);
      const vals = decodeNested(r, n, depth);
      const out = new Array<[unknown, unknown]>(n);
      for (let i = 0; i < n; i++) out[i] = [keys.at(i), vals.at(i)];
      return out;
    }
    case ColumnTag.LIST: {
      const ends = readListEnds(r, n);
      return splitLists(decodeColumn(r, depth + 1, listElements(ends)), ends);
    }
    case ColumnTag.OBJECT: {
      // The encoder writes at most MAX_KEYS keys; refuse more before allocating.
      if (r.remaining() >= 5 && r.buf.readUInt32LE(r.pos + 1) > MAX_KEYS) {
        throw errors.recordBatchCorrupt(`object column with more than ${MAX_KEYS} keys`);
      }
      const keys = decodeColumn(r, depth + 1, undefined);
      if (!keys.every((k) => typeof k === 'string')) {
        throw errors.recordBatchCorrupt('object column keys are not strings');
      }
      const columns = keys.map(() => decodeNested(r, n, depth));
      return decodeObjects(keys, columns, n);
    }
    default:
      throw errors.recordBatchCorrupt(`unknown column tag ${tag}`);
  }
}

// node's DefaultDeserializer returns Buffers and typed arrays as views of its
// input: a 1-byte Buffer record would pin a whole frame, and a view into a
// reused read buffer would change under the caller. Copying each view out
// costs less than copying the column up front.
interface HostObjectReader {
  _readHostObject: (this: v8.Deserializer) => unknown;
}
const readHostObject = (v8.DefaultDeserializer.prototype as unknown as HostObjectReader)
  ._readHostObject;

class CopyingDeserializer extends v8.DefaultDeserializer {
  _readHostObject(): unknown {
    const view = readHostObject.call(this);
    if (Buffer.isBuffer(view)) return Buffer.from(view);
    if (view instanceof DataView) {
      return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    }
    if (ArrayBuffer.isView(view)) return (view as Uint8Array).slice();
    return view;
  }
}

function deserializeCopying(bytes: Buffer): unknown {
  const d = new CopyingDeserializer(bytes);
  d.readHeader();
  return d.readValue();
}

function decodeNested(r: ByteReader, n: number, depth: number): unknown[] {
  return decodeColumn(r, depth + 1, n);
}
