// Spark's countApproxDistinct(relativeSD): HyperLogLog with p = ceil(2 log2(1.054 / relativeSD))
// (Spark's HyperLogLogPlus precision, sparse form off) and 64-bit hashes, so no large-range
// correction is needed. Registers are merged by max across partitions; the estimate is Ertl's
// improved estimator (arXiv:1702.01284), accurate from empty to huge counts without the
// empirical bias tables of HLL++.

import { errors } from '../shared/errors.js';
import type { RDD } from './rdd.js';

/** Spark refuses relativeSD below 0.000017 (p > 32 would not fit its register index). */
const MIN_RELATIVE_SD = 0.000017;
/** Registers are one byte each: p at most 18 keeps the result a quarter megabyte. */
const MAX_P = 18;
const MIN_P = 4;

export function precisionFor(relativeSD: unknown): number {
  if (typeof relativeSD !== 'number' || !(relativeSD > MIN_RELATIVE_SD) || relativeSD >= 1)
    throw errors.invalidArgument(
      'rdd.countApproxDistinct relativeSD',
      `a number in (${MIN_RELATIVE_SD}, 1)`,
      relativeSD,
    );
  const p = Math.ceil((2 * Math.log(1.054 / relativeSD)) / Math.log(2));
  if (p < MIN_P)
    throw errors.invalidArgument(
      'rdd.countApproxDistinct relativeSD',
      'at most 0.37 (Spark: precision p >= 4)',
      relativeSD,
    );
  return Math.min(p, MAX_P);
}

export async function countApproxDistinct(rdd: RDD<unknown>, relativeSD: unknown): Promise<number> {
  const p = precisionFor(relativeSD ?? 0.05);
  const parts = await rdd.context.runJob<Uint8Array>(rdd, { kind: 'hllRegisters', p });
  const m = 1 << p;
  const merged = new Uint8Array(m);
  for (const part of parts) for (let i = 0; i < m; i++) merged[i] = Math.max(merged[i]!, part[i]!);
  return Math.round(estimate(merged, p));
}

function estimate(registers: Uint8Array, p: number): number {
  const m = registers.length;
  const q = 64 - p;
  const counts = new Array<number>(q + 2).fill(0);
  for (const r of registers) counts[r]!++;
  let z = m * tau(1 - counts[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + counts[k]!);
  z += m * sigma(counts[0]! / m);
  return (m * m) / (2 * Math.LN2 * z);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}
