// KeyTable: entries found by key with keyOf's by-value equality, without building a key string.
// Primitive keys are Map keys themselves (Map's SameValueZero already merges NaN with NaN and -0
// with 0, as keyOf does, and keeps 1 and 1n apart); array keys go to a Map on hashKey with
// element-wise comparison (keysEqual), so the '\u0000[...]' string keyOf would build is never
// made. Entries iterate in first-seen order, whatever their key kinds.
import { hashKey } from './keys.js';

export class KeyTable<E> {
  private readonly primitives = new Map<unknown, E>();
  /** hashKey -> the chain of entries whose array keys hash there. */
  private readonly arrays = new Map<number, ArraySlot<E>>();
  private readonly order: E[] = [];

  get size(): number {
    return this.order.length;
  }

  /** The entry of `key`, or undefined. `key` must satisfy isValidKey. */
  get(key: unknown): E | undefined {
    if (isPrimitiveKey(key)) return this.primitives.get(key);
    for (let s = this.arrays.get(hashKey(key)); s !== undefined; s = s.next) {
      if (keysEqual(s.key, key)) return s.entry;
    }
    return undefined;
  }

  /** Adds the entry of a key that get() just said is absent. */
  add(key: unknown, entry: E): void {
    if (isPrimitiveKey(key)) {
      this.primitives.set(key, entry);
      this.order.push(entry);
      return;
    }
    const h = hashKey(key);
    this.order.push(entry);
    // Newest first in the chain: one shape for every slot keeps the lookup monomorphic.
    this.arrays.set(h, { key: key as readonly unknown[], entry, next: this.arrays.get(h) });
  }

  /** Every entry, in the order their keys were first added. */
  values(): readonly E[] {
    return this.order;
  }
}

// Anything else is an array (hashKey then checks its elements) or an invalid key, which hashKey
// refuses with INVALID_ARGUMENT as keyOf does.
function isPrimitiveKey(key: unknown): boolean {
  switch (typeof key) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'object':
      return key === null;
    case 'function':
    case 'symbol':
      return false;
  }
}

interface ArraySlot<E> {
  key: readonly unknown[];
  entry: E;
  next: ArraySlot<E> | undefined;
}

/** keyOf(a) === keyOf(b) for valid keys, element by element. */
export function keysEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true; // -0 === 0; 1n === 1n
  if (typeof a === 'number') return typeof b === 'number' && a !== a && b !== b; // NaN
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!keysEqual(a[i], b[i])) return false;
  return true;
}
