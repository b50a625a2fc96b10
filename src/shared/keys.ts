// Key semantics shared by the main thread and the workers: keys compare by value (numbers,
// strings, booleans, bigints, null/undefined and arrays of these). hashKey is the same in every
// thread and process (no per-process seed, byte order fixed), because shuffle and checkpoint
// files written by one thread are read by another. It runs once per shuffled record: keep it lean.
import { errors } from './errors.js';

export type MapKey = string | number | boolean | bigint | null | undefined;

const KEY_EXPECTED =
  'a key that compares by value: number, string, boolean, bigint, null, undefined or an array of these';

// ---- hashing: murmur3 (x86, 32-bit) block mixing and finalizer ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Hash the float64 as (low word, high word) whatever the platform's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

// One seed per type, so that e.g. 1, '1' and [1] do not land together by construction.
const SEED_NUMBER = 0x9747b28c;
const SEED_STRING = 0x5bd1e995;
const SEED_BIGINT = 0x27d4eb2f;
const SEED_ARRAY = 0x165667b1;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const HASH_NAN = fmix(SEED_NUMBER ^ 0x7ff80000);
const HASH_TRUE = fmix(0x1f2e3d4c);
const HASH_FALSE = fmix(0x4c3d2e1f);
const HASH_NULL = fmix(0x6a09e667);
const HASH_UNDEFINED = fmix(0x3c6ef372);

function hashNumber(x: number): number {
  if (x !== x) return HASH_NAN; // every NaN payload alike
  f64[0] = x === 0 ? 0 : x; // -0 hashes as 0
  return fmix(mix(mix(SEED_NUMBER, u32[LO]!), u32[HI]!) ^ 8);
}

function hashString(s: string, seed: number): number {
  const n = s.length;
  let h = seed;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) {
    const k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    h ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  }
  return fmix(h ^ (n << 1));
}

function hashAny(key: unknown): number {
  switch (typeof key) {
    case 'number':
      return hashNumber(key);
    case 'string':
      return hashString(key, SEED_STRING);
    case 'boolean':
      return key ? HASH_TRUE : HASH_FALSE;
    case 'bigint':
      return hashString(key.toString(), SEED_BIGINT);
    case 'undefined':
      return HASH_UNDEFINED;
    case 'object':
    case 'function':
    case 'symbol': {
      if (key === null) return HASH_NULL;
      if (!Array.isArray(key)) throw errors.invalidArgument('key', KEY_EXPECTED, key);
      return hashArray(key);
    }
  }
}

// String and number elements, the usual ones ([string, number] keys), are hashed here without
// going round hashAny's switch; any other element through it. Same values as hashAny on each.
function hashArray(key: readonly unknown[]): number {
  let h = SEED_ARRAY;
  for (let i = 0; i < key.length; i++) {
    const x = key[i];
    const hx =
      typeof x === 'string'
        ? hashString(x, SEED_STRING)
        : typeof x === 'number'
          ? hashNumber(x)
          : hashAny(x);
    h = mix(h, hx);
  }
  return fmix(h ^ key.length);
}

/** A non-negative int32, equal for keys equal by value, the same in every thread and process. */
export function hashKey(key: unknown): number {
  return hashAny(key) & 0x7fffffff;
}

// ---- Map keys ----

/**
 * A value usable as a Map key with by-value equality. Arrays become '\u0000[...]'; a user string
 * that starts with '\u0000' gets a second '\u0000', so the two kinds can never collide.
 */
export function keyOf(key: unknown): MapKey {
  switch (typeof key) {
    case 'number':
      return key === 0 ? 0 : key;
    case 'string':
      return key.charCodeAt(0) === 0 ? '\u0000' + key : key;
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return key;
    case 'object':
    case 'function':
    case 'symbol':
      if (key === null) return null;
      if (!Array.isArray(key)) throw errors.invalidArgument('key', KEY_EXPECTED, key);
      return '\u0000' + encodeArray(key);
  }
}

