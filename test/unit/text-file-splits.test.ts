// textFile's input splits (src/rdd/text-file-splits.ts, Spark's FileInputFormat.getSplits):
// byte ranges that cover each matched file exactly, hidden files left out.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { computeSplits, listTextFiles, splitPaths } from '../../src/rdd/text-file-splits.js';

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

test('comma-separated input paths split outside glob braces only, as Hadoop', () => {
  assert.deepEqual(splitPaths('a.txt,dir,*.log'), ['a.txt', 'dir', '*.log']);
  assert.deepEqual(splitPaths('out/part-0000{0,1},x{a,{b,c}}y,z'), [
    'out/part-0000{0,1}',
    'x{a,{b,c}}y',
    'z',
  ]);
  assert.deepEqual(splitPaths('a,,b'), ['a', '', 'b']);
});
