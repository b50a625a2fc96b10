// Spark's countApprox(timeout, confidence): the count if every partition is counted within the
// timeout (exact: low = high = mean, confidence 1), otherwise Spark's CountEvaluator estimate
// from the partitions counted so far, and the remaining work is cancelled. Each partition is
// its own job in one private job group (runPartialJobs, shared with sumApprox and meanApprox),
// so what finished is known when the timeout fires.

import { errors } from '../shared/errors.js';
import type { ResultAction } from '../shared/protocol.js';
import { normalQuantile } from './distributions.js';
import type { RDD } from './rdd.js';

/** Spark's BoundedDouble: an estimate and the interval holding the truth with `confidence`. */
export interface BoundedDouble {
  mean: number;
  confidence: number;
  low: number;
  high: number;
}

let approxGroups = 0;

/** What the partial jobs gave by the deadline: the results of `done` of `total` partitions. */
export interface PartialResults {
  done: number;
  total: number;
}

/**
 * Spark's ApproximateActionListener: one job a partition, all in a private job group; when
 * every one ends before `timeoutMs` the result is complete (done = total), else the rest are
 * cancelled and `onResult` has seen only those that ended. A job's real failure rejects.
 */
export async function runPartialJobs<R>(
  rdd: RDD<unknown>,
  method: string,
  timeoutMs: unknown,
  action: ResultAction,
  onResult: (result: R, partitionIndex: number) => void,
): Promise<PartialResults> {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs))
    throw errors.invalidArgument(`${method} timeout`, 'a number of milliseconds >= 0', timeoutMs);
  const total = rdd.getNumPartitions();
  if (total === 0) return { done: 0, total };
  const ctx = rdd.context;
  const group = `kindling.approx-${rdd.id}-${approxGroups++}`;
  let done = 0;
  let closed = false;
  const jobs = Array.from({ length: total }, (_, i) =>
    ctx
      .runInJobGroup(group, () => ctx.runJob<R>(rdd, action, [i]))
      .then((results) => {
        if (closed) return; // ended after the deadline: not part of the answer given
        done++;
        for (const result of results) onResult(result, i);
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([Promise.all(jobs), timedOut]);
    if (first !== 'timeout') return { done, total };
  } finally {
    clearTimeout(timer);
  }
  closed = true;
  const partial = { done, total };
  ctx.cancelJobGroup(group);
  // The cancelled jobs reject with JOB_CANCELLED; a real failure was already raced above.
  await Promise.allSettled(jobs);
  return partial;
}

export function checkConfidence(method: string, confidence: unknown): number {
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1))
    throw errors.invalidArgument(`${method} confidence`, 'a number in [0, 1]', confidence);
  return confidence;
}

export async function countApprox(
  rdd: RDD<unknown>,
  timeoutMs: unknown,
  confidence: unknown = 0.95,
): Promise<BoundedDouble> {
  const conf = checkConfidence('rdd.countApprox', confidence);
  let sum = 0;
  const { done, total } = await runPartialJobs<number>(
    rdd,
    'rdd.countApprox',
    timeoutMs,
    { kind: 'count' },
    (n) => {
      sum += n;
    },
  );
  return estimate(sum, done, total, conf);
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
