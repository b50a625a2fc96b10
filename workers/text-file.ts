// textFile's partition: the lines of a byte range [start, end) of a UTF-8 file, by Hadoop's
// LineRecordReader rule, so that splits made without looking at the file lose and duplicate
// nothing. A line belongs to the split its first byte falls in, where a split [s, e) with
// s > 0 covers (s, e] (a line starting exactly at s is its predecessor's, which reads past e):
//
//   bytes   a b \n c d \n e f
//   split   [0 ......... 4)[4 ...... 8)
//   lines   "ab" (0) and "cd" (3 <= 4) | skips to after the first line end at/after 4, reads "ef"
//
// A line ends at '\n', '\r' or '\r\n', as in Hadoop's LineReader (an old Mac file is lines, not
// one line; src/shared/line-ends.ts). '\r\n' is one end wherever reads or splits cut it: a '\r' that is the last byte
// read waits for the next read, and a split starting at the '\n' of a '\r\n' skips only that
// '\n', the line after it being its first (its predecessor stops at the pair, before it).
// Work is on bytes: '\r' and '\n' never occur inside a multi-byte UTF-8 character, so decoding
// from one line start to a line end never cuts a character.

import { closeSync } from 'node:fs';
import { splitLines } from '../src/shared/line-ends.js';
import { BATCH_SIZE } from './batch.js';
import { openInput, readInput } from './input-files.js';

const CHUNK_SIZE = 1 << 20;
const NL = 0x0a;
const CR = 0x0d;

export function* textFilePartition(
  path: string,
  start: number,
  end: number,
  chunkSize = CHUNK_SIZE,
): Generator<unknown[]> {
  // An empty range owns no line, even at byte 0 (Hadoop's reader would take line 0 there and
  // duplicate it with the next split).
  if (end <= start) return;
  const fd = openInput(path);
  try {
    const reader = new ChunkReader(fd, path, start, chunkSize);
    let p = 0; // start of the next line, relative to reader.base
    if (start !== 0) {
      // Skip the partial (or predecessor-owned) first line.
      for (;;) {
        const lineEnd = reader.lineEndFrom(p);
        if (lineEnd.kind === 'found') {
          p = lineEnd.next;
          break;
        }
        if (reader.eof) return;
        // Keep a '\r' the buffer ends on: the next read says whether a '\n' belongs to it.
        p = reader.refill(lineEnd.kind === 'pending' ? lineEnd.at : reader.buf.length);
      }
    }
    for (;;) {
      if (reader.base + p > end) return;
      // Every complete line in the buffer starting at or before `end` at once: one decode and
      // one split instead of one decode per line. The line holding `end` (or starting there)
      // is the last this split owns; it ends at the first line end at or after `end`, or at
      // the '\r\n' whose '\n' is at `end`.
      let last = reader.lineEndFrom(Math.max(end - reader.base, p));
      const { buf } = reader;
      if (last.kind === 'found' && last.at > p && buf[last.at] === NL && buf[last.at - 1] === CR)
        last = { kind: 'found', at: last.at - 1, next: last.next };
      // Not in the buffer: every line it ends is still this split's.
      if (last.kind !== 'found') last = reader.lastLineEnd(p);
      if (last.kind === 'found') {
        yield* batchesOfLines(reader.buf.toString('utf8', p, last.at));
        p = last.next;
        continue;
      }
      if (reader.eof) {
        // The file's last line, with no line end.
        if (p < reader.buf.length) yield [reader.buf.toString('utf8', p)];
        return;
      }
      p = reader.refill(p);
    }
  } finally {
    closeSync(fd);
  }
}

function* batchesOfLines(text: string): Generator<unknown[]> {
  const lines = splitLines(text);
  if (lines.length <= BATCH_SIZE) {
    yield lines;
    return;
  }
  for (let i = 0; i < lines.length; i += BATCH_SIZE) yield lines.slice(i, i + BATCH_SIZE);
}

/**
 * A line end in the buffer: the index of its first byte and of the byte after it. `pending`:
 * the buffer ends on a '\r' before the end of the file, so whether a '\n' follows is unknown.
 */
type LineEnd =
  { kind: 'found'; at: number; next: number } | { kind: 'pending'; at: number } | { kind: 'none' };

/** A window on the file: buf holds bytes from file offset `base`; refill keeps the tail. */
class ChunkReader {
  buf: Buffer = Buffer.alloc(0);
  base: number;
  eof = false;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    start: number,
    private readonly chunkSize: number,
  ) {
    this.base = start;
    this.refill(0);
  }

  /** The first line end at or after index `from`. */
  lineEndFrom(from: number): LineEnd {
    const nl = this.buf.indexOf(NL, from);
    const cr = this.buf.indexOf(CR, from);
    if (nl === -1 && cr === -1) return { kind: 'none' };
    if (cr === -1 || (nl !== -1 && nl < cr)) return { kind: 'found', at: nl, next: nl + 1 };
    return this.endAtCR(cr);
  }

  /** The last line end whose first byte is at or after index `from` and that is known whole. */
  lastLineEnd(from: number): LineEnd {
    let i = this.buf.length - 1;
    // A '\r' the buffer ends on is not known whole yet: the line end before it may be.
    if (i >= from && this.buf[i] === CR && !this.eof) i--;
    const nl = i < from ? -1 : this.buf.lastIndexOf(NL, i);
    const cr = i < from ? -1 : this.buf.lastIndexOf(CR, i);
    const at = Math.max(nl, cr);
    if (at < from) return { kind: 'none' };
    // The '\n' of a '\r\n': the pair ends the line.
    if (at === nl && nl > from && this.buf[nl - 1] === CR)
      return { kind: 'found', at: nl - 1, next: nl + 1 };
    return { kind: 'found', at, next: at + 1 };
  }

  private endAtCR(cr: number): LineEnd {
    if (cr + 1 < this.buf.length)
      return { kind: 'found', at: cr, next: this.buf[cr + 1] === NL ? cr + 2 : cr + 1 };
    return this.eof ? { kind: 'found', at: cr, next: cr + 1 } : { kind: 'pending', at: cr };
  }

  /** Drops bytes before `keepFrom`, reads one more chunk; returns keepFrom's new index (0). */
  refill(keepFrom: number): number {
    const tail = this.buf.subarray(keepFrom);
    const next = Buffer.allocUnsafe(tail.length + this.chunkSize);
    tail.copy(next, 0);
    const position = this.base + this.buf.length;
    const n = readInput(this.fd, next, tail.length, this.chunkSize, position, this.path);
    if (n === 0) this.eof = true;
    this.base += keepFrom;
    this.buf = next.subarray(0, tail.length + n);
    return 0;
  }
}
