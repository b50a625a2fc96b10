// KeyTable: entries found by key with keyOf's by-value equality, without building a key string
// or an object per key. Open addressing on hashKey (the hash the HashPartitioner uses, so a
// caller that hashed a key once partitions it for free): the index holds (hash, entry number)
// pairs; keys, values and hashes sit in dense arrays in first-seen order, which is the order
// entries iterate in. -0 finds 0 and NaN finds NaN (keysEqual), as keyOf and Map agree.
import { hashKey } from './keys.js';

// The index doubles once entries pass half its slots: probes stay short (linear probing).
const INITIAL_SLOTS = 64;
// An expected size makes room for at most 2^22 entries up front (a 32 MiB index).
const MAX_INITIAL_SLOTS = 1 << 23;
// Marks an occupied slot's hash word, so that 0 means empty whatever a key hashes to.
const OCCUPIED = 0x80000000;

export class KeyTable<V> {
  /** Entry i's key, value and hashKey: dense, in the order keys were first added. */
  readonly keys: unknown[] = [];
  readonly entries: V[] = [];
  readonly hashes: number[] = [];
  /** Two words a slot: hash | OCCUPIED (0 when empty), then the entry number. */
  private index: Int32Array;
  // Slots are picked by the top bits of a multiplicative rehash (Fibonacci hashing): the low
  // bits of hashKey pick the reduce partition, so every key of one partition shares them.
  private shift: number;

  /** `expectedSize`: entries to make room for up front, so that the index need not grow. */
  constructor(expectedSize = 0) {
    let slots = INITIAL_SLOTS;
    while (slots < expectedSize * 2 && slots < MAX_INITIAL_SLOTS) slots *= 2;
    this.index = new Int32Array(slots * 2);
    this.shift = 32 - Math.log2(slots);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The entry number of `key`, whose hashKey is `hash`, or -1. */
  find(key: unknown, hash: number): number {
    const index = this.index;
    const mask = index.length - 2;
    const tag = hash | OCCUPIED;
    for (let s = (Math.imul(hash, 0x9e3779b1) >>> this.shift) << 1; ; s = (s + 2) & mask) {
      const t = index[s];
      if (t === 0) return -1;
      if (t === tag) {
        const at = index[s + 1] as number;
        if (keysEqual(this.keys[at], key)) return at;
      }
    }
  }

  /** Adds a key that find() just said is absent; returns its entry number. */
  insert(key: unknown, hash: number, value: V): number {
    const at = this.keys.length;
    this.keys.push(key);
    this.entries.push(value);
    this.hashes.push(hash);
    if ((at + 1) * 4 > this.index.length) this.grow();
    else place(this.index, this.shift, hash, at);
    return at;
  }

  /** The value of `key`, or undefined. `key` must satisfy isValidKey (hashKey refuses others). */
  get(key: unknown): V | undefined {
    const at = this.find(key, hashKey(key));
    return at < 0 ? undefined : this.entries[at];
  }

  /** Adds the value of a key that get() just said is absent. */
  add(key: unknown, value: V): void {
    this.insert(key, hashKey(key), value);
  }

  /** Every value, in the order their keys were first added. */
  values(): readonly V[] {
    return this.entries;
  }

  private grow(): void {
    const index = new Int32Array(this.index.length * 2);
    const shift = this.shift - 1;
    const hashes = this.hashes;
    for (let at = 0; at < hashes.length; at++) place(index, shift, hashes[at] as number, at);
    this.index = index;
    this.shift = shift;
  }
}

function place(index: Int32Array, shift: number, hash: number, at: number): void {
  const mask = index.length - 2;
  let s = (Math.imul(hash, 0x9e3779b1) >>> shift) << 1;
  while (index[s] !== 0) s = (s + 2) & mask;
  index[s] = hash | OCCUPIED;
  index[s + 1] = at;
}

/** keyOf(a) === keyOf(b) for valid keys, element by element. */
export function keysEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true; // -0 === 0; 1n === 1n
  if (typeof a === 'number') return typeof b === 'number' && a !== a && b !== b; // NaN
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!keysEqual(a[i], b[i])) return false;
  return true;
}
