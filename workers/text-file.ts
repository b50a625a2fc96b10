// textFile's partition: the lines of a byte range [start, end) of a UTF-8 file, by Hadoop's
// LineRecordReader rule, so that splits made without looking at the file lose and duplicate
// nothing. A line belongs to the split its first byte falls in, where a split [s, e) with
// s > 0 covers (s, e] (a line starting exactly at s is its predecessor's, which reads past e):
//
//   bytes   a b \n c d \n e f
//   split   [0 ......... 4)[4 ...... 8)
//   lines   "ab" (0) and "cd" (3 <= 4) | skips to after the first \n at/after 4, reads "ef"
//
// Work is on bytes: '\n' never occurs inside a multi-byte UTF-8 character, so decoding from
// one line start to a '\n' never cuts a character. '\r\n' ends a line like '\n'.

import { closeSync, openSync, readSync } from 'node:fs';
import { BATCH_SIZE } from './batch.js';

const CHUNK_SIZE = 1 << 20;
const NL = 0x0a;

export function* textFilePartition(
  path: string,
  start: number,
  end: number,
  chunkSize = CHUNK_SIZE,
): Generator<unknown[]> {
  // An empty range owns no line, even at byte 0 (Hadoop's reader would take line 0 there and
  // duplicate it with the next split).
  if (end <= start) return;
  const fd = openSync(path, 'r');
  try {
    const reader = new ChunkReader(fd, start, chunkSize);
    let p = 0; // start of the next line, relative to reader.base
    if (start !== 0) {
      // Skip the partial (or predecessor-owned) first line.
      for (;;) {
        const nl = reader.buf.indexOf(NL, p);
        if (nl !== -1) {
          p = nl + 1;
          break;
        }
        if (reader.eof) return;
        p = reader.buf.length;
        p = reader.refill(p);
      }
    }
    for (;;) {
      if (reader.base + p > end) return;
      const nl = reader.buf.indexOf(NL, p);
      if (nl === -1) {
        if (reader.eof) {
          if (p < reader.buf.length) yield [stripCR(reader.buf.toString('utf8', p))];
          return;
        }
        p = reader.refill(p);
        continue;
      }
      // Every complete line in the buffer starting at or before `end` at once: one decode and
      // one split instead of one decode per line.
      const endRel = end - reader.base;
      const lastNl = reader.buf.lastIndexOf(NL);
      const stop = endRel >= lastNl ? lastNl : reader.buf.indexOf(NL, Math.max(endRel, p));
      yield* linesOf(reader.buf.toString('utf8', p, stop));
      p = stop + 1;
    }
  } finally {
    closeSync(fd);
  }
}

function* linesOf(text: string): Generator<unknown[]> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  if (lines.length <= BATCH_SIZE) {
    yield lines;
    return;
  }
  for (let i = 0; i < lines.length; i += BATCH_SIZE) yield lines.slice(i, i + BATCH_SIZE);
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** A window on the file: buf holds bytes from file offset `base`; refill keeps the tail. */
class ChunkReader {
  buf: Buffer = Buffer.alloc(0);
  base: number;
  eof = false;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly chunkSize: number,
  ) {
    this.base = start;
    this.refill(0);
  }

  /** Drops bytes before `keepFrom`, reads one more chunk; returns keepFrom's new index (0). */
  refill(keepFrom: number): number {
    const tail = this.buf.subarray(keepFrom);
    const next = Buffer.allocUnsafe(tail.length + this.chunkSize);
    tail.copy(next, 0);
    const position = this.base + this.buf.length;
    const n = readSync(this.fd, next, tail.length, this.chunkSize, position);
    if (n === 0) this.eof = true;
    this.base += keepFrom;
    this.buf = next.subarray(0, tail.length + n);
    return 0;
  }
}
