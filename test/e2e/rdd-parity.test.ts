// RDD methods added for Spark parity, each against a plain computation of the same result on
// several partitionings, empty partitions included.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const data = Array.from({ length: 600 }, (_, i) => (i * 7919) % 251);

/** One partition, many, more partitions than records, and empty partitions in between. */
function layouts<T>(xs: T[]): RDD<T>[] {
  return [
    ctx.parallelize(xs, 1),
    ctx.parallelize(xs, 7),
    ctx.parallelize(xs.slice(0, 5), 9),
    ctx
      .parallelize(xs, 4)
      .mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? [] : it))
      .union(ctx.emptyRDD<T>())
      .union(ctx.parallelize<T>([], 2))
      .union(ctx.parallelize(xs, 4).mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? it : []))),
  ];
}

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

test('isEmpty, max and min agree with plain computations', async () => {
  for (const rdd of layouts(data)) {
    const all = await rdd.collect();
    assert.equal(await rdd.isEmpty(), all.length === 0);
    assert.equal(await rdd.max(), Math.max(...all));
    assert.equal(await rdd.min(), Math.min(...all));
    assert.equal(await rdd.max((a, b) => b - a), Math.min(...all));
    assert.equal((await rdd.min({ key: (x, env) => x % env.m }, { env: { m: 10 } })) % 10, 0);
  }
  assert.equal(await ctx.parallelize([], 3).isEmpty(), true);
  assert.equal(await ctx.emptyRDD().isEmpty(), true);
  await assert.rejects(ctx.parallelize<number>([], 2).max(), { code: 'UNSUPPORTED_OPERATION' });
  // undefined is the smallest key, as sortBy orders it; a comparator is asked about it too.
  for (const rdd of layouts([3, undefined, 'b', null, 1, true])) {
    assert.equal(await rdd.min(), undefined);
    assert.equal(await rdd.max(), 'b');
    assert.equal(
      await rdd.max((a, b) => (a === undefined ? 1 : b === undefined ? -1 : 0)),
      undefined,
    );
  }
});

test('groupBy groups records by the function, with numPartitions positional', async () => {
  const expected = new Map<number, number[]>();
  for (const x of data) expected.set(x % 7, [...(expected.get(x % 7) ?? []), x]);
  for (const rdd of layouts(data)) {
    const all = await rdd.collect();
    const plain = new Map<number, number[]>();
    for (const x of all) plain.set(x % 7, [...(plain.get(x % 7) ?? []), x]);
    const grouped = rdd.groupBy((x, env) => x % env.m, { env: { m: 7 }, numPartitions: 3 });
    assert.equal(grouped.getNumPartitions(), 3);
    const got = new Map((await grouped.collect()).map(([k, vs]) => [k, sorted(vs)]));
    assert.deepEqual(got, new Map([...plain].map(([k, vs]) => [k, sorted(vs)])));
    assert.equal(rdd.groupBy((x) => x % 2, 5).getNumPartitions(), 5);
  }
});

test('intersection and subtract agree with plain set computations', async () => {
  const other = Array.from({ length: 300 }, (_, i) => (i * 13) % 400);
  const otherSet = new Set(other);
  for (const rdd of layouts(data)) {
    const all = await rdd.collect();
    for (const right of [ctx.parallelize(other, 3), ctx.parallelize(other, 1)]) {
      assert.deepEqual(
        sorted(await rdd.intersection(right).collect()),
        sorted([...new Set(all)].filter((x) => otherSet.has(x))),
      );
      assert.deepEqual(
        sorted(await rdd.subtract(right, 4).collect()),
        sorted(all.filter((x) => !otherSet.has(x))),
      );
    }
  }
  assert.throws(() => ctx.parallelize([1]).subtract([1] as never), { code: 'INVALID_ARGUMENT' });
});

