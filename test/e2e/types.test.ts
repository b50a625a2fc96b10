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

test('pair methods type-check only on RDD<[K, V]> (checked by tsc when this file compiles)', () => {
  assert.equal(typeof typeOnly, 'function');
});
