// countApproxDistinct's task: HyperLogLog registers of the partition (2^p of them, as Spark's
// HyperLogLogPlus with the sparse form off). Each record is hashed by value (keyOf, so 1 and
// [1] differ and NaN is one value) to 64 bits: two independent 32-bit murmur3 hashes.

import { keyOf } from '../src/shared/keys.js';
import type { Batches } from './batch.js';

function murmur32(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= s.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Register i holds the largest rank (leading zeros + 1 of the hash bits after the index). */
export function hllRegisters(batches: Batches, p: number): Uint8Array {
  const registers = new Uint8Array(1 << p);
  const q = 64 - p;
  for (const batch of batches) {
    for (const record of batch) {
      const mk = keyOf(record);
      const text = `${typeof mk}:${String(mk)}`;
      const hi = murmur32(text, 0x9747b28c);
      const lo = murmur32(text, 0x5bd1e995);
      const index = hi >>> (32 - p);
      // The q bits after the index: the low 32 - p bits of hi, then the 32 bits of lo.
      const rest = (hi << p) >>> 0;
      let rank: number;
      if (rest !== 0) rank = Math.clz32(rest) + 1;
      else rank = lo !== 0 ? 32 - p + Math.clz32(lo) + 1 : q + 1;
      if (rank > (registers[index] ?? 0)) registers[index] = rank;
    }
  }
  return registers;
}
