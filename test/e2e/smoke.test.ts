import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

test('a map and a reduceByKey compute what a plain loop computes', async () => {
  const got = await ctx
    .range(0, 1000, 1, 4)
    .map((x) => x * 2)
    .collect();
  assert.deepEqual(
    got,
    Array.from({ length: 1000 }, (_, i) => i * 2),
  );
  const counts = await ctx
    .parallelize(['a', 'b', 'a', 'c', 'a', 'b'], 3)
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b)
    .collect();
  assert.deepEqual(
    new Map(counts),
    new Map([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]),
  );
});
