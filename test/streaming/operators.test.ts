// Stateless and windowed operators against a plain computation of the same
// batches; outputs (print, saveAsTextFiles); user functions checked where defined.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Context, ManualClock, StreamingContext, isKindlingError, type RDD } from 'kindling';
import { collectBatches, readOutputDir, sortRecords, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

const BATCHES = [['a b', 'b c'], ['a'], [], ['c c a'], ['b']];
type Pair = [string, number];

async function run(
  build: (ssc: StreamingContext) => void,
  batches = BATCHES.length,
): Promise<void> {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  build(ssc);
  await ssc.start();
  await clock.advance(batches * 1000);
  await ssc.stop({ stopContext: false });
}

function wordCounts(lines: string[]): Pair[] {
  const m = new Map<string, number>();
  for (const w of lines.flatMap((l) => l.split(' '))) m.set(w, (m.get(w) ?? 0) + 1);
  return sortRecords([...m]);
}

test('map, filter, flatMap, mapPartitions, mapValues and reduceByKey work per batch, with env', async () => {
  let words!: Map<number, Pair[]>,
    upper!: Map<number, string[]>,
    sizes!: Map<number, number[]>,
    scaled!: Map<number, Pair[]>;
  await run((ssc) => {
    const lines = ssc.queueStream(BATCHES.map((b) => [...b]));
    const pairs = lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as Pair);
    words = collectBatches(pairs.reduceByKey((a, b) => a + b));
    upper = collectBatches(
      lines
        .filter((l) => l.includes('a'))
        .map((l, env) => l.toUpperCase() + env.mark, { env: { mark: '!' } }),
    );
    sizes = collectBatches(lines.mapPartitions((it) => [[...it].length]).filter((n) => n > 0));
    scaled = collectBatches(
      pairs.reduceByKey((a, b) => a + b).mapValues((n, env) => n * env.k, { env: { k: 10 } }),
    );
  });
  BATCHES.forEach((lines, i) => {
    const t = (i + 1) * 1000;
    assert.deepEqual(words.get(t), wordCounts(lines), `word counts at ${t}`);
    assert.deepEqual(
      upper.get(t),
      sortRecords(lines.filter((l) => l.includes('a')).map((l) => l.toUpperCase() + '!')),
    );
    assert.equal(
      (sizes.get(t) ?? []).reduce((a, b) => a + b, 0),
      lines.length,
    );
    assert.deepEqual(
      scaled.get(t),
      wordCounts(lines).map(([w, n]) => [w, n * 10]),
    );
  });
});

test('count, countByValue, union and transform (which gets the batch time)', async () => {
  let counts!: Map<number, number[]>,
    byValue!: Map<number, [string, number][]>,
    unioned!: Map<number, string[]>,
    stamped!: Map<number, string[]>;
  await run((ssc) => {
    const lines = ssc.queueStream(BATCHES.map((b) => [...b]));
    const other = ssc.queueStream([['x'], [], ['y']]);
    counts = collectBatches(lines.count());
    byValue = collectBatches(lines.flatMap((l) => l.split(' ')).countByValue());
    unioned = collectBatches(lines.union(other));
    stamped = collectBatches(
      lines.transform((rdd: RDD<string>, timeMs) =>
        rdd.map((l, env) => `${env.t}:${l}`, { env: { t: timeMs } }),
      ),
    );
  });
  BATCHES.forEach((lines, i) => {
    const t = (i + 1) * 1000;
    assert.deepEqual(
      counts.get(t),
      [lines.length],
      'count() gives one record, 0 for an empty batch',
    );
    assert.deepEqual(byValue.get(t), wordCounts(lines));
    assert.deepEqual(stamped.get(t), sortRecords(lines.map((l) => `${t}:${l}`)));
  });
  assert.deepEqual(unioned.get(1000), ['a b', 'b c', 'x']);
  assert.deepEqual(unioned.get(3000), ['y']);
});

