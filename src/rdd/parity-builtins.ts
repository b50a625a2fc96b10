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

/**
 * Welford's update for one value (StatCounter.merge(value)). Like every numeric seqOp here it
 * runs in an aggregate whose `numbersFor` has the worker check each record is a number first.
 */
export function statAdd(s: StatState, x: number): StatState {
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
export function numberAdd(acc: number, x: number): number {
  return acc + x;
}

export function plus(a: number, b: number): number {
  return a + b;
}

/**
 * Spark's histogram bucket rule (basicBucketFunction): [b_i, b_i+1), the last bucket closed;
 * NaN and values outside [b_0, b_n] are not counted. A binary search, exact for any spacing.
 */
export function histogramAdd(counts: number[], x: number, env: { buckets: number[] }): number[] {
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

/** intersection: keys present on both sides of a cogroup of [x, null] records. */
export function inBoth(kv: [unknown, [unknown[], unknown[]]]): boolean {
  return kv[1][0].length > 0 && kv[1][1].length > 0;
}

/** subtractByKey: the left values of a key the right side lacks. */
export function leftOnly(groups: [unknown[], unknown[]]): unknown[] {
  return groups[1].length === 0 ? groups[0] : [];
}

/** Spark's zipWithUniqueId: the k-th record of partition i gets id k * n + i. */
export function* uniqueIds(
  index: number,
  it: Iterable<unknown>,
  env: { n: number },
): Iterable<[unknown, number]> {
  let id = index;
  for (const x of it) {
    yield [x, id];
    id += env.n;
  }
}

/**
 * randomSplit's BernoulliCellSampler: every split draws the same seeded sequence for a
 * partition and keeps the records whose draw falls in its [lb, ub), so the splits are disjoint
 * and together hold every record. The generator is inlined: a shipped function has no imports.
 */
export function* randomCell(
  index: number,
  it: Iterable<unknown>,
  env: { lb: number; ub: number; seed: number },
): Iterable<unknown> {
  const mix = (h: number): number => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 0;
  };
  let s =
    mix(mix((env.seed >>> 0) ^ 0x9e3779b9) ^ Math.floor(env.seed / 0x100000000)) ^
    mix(index + 0x7f4a7c15);
  for (const x of it) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const r = ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
    if (r >= env.lb && r < env.ub) yield x;
  }
}

/** treeAggregate's first level: one seqOp fold per partition (a copy of zero each). */
export function foldPartition(
  it: Iterable<unknown>,
  env: { zero: unknown; seqOp: (acc: unknown, x: unknown, env: unknown) => unknown; env: unknown },
): unknown[] {
  let acc = structuredClone(env.zero);
  for (const x of it) acc = env.seqOp(acc, x, env.env);
  return [acc];
}

/** treeAggregate's next levels: partial results keyed by partition index modulo the level. */
export function* keyByLevel(
  index: number,
  it: Iterable<unknown>,
  env: { n: number },
): Iterable<[number, unknown]> {
  for (const x of it) yield [index % env.n, x];
}

/** The user's combOp with the user's env, as reduceByKey calls it. */
export function combineWithEnv(
  a: unknown,
  b: unknown,
  env: { combOp: (a: unknown, b: unknown, env: unknown) => unknown; env: unknown },
): unknown {
  return env.combOp(a, b, env.env);
}

/** treeReduce's partial result: absent for an empty partition (Spark's Option). */
export type Partial = { kind: 'empty' } | { kind: 'value'; value: unknown };

export function reduceInto(
  acc: Partial,
  x: unknown,
  env: { f: (a: unknown, b: unknown, env: unknown) => unknown; env: unknown },
): Partial {
  return acc.kind === 'empty'
    ? { kind: 'value', value: x }
    : { kind: 'value', value: env.f(acc.value, x, env.env) };
}

export function mergePartials(
  a: Partial,
  b: Partial,
  env: { f: (a: unknown, b: unknown, env: unknown) => unknown; env: unknown },
): Partial {
  if (a.kind === 'empty') return b;
  if (b.kind === 'empty') return a;
  return { kind: 'value', value: env.f(a.value, b.value, env.env) };
}

/** binaryRecords: a [name, bytes] file cut into records of env.length bytes (checked to divide). */
export function fixedRecordsOf(file: [string, Uint8Array], env: { length: number }): Uint8Array[] {
  const bytes = file[1];
  const out: Uint8Array[] = [];
  for (let at = 0; at + env.length <= bytes.length; at += env.length)
    out.push(bytes.slice(at, at + env.length));
  return out;
}

/** sumApprox/meanApprox per partition: StatCounter's count, mean and m2, and the plain sum. */
export interface SumState {
  n: number;
  mu: number;
  m2: number;
  sum: number;
}

/** Welford's update plus the running sum (so a complete sumApprox equals sum() exactly). */
export function sumStateAdd(s: SumState, x: number): SumState {
  const delta = x - s.mu;
  s.n += 1;
  s.mu += delta / s.n;
  s.m2 += delta * (x - s.mu);
  s.sum += x;
  return s;
}
