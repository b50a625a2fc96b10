// Spark's countApprox(timeout, confidence): the count if every partition is counted within the
// timeout (exact: low = high = mean, confidence 1), otherwise Spark's CountEvaluator estimate
// from the partitions counted so far, and the remaining work is cancelled. Each partition is
// its own job in one private job group, so what finished is known when the timeout fires.

import { errors } from '../shared/errors.js';
import type { RDD } from './rdd.js';

/** Spark's BoundedDouble: an estimate and the interval holding the truth with `confidence`. */
export interface BoundedDouble {
  mean: number;
  confidence: number;
  low: number;
  high: number;
}

let approxGroups = 0;

export async function countApprox(
  rdd: RDD<unknown>,
  timeoutMs: unknown,
  confidence: unknown = 0.95,
): Promise<BoundedDouble> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs))
    throw errors.invalidArgument(
      'rdd.countApprox timeout',
      'a number of milliseconds >= 0',
      timeoutMs,
    );
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1))
    throw errors.invalidArgument('rdd.countApprox confidence', 'a number in [0, 1]', confidence);
  const total = rdd.getNumPartitions();
  if (total === 0) return { mean: 0, confidence: 1, low: 0, high: 0 };
  const ctx = rdd.context;
  const group = `kindling.countApprox-${rdd.id}-${approxGroups++}`;
  let done = 0;
  let sum = 0;
  const jobs = Array.from({ length: total }, (_, i) =>
    ctx
      .runInJobGroup(group, () => ctx.runJob<number>(rdd, { kind: 'count' }, [i]))
      .then(([n]) => {
        done++;
        sum += n ?? 0;
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([Promise.all(jobs), timedOut]);
    if (first !== 'timeout') return { mean: sum, confidence: 1, low: sum, high: sum };
  } finally {
    clearTimeout(timer);
  }
  const counted = { done, sum };
  ctx.cancelJobGroup(group);
  // The cancelled jobs reject with JOB_CANCELLED; a real failure was already raced above.
  await Promise.allSettled(jobs);
  return estimate(counted.sum, counted.done, total, confidence);
}

/** Spark's CountEvaluator.bound. */
function estimate(sum: number, done: number, total: number, confidence: number): BoundedDouble {
  if (done === total) return { mean: sum, confidence: 1, low: sum, high: sum };
  if (done === 0) return { mean: 0, confidence: 0, low: 0, high: Infinity };
  const p = done / total;
  const mean = (sum + 1 - p) / p;
  const variance = ((sum + 1 - p) * (1 - p)) / (p * p);
  const stdev = Math.sqrt(variance);
  const z = normalQuantile((1 + confidence) / 2);
  return { mean, confidence, low: Math.max(sum, mean - z * stdev), high: mean + z * stdev };
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(q: number): number {
  if (q <= 0) return -Infinity;
  if (q >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  const low = 0.02425;
  if (q < low) {
    const t = Math.sqrt(-2 * Math.log(q));
    return poly(c, t) / (poly(d, t) * t + 1);
  }
  if (q > 1 - low) {
    const t = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, t) / (poly(d, t) * t + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return (poly(a, s) * r) / (poly(b, s) * s + 1);
}
