// Numeric RDD methods (Spark's DoubleRDDFunctions) against plain two-pass computations, on
// several partitionings including empty partitions, and on ill-conditioned data.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, KindlingError, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

/** The same data in 1 partition, in more partitions than records, and with empty partitions between. */
function layouts(data: number[]): RDD<number>[] {
  return [
    ctx.parallelize(data, 1),
    ctx.parallelize(data, 7),
    ctx.parallelize(data, Math.min(data.length + 5, 40)),
    ctx
      .parallelize(data, 6)
      .mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? [] : it))
      .union(ctx.parallelize<number>([], 3))
      .union(ctx.parallelize(data, 6).mapPartitionsWithIndex((i, it) => (i % 2 === 0 ? it : []))),
  ];
}

function twoPass(data: number[]) {
  // Shifted by the first value, so the reference itself keeps its digits on a huge mean.
  const n = data.length;
  const shift = data[0] ?? 0;
  const shiftedMean = data.reduce((a, b) => a + (b - shift), 0) / n;
  const mean = shift + shiftedMean;
  const m2 = data.reduce((a, x) => a + (x - shift - shiftedMean) ** 2, 0);
  return {
    count: n,
    mean,
    variance: m2 / n,
    sampleVariance: m2 / (n - 1),
    max: data.reduce((a, b) => Math.max(a, b), -Infinity),
    min: data.reduce((a, b) => Math.min(a, b), Infinity),
  };
}

function close(actual: number, expected: number, rel: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  assert.ok(
    Math.abs(actual - expected) / scale <= rel,
    `${what}: ${actual} differs from ${expected} by more than ${rel} relative`,
  );
}

test('sum, mean, variance, stdev and stats() agree with a two-pass computation', async () => {
  const data = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 1009) - 400.5);
  const expected = twoPass(data);
  for (const rdd of layouts(data)) {
    assert.equal(
      await rdd.sum(),
      data.reduce((a, b) => a + b, 0),
    );
    close(await rdd.mean(), expected.mean, 1e-12, 'mean');
    close(await rdd.variance(), expected.variance, 1e-12, 'variance');
    close(await rdd.sampleVariance(), expected.sampleVariance, 1e-12, 'sampleVariance');
    close(await rdd.stdev(), Math.sqrt(expected.variance), 1e-12, 'stdev');
    close(await rdd.sampleStdev(), Math.sqrt(expected.sampleVariance), 1e-12, 'sampleStdev');
    const s = await rdd.stats();
    assert.equal(s.count, expected.count);
    assert.equal(s.max, expected.max);
    assert.equal(s.min, expected.min);
    close(s.mean, expected.mean, 1e-12, 'stats mean');
    close(s.variance, expected.variance, 1e-12, 'stats variance');
    close(
      s.sum,
      data.reduce((a, b) => a + b, 0),
      1e-12,
      'stats sum',
    );
  }
});

test('stats() stays accurate on large, ill-conditioned data (a huge mean, a tiny spread)', async () => {
  // Sum-of-squares formulas lose every digit here; Welford within and Chan across partitions keep them.
  const data = Array.from({ length: 200_000 }, (_, i) => 1e9 + ((i * 31) % 7) * 0.001);
  const expected = twoPass(data);
  for (const slices of [1, 3, 16]) {
    const s = await ctx.parallelize(data, slices).stats();
    assert.equal(s.count, data.length);
    close(s.mean, expected.mean, 1e-15, 'mean');
    close(s.variance, expected.variance, 1e-6, 'variance');
    close(s.sampleStdev, Math.sqrt(expected.sampleVariance), 1e-6, 'sampleStdev');
  }
  // Partitions of very different sizes exercise the unbalanced branches of the merge.
  const skewed = ctx
    .parallelize([data.slice(0, 3), data.slice(3, 150_000), data.slice(150_000)], 3)
    .flatMap((xs) => xs);
  close((await skewed.stats()).variance, expected.variance, 1e-6, 'skewed variance');
});