test('zipWithUniqueId gives distinct ids k * n + i, as Spark', async () => {
  for (const rdd of layouts(data)) {
    const n = rdd.getNumPartitions();
    const parts = await rdd.glom().collect();
    const expected = parts.flatMap((part, i) => part.map((x, k) => [x, k * n + i]));
    assert.deepEqual(await rdd.zipWithUniqueId().collect(), expected);
  }
});

test('randomSplit splits into disjoint parts that hold every record, stable for a seed', async () => {
  const keyed = data.map((x, i) => [i, x] as [number, number]);
  for (const rdd of layouts(keyed)) {
    const all = await rdd.collect();
    const splits = rdd.randomSplit([1, 2, 3], 42);
    const parts = await Promise.all(splits.map((s) => s.collect()));
    const ids = parts.flat().map(([i]) => i);
    assert.deepEqual(sorted(ids), sorted(all.map(([i]) => i)));
    assert.equal(new Set(ids).size, ids.length);
    const again = await Promise.all(rdd.randomSplit([1, 2, 3], 42).map((s) => s.collect()));
    assert.deepEqual(again, parts);
    if (all.length === data.length) {
      assert.ok(parts[0]!.length < parts[2]!.length, 'weights shape the sizes');
    }
  }
  assert.throws(() => ctx.parallelize([1]).randomSplit([0, 0]), { code: 'INVALID_ARGUMENT' });
});

test('takeSample returns num distinct records (or with replacement), stable across worker counts', async () => {
  const other = new Context({ workers: 1, progress: false });
  try {
    const records = data.map((x, i) => i * 1000 + x);
    for (const slices of [1, 5, 13]) {
      const sample = await ctx.parallelize(records, slices).takeSample(false, 50, 7);
      assert.equal(sample.length, 50);
      assert.equal(new Set(sample).size, 50);
      assert.ok(sample.every((x) => records.includes(x)));
      assert.deepEqual(await other.parallelize(records, slices).takeSample(false, 50, 7), sample);
      const withReplacement = await ctx.parallelize(records, slices).takeSample(true, 800, 3);
      assert.equal(withReplacement.length, 800);
      assert.ok(withReplacement.every((x) => records.includes(x)));
    }
    const everything = await ctx.parallelize(records, 4).takeSample(false, 10_000, 1);
    assert.deepEqual(sorted(everything), sorted(records));
    assert.deepEqual(await ctx.parallelize([], 3).takeSample(false, 5, 1), []);
    // Spark's bound on num (Int.MaxValue less the oversampling), with JavaScript's largest array.
    for (const num of [2 ** 31, 1e8]) {
      await assert.rejects(ctx.range(0, 1000, 1, 4).takeSample(true, num, 1), {
        code: 'INVALID_ARGUMENT',
        message: /rdd\.takeSample num: expected a non-negative integer of at most 99,900,000/,
      });
    }
  } finally {
    await other.stop();
  }
});

test('treeAggregate and treeReduce equal aggregate and reduce at every depth', async () => {
  const many = ctx.parallelize(data, 40);
  for (const rdd of [...layouts(data), many]) {
    const all = await rdd.collect();
    const sum = all.reduce((a, b) => a + b, 0);
    for (const depth of [1, 2, 3, 5]) {
      const agg = await rdd.treeAggregate(
        { n: 0, s: 0 },
        (acc, x, env) => ({ n: acc.n + 1, s: acc.s + x * env.k }),
        (a, b) => ({ n: a.n + b.n, s: a.s + b.s }),
        { depth, env: { k: 2 } },
      );
      assert.deepEqual(agg, { n: all.length, s: 2 * sum });
      assert.equal(await rdd.treeReduce((a, b) => a + b, depth), sum);
    }
  }
  await assert.rejects(
    ctx.parallelize<number>([], 3).treeReduce((a, b) => a + b),
    {
      code: 'UNSUPPORTED_OPERATION',
    },
  );
});

