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

/**
 * What the file's lines are, by Hadoop's LineReader: '\n', '\r' and '\r\n' each end a line, and
 * a line end at the very end of the file starts no empty last line.
 */
function expectedLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (/[\r\n]$/.test(text)) lines.pop();
  return lines;
}

/** Every split of the file into `cuts.length + 1` ranges at those offsets, read with `chunkSize`. */
function readCuts(file: string, size: number, cuts: number[], chunkSize: number): string[] {
  const bounds = [0, ...cuts, size];
  const lines: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    for (const batch of textFilePartition(file, bounds[i]!, bounds[i + 1]!, chunkSize))
      lines.push(...(batch as string[]));
  }
  return lines;
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

  it("a lone '\\r' ends a line as '\\n' and '\\r\\n' do, wherever two cuts and the reads fall", () => {
    // Old Mac line ends, Windows ones, Unix ones, a '\r\n\r' run, empty lines of each kind,
    // a multi-byte character right before a '\r', and no final line end.
    const body = 'a\rbb\r\nc\n\r\r\n\rü\r€\r\n\n\r\nlast\rx';
    const { file, size } = writeText('cr.txt', body);
    const expected = expectedLines(body);
    assert.deepEqual(expected, ['a', 'bb', 'c', '', '', '', 'ü', '€', '', '', 'last', 'x']);
    for (const chunkSize of [1, 2, 3, 5, 64]) {
      for (let cut = 0; cut <= size; cut++) {
        assert.deepEqual(
          readCuts(file, size, [cut], chunkSize),
          expected,
          `cut ${cut}, chunk ${chunkSize}`,
        );
        for (let second = cut; second <= size; second++) {
          assert.deepEqual(
            readCuts(file, size, [cut, second], chunkSize),
            expected,
            `cuts ${cut} and ${second}, chunk ${chunkSize}`,
          );
        }
      }
    }
  });

  it("a '\\r' as the file's last byte, or as the last byte a read returns, ends one line", () => {
    for (const body of ['one\rtwo\r', 'one\r\ntwo\r', '\r', '\r\r', 'x\r\n']) {
      const { file, size } = writeText(`last-cr-${body.length}.txt`, body);
      // Chunks of 4 bytes end right after the '\r' of 'one\r': its '\n', if any, is the next read.
      for (const chunkSize of [1, 4, 1 << 20]) {
        assert.deepEqual(
          readCuts(file, size, [], chunkSize),
          expectedLines(body),
          JSON.stringify(body),
        );
      }
    }
  });

  it('random texts of line ends and characters, cut at random places, read every line once', () => {
    // A fixed-seed generator (mulberry32): the same 300 cases on every run.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    for (let n = 0; n < 300; n++) {
      const body = Array.from({ length: Math.floor(random() * 30) }, () =>
        pick(['a', 'é', '\r', '\n', '\r\n', '\r']),
      ).join('');
      const { file, size } = writeText(`random-${n}.txt`, body);
      const cuts = Array.from({ length: Math.floor(random() * 4) }, () =>
        Math.floor(random() * (size + 1)),
      ).sort((a, b) => a - b);
      const chunkSize = 1 + Math.floor(random() * 6);
      assert.deepEqual(
        readCuts(file, size, cuts, chunkSize),
        expectedLines(body),
        `${JSON.stringify(body)} cut at ${cuts.join(', ')}, chunk ${chunkSize}`,
      );
    }
  });

  it('an empty file and an empty range give no lines', () => {
    const { file } = writeText('empty.txt', '');
    assert.deepEqual([...textFilePartition(file, 0, 0)], []);
    const other = writeText('some.txt', 'a\nb\n');
    assert.deepEqual([...textFilePartition(other.file, 2, 2)].flat(), []);
  });
});
