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
import { isKindlingError } from '../../src/errors.js';
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

test('a reducer gets one block per map output that has data for it, and a missing one as such', () => {
  const t = new MapOutputTracker();
  t.registerShuffle(0, 2, 'lz4');
  t.registerMapOutput({
    shuffleId: 0,
    mapIndex: 0,
    path: '/nonexistent/a',
    offsets: [8, 8, 20],
    checksums: [0, 0x1234],
  });
  assert.deepEqual(t.missingMaps(0), [1]);
  assert.deepEqual(t.blocksFor(0, 0), [
    { kind: 'missing', shuffleId: 0, mapIndex: 1, reduceIndex: 0 },
  ]);
  assert.deepEqual(t.blocksFor(0, 1), [
    {
      kind: 'range',
      shuffleId: 0,
      mapIndex: 0,
      reduceIndex: 1,
      path: '/nonexistent/a',
      start: 8,
      end: 20,
      checksum: 0x1234,
      codec: 'lz4',
    },
    { kind: 'missing', shuffleId: 0, mapIndex: 1, reduceIndex: 1 },
  ]);
});

test('a fetch failure on a file the map output no longer has leaves the new output alone', () => {
  const t = new MapOutputTracker();
  t.registerShuffle(0, 1, 'lz4');
  const status = { shuffleId: 0, mapIndex: 0, offsets: [12, 20], checksums: [7] };
  t.registerMapOutput({ ...status, path: '/nonexistent/recomputed' });
  t.unregisterMapOutput(0, 0, '/nonexistent/old');
  assert.deepEqual(t.missingMaps(0), []);
  t.unregisterMapOutput(0, 0, '/nonexistent/recomputed');
  assert.deepEqual(t.missingMaps(0), [0]);
});

test('blocks of a shuffle that was never registered are an INTERNAL error, not an empty read', () => {
  assert.throws(
    () => new MapOutputTracker().blocksFor(5, 0),
    (e: unknown) => isKindlingError(e, 'INTERNAL') && /shuffle 5/.test(e.message),
  );
});