test('toLocalIterator yields every record in order, one partition job at a time', async () => {
  for (const rdd of layouts(data)) {
    const jobs: number[] = [];
    const onJob = (e: { jobId: number }): void => void jobs.push(e.jobId);
    ctx.on('jobStart', onJob);
    const out: number[] = [];
    const it = rdd.toLocalIterator();
    const first = await it.next();
    const jobsAfterFirst = jobs.length;
    if (first.done !== true) out.push(first.value);
    for await (const x of it) out.push(x);
    ctx.off('jobStart', onJob);
    assert.deepEqual(out, await rdd.collect());
    if (rdd.getNumPartitions() > 1) assert.ok(jobsAfterFirst < rdd.getNumPartitions());
  }
});

test('pipe sends each partition through a real command, lines in and out', async () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`);
  for (const rdd of layouts(words)) {
    assert.deepEqual(await rdd.pipe('cat').collect(), await rdd.collect());
    assert.deepEqual(
      await rdd.pipe(['tr', 'a-z', 'A-Z']).collect(),
      (await rdd.collect()).map((w) => w.toUpperCase()),
    );
  }
  const counts = await ctx.parallelize(words, 4).pipe('wc -l').collect();
  assert.deepEqual(
    counts.map((c) => Number(c.trim())),
    [50, 50, 50, 50],
  );
  assert.deepEqual(
    await ctx
      .parallelize([{ a: 1 }, 2], 1)
      .pipe('cat')
      .collect(),
    ['{"a":1}', '2'],
  );
});

test("a piped command's output lines end at \\n, \\r or \\r\\n, as textFile's lines", async () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`);
  // An old Mac's line ends: each '\n' of the input comes back as '\r'.
  for (const rdd of layouts(words))
    assert.deepEqual(await rdd.pipe(['tr', '\\n', '\\r']).collect(), await rdd.collect());
  const mixed = "process.stdout.write('a\\rb\\r\\nc\\n\\r\\nd\\r')";
  assert.deepEqual(
    await ctx.parallelize(['x'], 1).pipe([process.execPath, '-e', mixed]).collect(),
    ['a', 'b', 'c', '', 'd'],
  );
});

test('a piped command that exits non-zero fails the job naming the command', async () => {
  const failing = ctx.parallelize(['a', 'b'], 2).pipe(['sh', '-c', 'echo broken >&2; exit 3']);
  await assert.rejects(failing.collect(), (e: Error) => {
    const text = `${e.message} ${String((e.cause as Error | undefined)?.message)}`;
    assert.match(text, /sh -c echo broken >&2; exit 3/);
    assert.match(text, /exited with code 3/);
    assert.match(text, /broken/);
    return true;
  });
  // A command that cannot start fails at once (no retries), naming it.
  await assert.rejects(ctx.parallelize(['a'], 1).pipe('kindling-no-such-command').collect(), {
    message: /attempt 1: rdd\.pipe command 'kindling-no-such-command' could not run/,
  });
});

test('zip pairs records of RDDs with the same partitions and counts, as Spark', async () => {
  for (const rdd of layouts(data)) {
    const doubled = rdd.map((x) => x * 2);
    const all = await rdd.collect();
    assert.deepEqual(
      await rdd.zip(doubled).collect(),
      all.map((x) => [x, x * 2]),
    );
  }
  assert.throws(() => ctx.parallelize(data, 3).zip(ctx.parallelize(data, 4)), {
    code: 'INVALID_ARGUMENT',
    message: /3 partitions/,
  });
  // One partition: a refused record fails the job at once, and a single task keeps the test
  // clear of sibling tasks still running when it ends.
  const uneven = ctx.parallelize(data, 1).zip(ctx.parallelize(data, 1).filter((x) => x > 10));
  await assert.rejects(uneven.collect(), /same number of records in each partition/);
});

