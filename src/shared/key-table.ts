// KeyTable: entries found by key with keyOf's by-value equality, without building a key string
// or an object per key. Open addressing: the index holds (tag, entry number) pairs; keys and
// values sit in dense arrays in first-seen order, which is the order entries iterate in. -0
// finds 0 and NaN finds NaN (keysEqual), as keyOf and Map agree.
//
// Where a key lands: an int32 key by its own low bits, the bits above them folded in (dense
// integer keys, the common case, take neighbouring slots, so a pass over them walks the index
// in order instead of missing the cache at every record: combining 500 k records over 100 k
// sequential ids went from ~80 to ~15 ns a record), further probes perturbed by its bits as
// CPython's dict does; any other key by hashKey, rehashed multiplicatively, probing linearly.
// A caller that partitions by hashKey gets a key's from hashKeyOf: computed once per distinct
// key (int keys) or kept from the lookup (others), never once per record.

import { hashKey } from './keys.js';

// The index doubles once entries pass half its slots: probes stay short.
const INITIAL_SLOTS = 64;
// An expected size makes room for at most 2^22 entries up front (a 32 MiB index).
const MAX_INITIAL_SLOTS = 1 << 23;
// Marks an occupied slot's tag word, so that 0 means empty whatever a key hashes to.
const OCCUPIED = 0x80000000 | 0;
// Bits of an int key mixed into each further probe (CPython's PERTURB_SHIFT).
const PERTURB_SHIFT = 5;
// Fibonacci hashing's multiplier (2^32 / golden ratio).
const GOLDEN = 0x9e3779b1 | 0;

export class KeyTable<V> {
  /** Entry i's key and value: dense, in the order keys were first added. */
  readonly keys: unknown[] = [];
  readonly entries: V[] = [];
  /** Entry i's slot hash (see header; hashKey for all but int keys), kept for grow(). */
  private hashes: Int32Array;
  /** Two words a slot: tag | OCCUPIED (0 when empty), then the entry number. */
  private index: Int32Array;
  /** log2 of the slot count. */
  private bits: number;
  /** The key, empty slot and slot hash the last unsuccessful find() ended on, for insert(). */
  private freeKey: unknown = undefined;
  private freeSlot = -1;
  private freeHash = 0;

