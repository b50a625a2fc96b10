// Type tests: pair methods type-check only on RDD<[K, V]>. tsc fails the build
// if an expected error below disappears, so this file proves it by compiling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, type RDD } from 'kindling';

const ctx = new Context({ workers: 1, progress: false });
after(() => ctx.stop());

function typeOnly(): void {
  const nums: RDD<number> = ctx.parallelize([1, 2, 3]);
  const pairs: RDD<[string, number]> = nums.map((x) => [String(x), x] as [string, number]);
  // @ts-expect-error reduceByKey needs an RDD of [key, value] pairs
  nums.reduceByKey((a: number, b: number) => a + b);
  // @ts-expect-error join needs an RDD of [key, value] pairs
  nums.join(pairs);
  // @ts-expect-error mapValues needs an RDD of [key, value] pairs
  nums.mapValues((v: number) => v);
  const summed: RDD<[string, number]> = pairs.reduceByKey((a, b) => a + b);
  const joined: RDD<[string, [number, number]]> = pairs.join(summed);
  // @ts-expect-error the joined values are numbers, not strings
  const wrong: RDD<[string, [string, number]]> = pairs.join(summed);
  void joined;
  void wrong;
  // env is typed from opts.env
  nums.map((x, env) => x * env.k, { env: { k: 2 } });
  // @ts-expect-error env has no field j
  nums.map((x, env) => x * env.j, { env: { k: 2 } });
}

function positionalNumPartitions(): void {
  const pairs: RDD<[string, number]> = ctx.parallelize<[string, number]>([['a', 1]]);
  const add = (a: number, b: number): number => a + b;
  const reduced: RDD<[string, number]> = pairs.reduceByKey(add, 3);
  const grouped: RDD<[string, number[]]> = pairs.groupByKey(3);
  const sortedPairs: RDD<[string, number]> = pairs.sortByKey(true, 3);
  const sortedBy: RDD<[string, number]> = pairs.sortBy(([, v]) => v, false, 3);
  const joined: RDD<[string, [number, number]]> = pairs.join(reduced, 3);
  const full: RDD<[string, [number | undefined, number | undefined]]> = pairs.fullOuterJoin(
    reduced,
    3,
  );
  const cogrouped: RDD<[string, [number[], number[]]]> = pairs.cogroup(reduced, 3);
  const distinct: RDD<[string, number]> = pairs.distinct(3);
  const combined: RDD<[string, number]> = pairs.combineByKey((v) => v, add, add, 3);
  const aggregated: RDD<[string, number]> = pairs.aggregateByKey(0, add, add, 3);
  const folded: RDD<[string, number]> = pairs.foldByKey(0, add, 3);
  const partitioned: RDD<[string, number]> = pairs.partitionBy(3);
  void [grouped, sortedPairs, sortedBy, joined, full, cogrouped, distinct];
  void [combined, aggregated, folded, partitioned];
  // @ts-expect-error a typo in an options object is a type error too
  pairs.groupByKey({ numPartitons: 3 });
  // @ts-expect-error numPartitions is a number
  pairs.reduceByKey(add, '3');
}

function topKeyFunctions(): void {
  const pairs: RDD<[string, number]> = ctx.parallelize<[string, number]>([['a', 1]]);
  // A one-argument function is a key function, whatever key type it returns.
  const byName: Promise<[string, number][]> = pairs.top(2, ([k]) => k);
  const byCount: Promise<[string, number][]> = pairs.takeOrdered(2, ([, n]) => n);
  const byObject: Promise<[string, number][]> = pairs.top(2, { key: ([, n]) => [n, 'x'] });
  const withEnv = pairs.top(2, { key: ([, n], env) => n * env.sign }, { env: { sign: -1 } });
  void [byName, byCount, byObject, withEnv];
  // @ts-expect-error a key must compare by value (numbers, strings, ... arrays of these)
  void pairs.top(2, ([, n]) => ({ n }));
  // @ts-expect-error env has no field j
  void pairs.top(2, { key: ([, n], env) => n * env.j }, { env: { sign: -1 } });
}

test('pair methods type-check only on RDD<[K, V]> (checked by tsc when this file compiles)', () => {
  assert.equal(typeof typeOnly, 'function');
});

test('numPartitions type-checks positionally (checked by tsc when this file compiles)', () => {
  assert.equal(typeof positionalNumPartitions, 'function');
});

test('top and takeOrdered key functions are typed (checked by tsc when this file compiles)', () => {
  assert.equal(typeof topKeyFunctions, 'function');
});