test('zipPartitions hands f one iterator per RDD, for two and three RDDs', async () => {
  for (const rdd of layouts(data)) {
    const words = rdd.map((x) => `w${x}`);
    const parts = await rdd.glom().collect();
    const sizes = await rdd
      .zipPartitions(words, (a, b, env) => [[...a].length * env.k, [...b].length], {
        env: { k: 1 },
      })
      .collect();
    assert.deepEqual(
      sizes,
      parts.flatMap((p) => [p.length, p.length]),
    );
    const three = await rdd
      .zipPartitions(words, rdd, function* (a, b, c) {
        const bs = b[Symbol.iterator]();
        const cs = c[Symbol.iterator]();
        for (const x of a) yield `${x}:${String(bs.next().value)}:${String(cs.next().value)}`;
      })
      .collect();
    assert.deepEqual(
      three,
      parts.flat().map((x) => `${x}:w${x}:${x}`),
    );
  }
  const bad = ctx.parallelize([1], 1) as unknown as { zipPartitions(...a: unknown[]): unknown };
  assert.throws(() => bad.zipPartitions((a: unknown) => a), { code: 'INVALID_ARGUMENT' });
});

test('countApproxDistinct estimates within a few relativeSDs of the exact distinct count', async () => {
  for (const [distinct, copies] of [
    [0, 1],
    [1, 50],
    [37, 3],
    [1000, 2],
    [60_000, 1],
  ] as const) {
    const records = Array.from({ length: distinct * copies }, (_, i) =>
      i % 3 === 0 ? `s${i % distinct}` : [i % distinct, 'x'],
    );
    // Records equal by value count once: `s5` and [5, 'x'] differ, two [5, 'x'] do not.
    const exact = new Set(records.map((r) => JSON.stringify(r))).size;
    for (const slices of [1, 6]) {
      const estimate = await ctx.parallelize(records, slices).countApproxDistinct(0.05);
      assert.ok(
        Math.abs(estimate - exact) <= Math.max(2, 0.2 * exact),
        `estimate ${estimate} for ${exact} distinct`,
      );
      assert.equal(await ctx.parallelize(records, 7 - slices).countApproxDistinct(0.05), estimate);
    }
  }
  const precise = await ctx.range(0, 200_000, 1, 4).countApproxDistinct(0.01);
  assert.ok(Math.abs(precise - 200_000) < 0.04 * 200_000, `estimate ${precise}`);
  await assert.rejects(ctx.parallelize([1]).countApproxDistinct(0.5), { code: 'INVALID_ARGUMENT' });
});

test('countApprox is exact when the job finishes in time, an honest bound when it does not', async () => {
  for (const rdd of layouts(data)) {
    const n = await rdd.count();
    assert.deepEqual(await rdd.countApprox(60_000), { mean: n, confidence: 1, low: n, high: n });
  }
  // Two partitions never finish: the estimate comes from the others, its interval bounded below
  // by what was counted, and the stuck tasks are cancelled.
  const stuck = ctx.parallelize(data, 6).mapPartitionsWithIndex((i, it) => {
    if (i >= 4) {
      const until = new Int32Array(new SharedArrayBuffer(4));
      // Blocks this worker until the task is cancelled, in short waits: a terminate landing
      // just as one wait began could leave a single endless wait (and the process) hanging.
      for (let t = 0; t < 600; t++) Atomics.wait(until, 0, 0, 100);
    }
    return it;
  });
  const partial = await stuck.countApprox(2000, 0.9);
  // However many of the four finishing partitions (100 records each) were counted in time, the
  // interval holds the true count 600 and never reaches below what was counted.
  assert.ok(partial.low <= 600 && 600 <= partial.high, JSON.stringify(partial));
  assert.ok(partial.low % 100 === 0 || partial.low > 400, JSON.stringify(partial));
  assert.ok(partial.mean !== 600 || partial.confidence < 1);
  assert.equal(await ctx.parallelize([1, 2], 2).count(), 2);
});