test('numeric methods on an empty RDD answer as Spark does', async () => {
  const empty = ctx.parallelize<number>([], 3);
  assert.equal(await empty.sum(), 0);
  const s = await empty.stats();
  assert.equal(s.count, 0);
  assert.equal(s.max, -Infinity);
  assert.equal(s.min, Infinity);
  assert.ok(Number.isNaN(s.variance));
  assert.ok(Number.isNaN(await empty.sampleVariance()));
  assert.ok(Number.isNaN((await ctx.parallelize([4], 2).stats()).sampleVariance));
  assert.equal(await ctx.parallelize([4], 2).variance(), 0);
  await assert.rejects(empty.histogram(3), { code: 'UNSUPPORTED_OPERATION' });
});

test('a record that is not a number fails the job at once naming the method, the RDD, the partition and the record', async () => {
  // Partition 1 holds 2 and '3': the record is refused on the first attempt, never retried
  // (maxTaskFailures is 4 here) and never concatenated into a wrong sum.
  const mixed = ctx.parallelize<unknown>([1, 2, '3'], 2).setName('mixed') as RDD<number>;
  let failedAttempts = 0;
  const onTaskEnd = (e: { successful: boolean }): void => {
    if (!e.successful) failedAttempts++;
  };
  ctx.on('taskEnd', onTaskEnd);
  const calls: [string, () => Promise<unknown>][] = [
    ['sum', () => mixed.sum()],
    ['stats', () => mixed.stats()],
    ['mean', () => mixed.mean()],
    ['variance', () => mixed.variance()],
    ['sampleVariance', () => mixed.sampleVariance()],
    ['stdev', () => mixed.stdev()],
    ['sampleStdev', () => mixed.sampleStdev()],
    ['histogram', () => mixed.histogram([0, 10])],
    ['histogram', () => mixed.histogram(2)],
    ['sumApprox', () => mixed.sumApprox(60_000)],
    ['meanApprox', () => mixed.meanApprox(60_000)],
  ];
  try {
    for (const [method, call] of calls) {
      failedAttempts = 0;
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof KindlingError, String(e));
        assert.equal(e.code, 'TASK_FAILED');
        const { stageId, ...where } = e.context;
        assert.equal(
          e.message,
          `Task failed in RDD ${mixed.id} (mixed) partition 1, stage ${stageId} attempt 1: ` +
            `Invalid argument record of rdd.${method}: expected a number, received "3"`,
        );
        assert.deepEqual(where, {
          rddId: mixed.id,
          rddName: 'mixed',
          partitionIndex: 1,
          attempt: 1,
        });
        assert.ok(e.cause instanceof KindlingError);
        assert.equal(e.cause.code, 'INVALID_ARGUMENT');
        return true;
      });
      assert.equal(failedAttempts, 1, `${method}: attempts of the failing task`);
    }
  } finally {
    ctx.off('taskEnd', onTaskEnd);
  }
});

/** Spark's bucket rule: [b_i, b_i+1) except the last, closed; outside or NaN: not counted. */
function plainHistogram(data: number[], buckets: number[]): number[] {
  const counts = new Array<number>(buckets.length - 1).fill(0);
  for (const x of data) {
    for (let i = 0; i < buckets.length - 1; i++) {
      const last = i === buckets.length - 2;
      if (x >= buckets[i]! && (x < buckets[i + 1]! || (last && x === buckets[i + 1]))) {
        counts[i]!++;
        break;
      }
    }
  }
  return counts;
}

