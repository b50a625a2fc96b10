// textFile without minPartitions cuts large files into pieces of at most the split size (32 MB,
// made small here through the context's internal maxSplitBytes) and at least two a worker,
// and every line arrives exactly once wherever the cuts fall: inside a '\r\n', right after a
// lone '\r' (which ends a line, as in Hadoop), inside a multi-byte character, on an empty
// line, at a line start, in a file with no final newline.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Context } from '../../src/context.js';
import { MAX_SPLIT_BYTES } from '../../src/rdd/text-file-splits.js';

const WORKERS = 2;
const ctx = new Context({ workers: WORKERS, progress: false });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-splits-e2e-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The lines by definition (Hadoop's LineReader): '\n', '\r' and '\r\n' each end a line, and a
 * line end at the very end of the file starts no empty last line.
 */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (/[\r\n]$/.test(text)) lines.pop();
  return lines;
}

function write(name: string, text: string): { file: string; size: number } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, 'utf8');
  return { file, size: fs.statSync(file).size };
}

// Two-, three- and four-byte characters, '\r\n' and '\n', empty lines, a long line.
const AWKWARD =
  'ab\r\n\r\nü€𝄞\n\nx\r\n' +
  'a line longer than the small split sizes below, with é in it\n' +
  '\n𝄞𝄞\r\nlast but one\r\n';

test('a large file splits into pieces of at most the split size, every line once', async () => {
  ctx.maxSplitBytes = 64 * 1024;
  try {
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    const text = lines.join('\n') + '\n';
    const { file, size } = write('large.txt', text);
    const rdd = ctx.textFile(file);
    assert.equal(rdd.getNumPartitions(), Math.ceil(size / (64 * 1024)));
    assert.ok(rdd.getNumPartitions() > 2 * WORKERS);
    assert.deepEqual(await rdd.collect(), lines);
    const sizes = await rdd
      .glom()
      .map((part) => part.length)
      .collect();
    assert.ok(
      sizes.every((n) => n > 0),
      'every piece of a large file holds lines',
    );
  } finally {
    ctx.maxSplitBytes = MAX_SPLIT_BYTES;
  }
});

test('without minPartitions a file is cut into at least two pieces a worker', async () => {
  const lines = Array.from({ length: 500 }, (_, i) => `record ${i}`);
  const { file } = write('small.txt', lines.join('\n') + '\n');
  const rdd = ctx.textFile(file);
  assert.equal(rdd.getNumPartitions(), 2 * WORKERS);
  assert.deepEqual(await rdd.collect(), lines);
  // minPartitions still means at least that many.
  assert.equal(ctx.textFile(file, 7).getNumPartitions(), 7);
  // A file of fewer bytes than pieces asked for gives one piece a byte, not empty ranges.
  const tiny = write('tiny.txt', 'a\n');
  assert.equal(ctx.textFile(tiny.file).getNumPartitions(), 2);
  assert.deepEqual(await ctx.textFile(tiny.file).collect(), ['a']);
});

for (const variant of ['with a final newline', 'without a final newline']) {
  test(`cuts at every awkward place read every line exactly once (${variant})`, async () => {
    const text = variant === 'with a final newline' ? AWKWARD : AWKWARD + 'no newline ü';
    const { file, size } = write(`awkward-${variant.length}.txt`, text);
    const expected = expectedLines(text);
    try {
      // Split sizes 1..12 put a cut at every byte offset of the file, in some run.
      for (let splitBytes = 1; splitBytes <= 12; splitBytes++) {
        ctx.maxSplitBytes = splitBytes;
        const rdd = ctx.textFile(file);
        assert.equal(rdd.getNumPartitions(), Math.ceil(size / splitBytes), `split ${splitBytes}`);
        assert.deepEqual(await rdd.collect(), expected, `split size ${splitBytes}`);
      }
    } finally {
      ctx.maxSplitBytes = MAX_SPLIT_BYTES;
    }
  });
}