  /** `expectedSize`: entries to make room for up front, so that the index need not grow. */
  constructor(expectedSize = 0) {
    let slots = INITIAL_SLOTS;
    while (slots < expectedSize * 2 && slots < MAX_INITIAL_SLOTS) slots *= 2;
    this.index = new Int32Array(slots * 2);
    this.bits = Math.log2(slots);
    this.hashes = new Int32Array(hashCapacity(slots));
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * The entry number of `key`, or -1 (then insert() may add it). `hash`, when known (a shuffle
   * sent it), is its hashKey.
   */
  find(key: unknown, hash?: number): number {
    if (typeof key === 'number' && (key | 0) === key) return this.findInt(key | 0);
    return this.findHashed(key, hash ?? hashKey(key));
  }

  /**
   * Adds `key` with `value`; its entry number. After find() or get() said `key` is absent it
   * reuses where that lookup ended; otherwise it looks again (and replaces a present key's value).
   */
  insert(key: unknown, value: V): number {
    if (this.freeSlot < 0 || this.freeKey !== key) {
      const found = this.find(key);
      if (found >= 0) {
        this.entries[found] = value;
        return found;
      }
    }
    const at = this.keys.length;
    this.keys.push(key);
    this.entries.push(value);
    this.hashes[at] = this.freeHash;
    if ((at + 1) * 4 > this.index.length) {
      this.grow();
    } else {
      this.index[this.freeSlot] = this.freeHash | OCCUPIED;
      this.index[this.freeSlot + 1] = at;
    }
    this.freeSlot = -1;
    return at;
  }

  /** The value of `key`, or undefined. `key` must satisfy isValidKey (hashKey refuses others). */
  get(key: unknown, hash?: number): V | undefined {
    const at = this.find(key, hash);
    return at < 0 ? undefined : this.entries[at];
  }

  /** hashKey of entry `at`'s key: kept from its insert for all but int keys, which hash fast. */
  hashKeyOf(at: number): number {
    const k = this.keys[at];
    return isIntKey(k) ? hashKey(k) : (this.hashes[at] as number);
  }

  /** Every value, in the order their keys were first added. */
  values(): readonly V[] {
    return this.entries;
  }

  private findInt(k: number): number {
    const index = this.index;
    const slotMask = (index.length >> 1) - 1;
    const tag = k | OCCUPIED;
    let slot = intSlot(k, this.bits);
    for (let perturb = k >>> 0; ;) {
      const s = slot << 1;
      const t = index[s];
      if (t === 0) return this.missed(k, s, k);
      // An int key's tag is the key (its top bit aside), so a tag match is nearly always it.
      if (t === tag && this.keys[index[s + 1] as number] === k) return index[s + 1] as number;
      perturb >>>= PERTURB_SHIFT;
      slot = nextIntSlot(slot, perturb, slotMask);
    }
  }

  private findHashed(key: unknown, hash: number): number {
    const index = this.index;
    const mask = index.length - 2;
    const tag = hash | OCCUPIED;
    for (let s = hashedSlot(hash, this.bits) << 1; ; s = (s + 2) & mask) {
      const t = index[s];
      if (t === 0) return this.missed(key, s, hash);
      if (t === tag) {
        const at = index[s + 1] as number;
        if (keysEqual(this.keys[at], key)) return at;
      }
    }
  }

  private missed(key: unknown, slot: number, hash: number): number {
    this.freeKey = key;
    this.freeSlot = slot;
    this.freeHash = hash;
    return -1;
  }

  private grow(): void {
    const index = new Int32Array(this.index.length * 2);
    const bits = this.bits + 1;
    const mask = index.length - 2;
    const { keys } = this;
    const hashes = new Int32Array(hashCapacity(index.length / 2));
    hashes.set(this.hashes);
    this.hashes = hashes;
    for (let at = 0; at < keys.length; at++) {
      const h = hashes[at] as number;
      let s: number;
      if (isIntKey(keys[at])) {
        let slot = intSlot(h, bits);
        for (let perturb = h >>> 0; index[slot << 1] !== 0;) {
          perturb >>>= PERTURB_SHIFT;
          slot = nextIntSlot(slot, perturb, (index.length >> 1) - 1);
        }
        s = slot << 1;
      } else {
        s = hashedSlot(h, bits) << 1;
        while (index[s] !== 0) s = (s + 2) & mask;
      }
      index[s] = h | OCCUPIED;
      index[s + 1] = at;
    }
    this.index = index;
    this.bits = bits;
  }
}

/** Entries a table of `slots` slots holds: up to half its slots, and the one that grows it. */
function hashCapacity(slots: number): number {
  return slots / 2 + 1;
}

function isIntKey(k: unknown): boolean {
  return typeof k === 'number' && (k | 0) === k;
}

/**
 * An int32 key's slot: its low `bits` bits, XORed with a Fibonacci hash of the bits above them.
 * Keys that differ only in their low bits keep their order (a bijection on them); strides of a
 * power of two, which share their low bits, are spread by their high bits.
 */
function intSlot(k: number, bits: number): number {
  const high = k >>> bits;
  return (k ^ (Math.imul(high, GOLDEN) >>> (32 - bits))) & ((1 << bits) - 1);
}

/**
 * The next slot to try for an int key whose slot is taken, as CPython's dict probes: the key's
 * bits, 5 at a time, perturb a full-period walk (slot * 5 + 1), so keys that share their first
 * slot (strides, keys equal in their low bits) part after a probe or two instead of piling up
 * in one run of neighbouring slots, as linear probing from a structured first slot would.
 */
function nextIntSlot(slot: number, perturb: number, slotMask: number): number {
  return (slot * 5 + perturb + 1) & slotMask;
}

/** Any other key's slot: the top bits of a multiplicative rehash of its hashKey. */
function hashedSlot(hash: number, bits: number): number {
  return Math.imul(hash, GOLDEN) >>> (32 - bits);
}

/** keyOf(a) === keyOf(b) for valid keys, element by element. */
export function keysEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true; // -0 === 0; 1n === 1n
  if (typeof a === 'number') return typeof b === 'number' && a !== a && b !== b; // NaN
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x: unknown = a[i];
    const y: unknown = b[i];
    // Equal strings and integers are the usual elements: no call for them.
    if (x !== y && !keysEqual(x, y)) return false;
  }
  return true;
}