/**
 * Key equality for two keyOf results, the one Map uses (SameValueZero): NaN equals NaN and -0
 * equals 0, as Spark SQL groups and joins them (SPARK-26021 normalizes -0.0 and NaN). Anything
 * comparing keys outside a Map (lookup) uses this, so it agrees with reduceByKey and join.
 */
export function sameMapKey(a: MapKey, b: MapKey): boolean {
  return a === b || (a !== a && b !== b);
}

// Every element encoding is self-delimiting (strings JSON-quoted, others never contain ',' or
// ']'), so the encoding is injective.
function encodeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    const item: unknown = items[i];
    switch (typeof item) {
      case 'number':
        out += 'n' + String(item); // String(-0) === '0'
        break;
      case 'string':
        out += JSON.stringify(item);
        break;
      case 'boolean':
        out += item ? 't' : 'f';
        break;
      case 'bigint':
        out += 'b' + item.toString();
        break;
      case 'undefined':
        out += 'u';
        break;
      case 'object':
      case 'function':
      case 'symbol':
        if (item === null) out += 'z';
        else if (Array.isArray(item)) out += encodeArray(item);
        else throw errors.invalidArgument('key', KEY_EXPECTED, item);
    }
  }
  return out + ']';
}

// ---- ordering ----

// undefined < null < booleans < numbers and bigints < strings < arrays
function rank(key: unknown): number {
  switch (typeof key) {
    case 'undefined':
      return 0;
    case 'boolean':
      return 2;
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'object':
    case 'function':
    case 'symbol':
      if (key === null) return 1;
      if (Array.isArray(key)) return 5;
      throw errors.invalidArgument('key', KEY_EXPECTED, key);
  }
}

/**
 * A total order consistent with keyOf equality. Numbers and bigints compare numerically; NaN
 * is last among them; a number equal to a bigint sorts first (they are different keys).
 */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    return a === b ? 0 : compareNaN(a, b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const x = a as number | bigint;
      const y = b as number | bigint;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x == y) return typeof x === typeof y ? 0 : typeof x === 'number' ? -1 : 1; // == : 1 == 1n is the numeric test
      return compareNaN(x, y);
    }
    case 5:
      return compareArrays(a as readonly unknown[], b as readonly unknown[]);
    default:
      return 0; // undefined, null
  }
}

function compareNaN(a: number | bigint, b: number | bigint): number {
  const aNaN = a !== a;
  const bNaN = b !== b;
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeys(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// ---- sorting ----

// Stands in for undefined while sorting: never a record, never seen by `compare`.
const UNDEFINED = Symbol('undefined');

/**
 * Sorts `array` in place by `compare`, undefined elements included. Array.prototype.sort puts
 * undefined elements last without calling `compare`, which disagreed with compareKeys (undefined
 * is the smallest key) and hid them from a user's comparator. Stable, as Array.prototype.sort.
 */
export function sortWith<T>(array: T[], compare: (a: T, b: T) => number): T[] {
  if (!array.includes(undefined as T)) return array.sort(compare);
  const slots = array as unknown[];
  for (let i = 0; i < slots.length; i++) if (slots[i] === undefined) slots[i] = UNDEFINED;
  const restore = (x: unknown) => (x === UNDEFINED ? undefined : x) as T;
  slots.sort((a, b) => compare(restore(a), restore(b)));
  for (let i = 0; i < slots.length; i++) if (slots[i] === UNDEFINED) slots[i] = undefined;
  return array;
}

// ---- validation ----

export function isValidKey(key: unknown): boolean {
  switch (typeof key) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'object':
    case 'function':
    case 'symbol':
      return key === null || (Array.isArray(key) && key.every(isValidKey));
  }
}

export function assertValidKey(key: unknown, where: string): void {
  if (!isValidKey(key)) throw errors.invalidArgument(`key in ${where}`, KEY_EXPECTED, key);
}
