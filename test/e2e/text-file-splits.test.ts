// textFile without minPartitions cuts large files into pieces of at most the split size (32 MB,
// made small here through the context's internal maxSplitBytes) and at least two a worker,
// and every line arrives exactly once wherever the cuts fall: inside a '\r\n', inside a
// multi-byte character, on an empty line, at a line start, in a file with no final newline.
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

/** The lines by definition: '\n' ends a line and a '\r' before it is dropped. */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
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
