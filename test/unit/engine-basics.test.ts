// Pure pieces of the engine: Spark's slicing, option validation, text splits,
// the progress bar's line, block bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { slicePositions } from '../../src/rdd/source-rdds.js';
import { resolveContextOptions } from '../../src/options.js';
import { computeSplits, listTextFiles } from '../../src/rdd/text-file-splits.js';
import { render } from '../../src/scheduler/progress-bar.js';
import { MapOutputTracker } from '../../src/shuffle/map-output-tracker.js';

test('slicing is contiguous and covers every element, as Spark slices', () => {
  assert.deepEqual(slicePositions(7, 3), [
    [0, 2],
    [2, 4],
    [4, 7],
  ]);
  assert.deepEqual(slicePositions(2, 4), [
    [0, 0],
    [0, 1],
    [1, 1],
    [1, 2],
  ]);
  for (const [len, n] of [
    [0, 3],
    [10, 1],
    [1000, 7],
  ] as const) {
    const s = slicePositions(len, n);
    assert.equal(s.length, n);
    assert.equal(s[0]?.[0], 0);
    assert.equal(s.at(-1)?.[1], len);
    s.forEach(([, end], i) => i + 1 < s.length && assert.equal(end, s[i + 1]?.[0]));
  }
});

test('options are validated field by field, naming the bad one', () => {
  assert.equal(resolveContextOptions({ workers: 3 }).workers, 3);
  assert.equal(resolveContextOptions(undefined).checkpointCompression, 'lz4');
  assert.equal(resolveContextOptions({}).maxTaskFailures, 4);
  assert.throws(
    () => resolveContextOptions({ workers: 1.5 }),
    /options\.workers.*positive integer.*1\.5/,
  );
  assert.throws(
    () => resolveContextOptions({ progress: 'yes' as unknown as boolean }),
    /options\.progress/,
  );
  assert.throws(
    () => resolveContextOptions({ wrokers: 2 } as unknown as { workers: number }),
    /options\.wrokers/,
  );
});

test('text files split into byte ranges that cover each file exactly', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-splits-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.txt'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(dir, 'b.txt'), 'y'.repeat(10));
    fs.writeFileSync(path.join(dir, '.hidden'), 'z');
    const files = listTextFiles(dir);
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      ['a.txt', 'b.txt'],
    );
    const splits = computeSplits(files, 4);
    for (const file of files) {
      const mine = splits.filter((s) => s.path === file);
      assert.equal(mine[0]?.start, 0);
      assert.equal(mine.at(-1)?.end, fs.statSync(file).size);
    }
    assert.ok(splits.length >= 4);
    assert.deepEqual(listTextFiles(path.join(dir, '?.txt')).length, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the progress line looks like Spark's", () => {
  assert.equal(
    render(3, { total: 40, done: 12, started: 0 }, 20, 2),
    '[Stage 3:======>             (12 + 2) / 40]',
  );
  assert.equal(
    render(0, { total: 4, done: 4, started: 0 }, 10, 2),
    '[Stage 0:==========(4 + 0) / 4]',
  );
});

test('a reducer gets one block per map output that has data for it', () => {
  const t = new MapOutputTracker();
  t.registerShuffle(0, 2, 'lz4');
  t.registerMapOutput({ shuffleId: 0, mapIndex: 0, path: '/nonexistent/a', offsets: [8, 8, 20] });
  assert.deepEqual(t.missingMaps(0), [1]);
  assert.deepEqual(t.blocksFor(0, 0), [
    { shuffleId: 0, mapIndex: 1, reduceIndex: 0, path: '', start: 0, end: 0, codec: 'lz4' },
  ]);
  assert.equal(t.blocksFor(0, 1).length, 2);
});
