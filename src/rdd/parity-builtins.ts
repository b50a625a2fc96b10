// Engine-side functions behind the methods added for Spark parity (sortByKey's keyfunc, zip,
// set operations, numeric statistics). Shipped to workers like user functions, so each uses
// only its parameters; a user function reaches them through env, where functions travel too.

/** sortByKey({ keyfunc }): the sort key of a [k, v] record is keyfunc(k, env). */
export function keyfuncOfPair(
  kv: [unknown, unknown],
  env: { keyfunc: (k: unknown, env: unknown) => unknown; env: unknown },
): unknown {
  return env.keyfunc(kv[0], env.env);
}

/** Spark's StatCounter as plain data: count, mean, sum of squared deviations, max, min. */
export interface StatState {
  n: number;
  mu: number;
  m2: number;
  max: number;
  min: number;
}

/** Welford's update for one value (StatCounter.merge(value)); refuses what is not a number. */
export function statAdd(s: StatState, x: unknown, env: { method: string }): StatState {
  if (typeof x !== 'number') {
    throw new TypeError(`${env.method} needs an RDD of numbers; met a record of type ${typeof x}`);
  }
  const delta = x - s.mu;
  s.n += 1;
  s.mu += delta / s.n;
  s.m2 += delta * (x - s.mu);
  s.max = Math.max(s.max, x);
  s.min = Math.min(s.min, x);
  return s;
}

/** Chan's parallel merge, with StatCounter.merge(other)'s branches for unbalanced counts. */
export function statMerge(a: StatState, b: StatState): StatState {
  if (b.n === 0) return a;
  if (a.n === 0) return { ...b };
  const delta = b.mu - a.mu;
  const n = a.n + b.n;
  if (b.n * 10 < a.n) a.mu = a.mu + (delta * b.n) / n;
  else if (a.n * 10 < b.n) a.mu = b.mu - (delta * a.n) / n;
  else a.mu = (a.mu * a.n + b.mu * b.n) / n;
  a.m2 += b.m2 + (delta * delta * a.n * b.n) / n;
  a.n = n;
  a.max = Math.max(a.max, b.max);
  a.min = Math.min(a.min, b.min);
  return a;
}

/** Spark's sum is fold(0)(_ + _); a record that is not a number is refused, not concatenated. */
export function numberAdd(acc: number, x: unknown, env: { method: string }): number {
  if (typeof x !== 'number') {
    throw new TypeError(`${env.method} needs an RDD of numbers; met a record of type ${typeof x}`);
  }
  return acc + x;
}

export function plus(a: number, b: number): number {
  return a + b;
}

/**
 * Spark's histogram bucket rule (basicBucketFunction): [b_i, b_i+1), the last bucket closed;
 * NaN and values outside [b_0, b_n] are not counted. A binary search, exact for any spacing.
 */
export function histogramAdd(
  counts: number[],
  x: unknown,
  env: { buckets: number[]; method: string },
): number[] {
  if (typeof x !== 'number') {
    throw new TypeError(`${env.method} needs an RDD of numbers; met a record of type ${typeof x}`);
  }
  const b = env.buckets;
  const last = b.length - 1;
  if (!(x >= b[0]!) || !(x <= b[last]!)) return counts;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x < b[mid]!) hi = mid;
    else lo = mid;
  }
  counts[lo]!++;
  return counts;
}

export function addCounts(a: number[], b: number[]): number[] {
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  return a;
}