test('histogram with given buckets counts as Spark: last bucket closed, outliers and NaN dropped', async () => {
  const data = [...Array.from({ length: 1000 }, (_, i) => (i % 101) - 10), NaN, 1e6, -1e6];
  const buckets = [0, 10, 25, 50, 90];
  for (const rdd of layouts(data)) {
    assert.deepEqual(await rdd.histogram(buckets), plainHistogram(data, buckets));
    assert.deepEqual(
      await rdd.histogram([0, 30, 60, 90], true),
      plainHistogram(data, [0, 30, 60, 90]),
    );
  }
  assert.deepEqual(await ctx.parallelize([1, 2, 3], 2).histogram([3, 4]), [1]);
  await assert.rejects(ctx.parallelize([1]).histogram([1]), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(ctx.parallelize([1]).histogram([2, 1]), { code: 'INVALID_ARGUMENT' });
});

test('histogram(bucketCount) makes even buckets from min to max, as Spark', async () => {
  const data = Array.from({ length: 777 }, (_, i) => (i * 37) % 100);
  for (const rdd of layouts(data)) {
    const [buckets, counts] = await rdd.histogram(4);
    assert.deepEqual(buckets, [0, 24.75, 49.5, 74.25, 99]);
    assert.deepEqual(counts, plainHistogram(data, buckets));
  }
  assert.deepEqual(await ctx.parallelize([5, 5, 5], 2).histogram(3), [[5, 5], [3]]);
  await assert.rejects(ctx.parallelize([1, Infinity]).histogram(2), {
    code: 'UNSUPPORTED_OPERATION',
  });
  await assert.rejects(ctx.parallelize([1, 2]).histogram(0), { code: 'INVALID_ARGUMENT' });
  for (const bucketCount of [1_000_001, 2e8]) {
    await assert.rejects(ctx.parallelize([1, 2, 3, 4]).histogram(bucketCount), {
      code: 'INVALID_ARGUMENT',
      message: /rdd\.histogram bucketCount: expected a positive integer of at most 1,000,000/,
    });
  }
});

test('sumApprox and meanApprox are exactly sum() and mean() when the job finishes in time', async () => {
  const data = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 1009) - 400.5);
  for (const rdd of [...layouts(data), ctx.parallelize<number>([], 3)]) {
    const sum = await rdd.sum();
    const mean = await rdd.mean();
    assert.deepEqual(await rdd.sumApprox(60_000), {
      mean: sum,
      confidence: 1,
      low: sum,
      high: sum,
    });
    assert.deepEqual(await rdd.meanApprox(60_000, 0.5), {
      mean,
      confidence: 1,
      low: mean,
      high: mean,
    });
  }
  await assert.rejects(ctx.parallelize([1]).sumApprox(-1), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(ctx.parallelize([1]).meanApprox(10, 2), { code: 'INVALID_ARGUMENT' });
});

test('sumApprox and meanApprox past the timeout bound the truth from the partitions done', async () => {
  // Six partitions of the values 0..99 each; two never finish and are cancelled at the timeout.
  const stuck = ctx.range(0, 600, 1, 6).mapPartitionsWithIndex((i, it) => {
    if (i >= 4) {
      const until = new Int32Array(new SharedArrayBuffer(4));
      // Blocks this worker until the task is cancelled, in short waits: a terminate landing
      // just as one wait began could leave a single endless wait (and the process) hanging.
      for (let t = 0; t < 600; t++) Atomics.wait(until, 0, 0, 100);
    }
    return [...it].map((x) => x % 100);
  });
  const trueSum = 6 * 4950;
  const sum = await stuck.sumApprox(2000, 0.9);
  assert.ok(sum.low <= trueSum && trueSum <= sum.high, JSON.stringify(sum));
  assert.ok(sum.confidence === 0.9 || sum.confidence === 0, JSON.stringify(sum));
  const mean = await stuck.meanApprox(2000, 0.9);
  assert.ok(mean.low <= 49.5 && 49.5 <= mean.high, JSON.stringify(mean));
  // Every finished partition has the same values: the estimate is the true mean.
  assert.ok(mean.confidence === 0 || mean.mean === 49.5, JSON.stringify(mean));
  assert.equal(await ctx.parallelize([1, 2], 2).sum(), 3);
});
