// textFile splits follow Hadoop's LineRecordReader: any cut of a file into byte ranges yields
// every line exactly once, whatever the line ends, multi-byte characters and read chunk size.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { textFilePartition } from '../../workers/text-file.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kindling-worker-text-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function writeText(name: string, text: string): { file: string; size: number } {
  const file = path.join(tmp, name);
  writeFileSync(file, text, 'utf8');
  return { file, size: Buffer.byteLength(text, 'utf8') };
}

function readSplits(file: string, size: number, k: number, chunkSize?: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < k; i++) {
    const start = Math.floor((size * i) / k);
    const end = Math.floor((size * (i + 1)) / k);
    for (const batch of textFilePartition(file, start, end, chunkSize))
      lines.push(...(batch as string[]));
  }
  return lines;
}

/** What the file's lines are, by the definition: '\n' ends a line, a '\r' before it is dropped. */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

describe('textFile partitions', () => {
  const words = [
    'alpha',
    'βήτα',
    '',
    'ガンマ',
    'delta 🎉🎉',
    'ε',
    '',
    'zeta, with a longer line than most',
  ];
  const text = Array.from(
    { length: 60 },
    (_, i) => words[i % words.length]! + (i % 3 === 0 ? '\r\n' : '\n'),
  ).join('');

  for (const variant of ['trailing newline', 'no trailing newline']) {
    const body = variant === 'trailing newline' ? text : text + 'last line ünïcode';
    it(`any split into 1..7 byte ranges reads every line once (${variant})`, () => {
      const { file, size } = writeText(`lines-${variant.length}.txt`, body);
      const expected = expectedLines(body);
      for (let k = 1; k <= 7; k++) {
        assert.deepEqual(readSplits(file, size, k), expected, `k = ${k}`);
        // Tiny chunks: lines and multi-byte characters straddle every read.
        assert.deepEqual(readSplits(file, size, k, 3), expected, `k = ${k}, 3-byte chunks`);
      }
    });
  }

  it('every cut point between two splits works, including ones at line starts', () => {
    const body = 'ab\ncd\r\n\nü€\nx';
    const { file, size } = writeText('cuts.txt', body);
    for (let cut = 0; cut <= size; cut++) {
      const lines = [
        ...textFilePartition(file, 0, cut, 2),
        ...textFilePartition(file, cut, size, 2),
      ].flat();
      assert.deepEqual(lines, ['ab', 'cd', '', 'ü€', 'x'], `cut at ${cut}`);
    }
  });

  it('an empty file and an empty range give no lines', () => {
    const { file } = writeText('empty.txt', '');
    assert.deepEqual([...textFilePartition(file, 0, 0)], []);
    const other = writeText('some.txt', 'a\nb\n');
    assert.deepEqual([...textFilePartition(other.file, 2, 2)].flat(), []);
  });
});