test('window and reduceByKeyAndWindow, with and without an inverse function, equal a direct computation', async () => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc.checkpoint(path.join(tempDir('window'), 'cp'));
  const lines = ssc.queueStream(BATCHES.map((b) => [...b]));
  const pairs = lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as Pair);
  const windowed = collectBatches(lines.window(3000, 2000));
  const plain = collectBatches(pairs.reduceByKeyAndWindow((a, b) => a + b, undefined, 3000));
  const inverse = collectBatches(
    pairs.reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      3000,
    ),
  );
  const filtered = collectBatches(
    pairs.reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      2000,
      1000,
      { filterFunc: ([, n]) => n > 0 },
    ),
  );
  await ssc.start();
  await clock.advance(6000);
  await ssc.stop({ stopContext: false });
  const linesIn = (from: number, to: number): string[] =>
    BATCHES.slice(Math.max(0, from), Math.max(0, to)).flat();
  assert.deepEqual([...windowed.keys()], [2000, 4000, 6000], 'a 2 s slide gives every other batch');
  assert.deepEqual(windowed.get(4000), sortRecords(linesIn(1, 4)));
  for (let i = 1; i <= 6; i++) {
    const t = i * 1000;
    const expected = wordCounts(linesIn(i - 3, i));
    assert.deepEqual(plain.get(t), expected, `plain window at ${t}`);
    const nonZero = (inverse.get(t) ?? []).filter(([, n]) => n !== 0);
    assert.deepEqual(
      nonZero,
      expected,
      `inverse window at ${t} (keys that left stay at 0, as in Spark)`,
    );
    assert.deepEqual(
      filtered.get(t),
      wordCounts(linesIn(i - 2, i)),
      `filtered inverse window at ${t}`,
    );
  }
});

test('window and checkpoint intervals must be multiples of the slide', () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const s = ssc.queueStream([[1]]);
  assert.throws(
    () => s.window(1500),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /multiple/.test(e.message),
  );
  assert.throws(
    () => s.window(2000, 500),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => s.checkpoint(2500),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.checkpoint intervalMs' &&
      /multiple of queueStream#0's slide/.test(e.message),
  );
  assert.throws(
    () => s.checkpoint(500),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /at least 1000/.test(e.message),
  );
  assert.throws(
    () => s.window(4000, 2000).checkpoint(3000),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /2000 ms/.test(e.message),
  );
  s.window(4000, 2000).checkpoint(4000);
});

test('a user function with a free variable is refused where the stream is defined', () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const s = ssc.queueStream([[1]]);
  const factor = 3;
  assert.throws(
    () => s.map((x) => x * factor),
    (e) => isKindlingError(e, 'TASK_NOT_SERIALIZABLE') && /factor/.test(e.message),
  );
  const pairs = s.map((x) => [x, x] as [number, number]);
  assert.throws(
    () => pairs.updateStateByKey((vs: number[]) => vs.length * factor),
    (e) => isKindlingError(e, 'TASK_NOT_SERIALIZABLE') && /factor/.test(e.message),
  );
});

test('saveAsTextFiles writes one complete directory per batch, and print shows the first records', async () => {
  const dir = tempDir('save');
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  try {
    await run((ssc) => {
      const lines = ssc.queueStream(BATCHES.map((b) => [...b]));
      lines.saveAsTextFiles(path.join(dir, 'out', 'lines'), 'txt');
      lines
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as Pair)
        .reduceByKey((a, b) => a + b)
        .saveAsTextFiles(path.join(dir, 'out', 'counts'));
      lines.print(1);
    }, 2);
  } finally {
    console.log = log;
  }
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), [
    'counts-1000',
    'counts-2000',
    'lines-1000.txt',
    'lines-2000.txt',
  ]);
  assert.ok(fs.existsSync(path.join(dir, 'out', 'lines-1000.txt', '_SUCCESS')));
  assert.deepEqual(readOutputDir(path.join(dir, 'out', 'lines-1000.txt')), ['a b', 'b c']);
  assert.deepEqual(readOutputDir(path.join(dir, 'out', 'counts-1000')), [
    '["a",1]',
    '["b",2]',
    '["c",1]',
  ]);
  assert.ok(printed[0]?.includes('Time: 1000 ms'));
  assert.ok(printed[0]?.includes('a b\n...'), 'one record, then "..." since there are more');
  fs.rmSync(dir, { recursive: true, force: true });
});