// Old Mac ('\r'), Windows and Unix line ends mixed, runs of them, a '\r' before a multi-byte
// character and at the very end.
const MIXED_ENDS = 'mac\rline\r\rwin\r\n\r\nunix\n\n\r\n\rü\r€𝄞\r\nend\r\n\r\rlast\r';

test("a lone '\\r' ends a line, for every minPartitions and every split size", async () => {
  const { file, size } = write('mixed-ends.txt', MIXED_ENDS);
  const expected = expectedLines(MIXED_ENDS);
  assert.deepEqual(expected.slice(0, 6), ['mac', 'line', '', 'win', '', 'unix']);
  for (let minPartitions = 1; minPartitions <= size + 2; minPartitions++) {
    assert.deepEqual(
      await ctx.textFile(file, minPartitions).collect(),
      expected,
      `minPartitions ${minPartitions}`,
    );
  }
  try {
    for (let splitBytes = 1; splitBytes <= 12; splitBytes++) {
      ctx.maxSplitBytes = splitBytes;
      assert.deepEqual(await ctx.textFile(file).collect(), expected, `split size ${splitBytes}`);
    }
  } finally {
    ctx.maxSplitBytes = MAX_SPLIT_BYTES;
  }
});

test("a '\\r' right before a split boundary, on it, and a '\\r\\n' cut by one, each end one line", async () => {
  // 12 bytes: three splits of 4 bytes cut after 'abc\r' and between the '\r' and '\n' of
  // 'def\r\n'; four splits of 3 bytes start one on the first '\r' and one on the second.
  const text = 'abc\rdef\r\nxy\n';
  const { file, size } = write('cr-at-boundaries.txt', text);
  assert.equal(size, 12);
  for (const minPartitions of [3, 4, 6, 12]) {
    const rdd = ctx.textFile(file, minPartitions);
    assert.equal(rdd.getNumPartitions(), minPartitions);
    assert.deepEqual(await rdd.collect(), ['abc', 'def', 'xy'], `minPartitions ${minPartitions}`);
    // Each line is in exactly one partition, the one its first byte is in (a split [s, e)
    // with s > 0 owning lines that start in (s, e]).
    const parts = await rdd.glom().collect();
    assert.deepEqual(parts.flat(), ['abc', 'def', 'xy']);
  }
  assert.deepEqual(await ctx.textFile(file, 3).glom().collect(), [['abc', 'def'], [], ['xy']]);
});

test("a gzip file's lines end at '\\r', '\\r\\n' and '\\n' too", async () => {
  const file = path.join(dir, 'mixed-ends.txt.gz');
  fs.writeFileSync(file, zlib.gzipSync(MIXED_ENDS));
  assert.deepEqual(await ctx.textFile(file).collect(), expectedLines(MIXED_ENDS));
});

test('a directory of files splits each file on its own, none split across files', async () => {
  const sub = path.join(dir, 'many');
  fs.mkdirSync(sub);
  const texts = ['one\ntwo\n', '', 'three', 'four\r\nfive\r\n\r\n', 'ß'.repeat(40) + '\nsix\n'];
  texts.forEach((t, i) => fs.writeFileSync(path.join(sub, `part-${i}.txt`), t));
  ctx.maxSplitBytes = 5;
  try {
    const got = await ctx.textFile(sub).collect();
    assert.deepEqual(got, texts.flatMap(expectedLines));
  } finally {
    ctx.maxSplitBytes = MAX_SPLIT_BYTES;
  }
});

test('a gzip file is never split, whatever the split size', async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `gz ${i}`);
  const file = path.join(dir, 'big.txt.gz');
  fs.writeFileSync(file, zlib.gzipSync(lines.join('\n') + '\n'));
  ctx.maxSplitBytes = 100;
  try {
    const rdd = ctx.textFile(file);
    assert.equal(rdd.getNumPartitions(), 1);
    assert.deepEqual(await rdd.collect(), lines);
  } finally {
    ctx.maxSplitBytes = MAX_SPLIT_BYTES;
  }
});
