// Spark's sumApprox and meanApprox (timeout, confidence) on RDD<number>: exact when every
// partition's statistics arrive within the timeout (low = high = mean, confidence 1, the same
// numbers as sum() and mean(), merged in partition order), otherwise Spark's SumEvaluator and
// MeanEvaluator bounds from the partitions done, with the rest cancelled (runPartialJobs).

import { checkConfidence, runPartialJobs, type BoundedDouble } from './approx-count.js';
import { normalQuantile, tQuantile } from './distributions.js';
import { statMerge, sumStateAdd, type StatState, type SumState } from './parity-builtins.js';
import type { RDD } from './rdd.js';
import { planFunction } from './user-function.js';

/** The merged partitions: StatCounter's state and the plain sum, in partition order. */
interface Merged {
  stat: StatState;
  sum: number;
  done: number;
  total: number;
}

async function mergedWithin(rdd: RDD<number>, method: string, timeoutMs: unknown): Promise<Merged> {
  const zero: SumState = { n: 0, mu: 0, m2: 0, sum: 0 };
  const seqOp = planFunction(sumStateAdd, {}, method);
  const byPartition = new Map<number, SumState>();
  const { done, total } = await runPartialJobs<SumState>(
    rdd,
    method,
    timeoutMs,
    { kind: 'aggregate', zero, seqOp, numbersFor: method },
    (state, i) => byPartition.set(i, state),
  );
  let stat: StatState = { n: 0, mu: 0, m2: 0, max: -Infinity, min: Infinity };
  let sum = 0;
  for (const [, s] of [...byPartition].sort(([a], [b]) => a - b)) {
    stat = statMerge(stat, { n: s.n, mu: s.mu, m2: s.m2, max: -Infinity, min: Infinity });
    sum += s.sum;
  }
  return { stat, sum, done, total };
}

/** Spark's confidence factor: normal past 100 values, Student's t (count - 1 df) below. */
function confidenceFactor(count: number, confidence: number): number {
  const q = (1 + confidence) / 2;
  return count > 100 ? normalQuantile(q) : tQuantile(q, count - 1);
}

/** Spark's SumEvaluator.currentResult. */
export async function sumApprox(
  rdd: RDD<number>,
  timeoutMs: unknown,
  confidence: unknown = 0.95,
): Promise<BoundedDouble> {
  const conf = checkConfidence('rdd.sumApprox', confidence);
  const { stat, sum, done, total } = await mergedWithin(rdd, 'rdd.sumApprox', timeoutMs);
  if (done === total) return { mean: sum, confidence: 1, low: sum, high: sum };
  if (done === 0 || stat.n === 0) return { mean: 0, confidence: 0, low: -Infinity, high: Infinity };
  const p = done / total;
  const countEstimate = (stat.n + 1 - p) / p;
  const sumEstimate = stat.mu * countEstimate;
  const meanVar = stat.m2 / (stat.n - 1) / stat.n;
  if (stat.n === 1 || Number.isNaN(meanVar)) {
    return { mean: sumEstimate, confidence: conf, low: -Infinity, high: Infinity };
  }
  const countVar = ((stat.n + 1) * (1 - p)) / (p * p);
  const sumVar =
    stat.mu * stat.mu * countVar + countEstimate * countEstimate * meanVar + meanVar * countVar;
  const half = confidenceFactor(stat.n, conf) * Math.sqrt(sumVar);
  return { mean: sumEstimate, confidence: conf, low: sumEstimate - half, high: sumEstimate + half };
}

/** Spark's MeanEvaluator.currentResult. */
export async function meanApprox(
  rdd: RDD<number>,
  timeoutMs: unknown,
  confidence: unknown = 0.95,
): Promise<BoundedDouble> {
  const conf = checkConfidence('rdd.meanApprox', confidence);
  const { stat, done, total } = await mergedWithin(rdd, 'rdd.meanApprox', timeoutMs);
  const mean = stat.mu; // as mean() reads StatCounter's
  if (done === total) return { mean, confidence: 1, low: mean, high: mean };
  if (done === 0 || stat.n === 0) return { mean: 0, confidence: 0, low: -Infinity, high: Infinity };
  if (stat.n === 1) return { mean, confidence: conf, low: -Infinity, high: Infinity };
  const stdev = Math.sqrt(stat.m2 / (stat.n - 1) / stat.n);
  const half = confidenceFactor(stat.n, conf) * stdev;
  return { mean, confidence: conf, low: mean - half, high: mean + half };
}
