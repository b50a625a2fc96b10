// What a record may be. Records cross threads by structured clone (or v8.serialize, its twin),
// which keeps plain data but returns a class instance as a plain object: its methods and
// accessors are gone, silently (a getter reads undefined). findLostClass finds such an instance
// so the engine refuses it where records leave a thread, naming the class, rather than deliver it
// altered. Built-in types the clone rebuilds (Map, Set, Date, typed arrays, errors...) are fine.

import { errors } from '../errors.js';

// A bounded look: the first record of each batch is checked this deep, so huge records
// (a glom()'d partition, a group) cost no more than small ones.
const NODE_BUDGET = 64;

let builtins: Set<object> | undefined;

function getBuiltins(): Set<object> {
  return (builtins ??= builtinPrototypes());
}

function builtinPrototypes(): Set<object> {
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
  const ctors = [
    Object,
    Array,
    Map,
    Set,
    Date,
    RegExp,
    ArrayBuffer,
    SharedArrayBuffer,
    DataView,
    Boolean,
    Number,
    String,
    BigInt,
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ];
  return new Set<object>([typedArray, ...ctors.map((c) => c.prototype as object)]);
}

// Prototype → the class name whose behaviour a clone would drop, or null when nothing is lost.
const verdicts = new WeakMap<object, string | null>();

function verdictOf(proto: object): string | null {
  const cached = verdicts.get(proto);
  if (cached !== undefined) return cached;
  const stop = getBuiltins();
  let verdict: string | null = null;
  for (
    let p: object | null = proto;
    p !== null && !stop.has(p);
    p = Object.getPrototypeOf(p) as object | null
  ) {
    const names = Object.getOwnPropertyNames(p);
    if (names.some((n) => n !== 'constructor') || Object.getOwnPropertySymbols(p).length > 0) {
      verdict = className(proto);
      break;
    }
  }
  verdicts.set(proto, verdict);
  return verdict;
}

function className(proto: object): string {
  const ctor = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : '(anonymous class)';
}

/**
 * The class of the first instance in `value` (itself, or inside plain objects, arrays, Map and
 * Set, breadth first within a budget) whose methods or accessors a clone would lose.
 */
export function findLostClass(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined; // the common case: fast
  const queue: unknown[] = [value];
  let budget = NODE_BUDGET;
  for (let i = 0; i < queue.length && budget > 0; i++, budget--) {
    const v = queue[i];
    if (typeof v !== 'object' || v === null) continue;
    const proto = Object.getPrototypeOf(v) as object | null;
    if (proto === Array.prototype) {
      const items = v as unknown[];
      for (let j = 0; j < items.length && queue.length < NODE_BUDGET; j++) queue.push(items[j]);
      continue;
    }
    if (proto !== Object.prototype && proto !== null) {
      const lost = verdictOf(proto);
      if (lost !== null) return lost;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        if (queue.length >= NODE_BUDGET) break;
        queue.push(k, x);
      }
    } else if (v instanceof Set) {
      for (const x of v) {
        if (queue.length >= NODE_BUDGET) break;
        queue.push(x);
      }
    } else if (proto === Object.prototype || proto === null || !getBuiltins().has(proto)) {
      // Plain objects, and instances of field-only classes, whose fields may hold instances.
      for (const k in v) {
        if (queue.length >= NODE_BUDGET) break;
        queue.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return undefined;
}

/** Main-thread check of records handed in whole (parallelize): every record, each bounded. */
export function assertPlainRecords(records: readonly unknown[], where: string): void {
  for (let i = 0; i < records.length; i++) {
    const lost = findLostClass(records[i]);
    if (lost !== undefined) throw errors.recordLosesClass(`${where}[${i}]`, lost);
  }
}
