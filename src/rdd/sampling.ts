// Spark's sampling methods beyond sample(): randomSplit (disjoint Bernoulli cells drawn from one
// seeded sequence per partition) and takeSample (Spark's oversampling fraction, retried until
// enough, then a seeded shuffle). Seeds make both stable across runs and worker counts.

import { errors } from '../shared/errors.js';
import { MapPartitionsRDD } from './narrow-rdds.js';
import { randomCell } from './parity-builtins.js';
import type { RDD } from './rdd.js';
import { planFunction } from './user-function.js';

/** sample()'s default seed: a fixed one, so an unseeded run is still reproducible. */
const DEFAULT_SEED = 0x5eed;

/**
 * The largest fraction sampling with replacement takes: Int.MaxValue expected copies of a
 * record, above what takeSample ever asks for (Spark caps its num below Int.MaxValue). Each
 * copy costs a draw, so a fraction of 1e300 (or Infinity) would run forever.
 */
const MAX_REPLACEMENT_FRACTION = 2 ** 31 - 1;

/** A fraction of sample() or sampleByKey(): in [0, 1] without replacement, finite with. */
export function checkFraction(name: string, fraction: unknown, withReplacement: boolean): number {
  if (
    typeof fraction !== 'number' ||
    !(fraction >= 0) ||
    fraction > (withReplacement ? MAX_REPLACEMENT_FRACTION : 1)
  ) {
    const expected = withReplacement
      ? `a number in [0, ${MAX_REPLACEMENT_FRACTION}] (the expected copies of each record)`
      : 'a number in [0, 1]';
    throw errors.invalidArgument(name, expected, fraction);
  }
  return fraction;
}

function checkSeed(method: string, seed: unknown): number {
  if (seed === undefined) return DEFAULT_SEED;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw errors.invalidArgument(`${method} seed`, 'an integer', seed);
  return seed;
}

export function randomSplit<T>(rdd: RDD<T>, weights: unknown, rawSeed: unknown): RDD<T>[] {
  const method = 'rdd.randomSplit';
  if (
    !Array.isArray(weights) ||
    weights.length === 0 ||
    !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0) ||
    !weights.some((w) => (w as number) > 0)
  ) {
    throw errors.invalidArgument(
      `${method} weights`,
      'a non-empty array of non-negative numbers, not all zero',
      weights,
    );
  }
  const seed = checkSeed(method, rawSeed);
  const total = (weights as number[]).reduce((a, b) => a + b, 0);
  let lb = 0;
  return (weights as number[]).map((w, i) => {
    // The last cell ends at exactly 1, so rounding in the cumulative sums loses no record.
    const ub = i === weights.length - 1 ? 1 : lb + w / total;
    const op = {
      kind: 'mapPartitionsWithIndex',
      f: planFunction(randomCell, { env: { lb, ub, seed } }, method),
    } as const;
    lb = ub;
    return rdd.derive<T>(new MapPartitionsRDD(rdd, op, true));
  });
}

/** A [0, 1) generator for the main thread's draws (mulberry32). */
function seededRandom(seed: number): () => number {
  let s = (seed ^ Math.floor(seed / 0x100000000) ^ 0x2545f491) | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

function shuffleInPlace<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/** Spark's SamplingUtils.computeFractionForSampleSize: enough to get `num` with high probability. */
function fractionFor(num: number, total: number, withReplacement: boolean): number {
  if (withReplacement) {
    const numStd = num < 6 ? 12 : num < 16 ? 9 : 6;
    return Math.max(num + numStd * Math.sqrt(num), 1e-10) / total;
  }
  const gamma = -Math.log(1e-4) / total;
  const fraction = num / total;
  return Math.min(
    1,
    Math.max(1e-10, fraction + gamma + Math.sqrt(gamma * gamma + 2 * gamma * fraction)),
  );
}

/**
 * Spark refuses num > Int.MaxValue - 10 * sqrt(Int.MaxValue): its largest array, less room for
 * the oversampling. A JavaScript array grown past about 1.1e8 elements aborts the process (V8's
 * "invalid size error", no exception to catch), so the same rule with 1e8.
 */
const MAX_SAMPLE_SIZE = 1e8 - 10 * Math.sqrt(1e8);

export async function takeSample<T>(
  rdd: RDD<T>,
  withReplacement: unknown,
  num: unknown,
  rawSeed: unknown,
): Promise<T[]> {
  const method = 'rdd.takeSample';
  if (typeof withReplacement !== 'boolean')
    throw errors.invalidArgument(`${method} withReplacement`, 'a boolean', withReplacement);
  if (typeof num !== 'number' || !Number.isInteger(num) || num < 0 || num > MAX_SAMPLE_SIZE) {
    const most = MAX_SAMPLE_SIZE.toLocaleString('en-US');
    throw errors.invalidArgument(`${method} num`, `a non-negative integer of at most ${most}`, num);
  }
  const random = seededRandom(checkSeed(method, rawSeed));
  if (num === 0) return [];
  const total = await rdd.count();
  if (total === 0) return [];
  if (!withReplacement && num >= total) return shuffleInPlace(await rdd.collect(), random);
  const fraction = fractionFor(num, total, withReplacement);
  const draw = (): number => Math.floor(random() * 0x7fffffff);
  let samples = await rdd.sample(withReplacement, fraction, draw()).collect();
  // Spark retries with a new seed until the sample is big enough (rare with this fraction).
  while (samples.length < num)
    samples = await rdd.sample(withReplacement, fraction, draw()).collect();
  return shuffleInPlace(samples, random).slice(0, num);
}
