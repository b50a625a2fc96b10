// What a record may be. Records cross threads by structured clone (or v8.serialize, its twin),
// which keeps plain data but returns a class instance as a plain object: its methods and
// accessors are gone, silently (a getter reads undefined). findLostClass finds such an instance
// so the engine refuses it where records leave a thread, naming the class, rather than deliver it
// altered. Built-in types the clone rebuilds (Map, Set, Date, typed arrays, errors...) are fine.

import { errors } from '../errors.js';

// A bounded look: at most this many objects a record, and entries a container, so huge
// records (a glom()'d partition, a group) cost no more than small ones.
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
 * Set, depth first within a budget of objects and of entries per container) whose methods or
 * accessors a clone would lose. Allocates nothing: it runs for records on hot paths.
 */
export function findLostClass(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined; // the common case: fast
  budget = NODE_BUDGET;
  return visit(value);
}

let budget = 0;

function visitChild(x: unknown): string | undefined {
  return typeof x === 'object' && x !== null && budget > 0 ? visit(x) : undefined;
}

function visit(v: object): string | undefined {
  budget--;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === Array.prototype) {
    const items = v as unknown[];
    const n = Math.min(items.length, NODE_BUDGET);
    for (let i = 0; i < n; i++) {
      const lost = visitChild(items.at(i));
      if (lost !== undefined) return lost;
    }
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) {
    const lost = verdictOf(proto);
    if (lost !== null) return lost;
    if (v instanceof Map || v instanceof Set) return visitEntries(v);
    // Other built-ins hold nothing to check; a field-only class's fields may hold instances.
    if (getBuiltins().has(proto)) return undefined;
  }
  let seen = 0;
  for (const k in v) {
    if (++seen > NODE_BUDGET) break;
    const lost = visitChild((v as Record<string, unknown>)[k]);
    if (lost !== undefined) return lost;
  }
  return undefined;
}

function visitEntries(c: Map<unknown, unknown> | Set<unknown>): string | undefined {
  let seen = 0;
  for (const entry of c.entries()) {
    if (++seen > NODE_BUDGET) break;
    const lost = visitChild(entry[0]) ?? visitChild(entry[1]);
    if (lost !== undefined) return lost;
  }
  return undefined;
}

/** Main-thread check of records handed in whole (parallelize): every record, each bounded. */
export function assertPlainRecords(records: readonly unknown[], where: string): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (typeof r !== 'object' || r === null) continue;
    const lost = findLostClass(r);
    if (lost !== undefined) throw errors.recordLosesClass(`${where}[${i}]`, lost);
  }
}
