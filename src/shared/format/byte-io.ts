// Growable little-endian byte writer and bounds-checked reader for the record
// codec. Typed columns are aligned to their element size relative to the
// batch start, so a reader whose batch starts aligned can view them in place;
// every read past the end raises CHECKPOINT_CORRUPT instead of reading zeros.

import { errors } from '../errors.js';

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity: number) {
    // allocUnsafeSlow: an ArrayBuffer of our own, so byteOffset is 0 and
    // alignment relative to the batch is alignment in memory.
    this.buf = Buffer.allocUnsafeSlow(Math.max(64, capacity));
  }

  /** Advances past n bytes, growing the buffer as needed; returns their start. */
  reserve(n: number): number {
    const need = this.pos + n;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos = need;
    return at;
  }

  header(tag: number, count: number): void {
    const at = this.reserve(5);
    this.buf[at] = tag;
    this.buf.writeUInt32LE(count, at + 1);
  }

  u32(v: number): void {
    const at = this.reserve(4); // before reading this.buf, which reserve() may replace
    this.buf.writeUInt32LE(v, at);
  }

  bytes(src: Uint8Array): void {
    const at = this.reserve(src.length);
    this.buf.set(src, at);
  }

  align(size: number): void {
    const pad = (size - (this.pos % size)) % size;
    const at = this.reserve(pad);
    this.buf.fill(0, at, this.pos);
  }

  /** The next n float64s, aligned, as a view to fill (valid until the next reserve). */
  float64s(n: number): Float64Array {
    this.align(8);
    const at = this.reserve(n * 8); // before reading this.buf, which reserve() may replace
    return new Float64Array(this.buf.buffer, at, n);
  }

  /** The next n int32s, aligned, as a view to fill (valid until the next reserve). */
  int32s(n: number): Int32Array {
    this.align(4);
    const at = this.reserve(n * 4);
    return new Int32Array(this.buf.buffer, at, n);
  }

  /** Drops what was written from `pos` on (a column that turned out not to fit its layout). */
  rewind(pos: number): void {
    this.pos = pos;
  }

  /** Cumulative UTF-16 lengths: where each string ends in the joined block. */
  stringEnds(strs: readonly string[]): void {
    this.align(4);
    const at = this.reserve(strs.length * 4);
    const ends = new Uint32Array(this.buf.buffer, at, strs.length);
    let end = 0;
    for (let i = 0; i < strs.length; i++) {
      end += (strs[i] as string).length;
      ends[i] = end;
    }
  }

  /** u32 byte length, then the string as UTF-8. */
  utf8(s: string): void {
    const lengthAt = this.reserve(4);
    // At most 3 bytes per UTF-16 code unit (a surrogate pair is 4 bytes for 2).
    const at = this.reserve(s.length * 3);
    const written = this.buf.write(s, at, 'utf8');
    this.buf.writeUInt32LE(written, lengthAt);
    this.pos = at + written;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  readonly buf: Buffer;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Advances past n bytes that must exist; returns their start. */
  skip(n: number): number {
    if (n > this.buf.length - this.pos) {
      throw errors.recordBatchCorrupt(
        `needs ${n} bytes at offset ${this.pos}, batch has ${this.buf.length}`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf[this.skip(1)] as number;
  }

  u32(): number {
    return this.buf.readUInt32LE(this.skip(4));
  }

  take(n: number): Buffer {
    const at = this.skip(n);
    return this.buf.subarray(at, at + n);
  }

  align(size: number): void {
    this.skip((size - (this.pos % size)) % size);
  }

  float64s(n: number): number[] {
    this.align(8);
    return toArray(this.view(Float64Array, n));
  }

  int32s(n: number): number[] {
    this.align(4);
    return toArray(this.view(Int32Array, n));
  }

  /** The next n int32s, aligned, in an array of their own (not a view of the batch). */
  int32Copy(n: number): Int32Array {
    this.align(4);
    const view = this.view(Int32Array, n);
    return view.buffer === this.buf.buffer ? view.slice() : view;
  }

  strings(n: number): string[] {
    this.align(4);
    const ends = this.view(Uint32Array, n);
    const at = this.skip(this.u32());
    const block = this.buf.toString('utf8', at, this.pos);
    if (block.length !== (n === 0 ? 0 : ends[n - 1])) {
      throw errors.recordBatchCorrupt('string block length does not match its offsets');
    }
    // slice() of a flat string is a cheap view in V8; decoded strings share
    // the block, which lives as long as any of them does.
    const out = new Array<string>(n);
    let start = 0;
    for (let i = 0; i < n; i++) {
      const end = ends[i] as number;
      if (end < start) throw errors.recordBatchCorrupt('string offsets decrease');
      out[i] = block.slice(start, end);
      start = end;
    }
    return out;
  }

  private view<T extends Float64Array | Int32Array | Uint32Array>(
    ctor: {
      new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
      BYTES_PER_ELEMENT: number;
    },
    n: number,
  ): T {
    const size = ctor.BYTES_PER_ELEMENT;
    const start = this.buf.byteOffset + this.skip(n * size);
    if (start % size === 0) return new ctor(this.buf.buffer, start, n);
    // The batch itself sits misaligned (e.g. inside a read buffer): copy.
    return new ctor(this.buf.buffer.slice(start, start + n * size), 0, n);
  }
}

// A counted loop into a preallocated array: 4x faster than Array.from(typed).
function toArray(view: Float64Array | Int32Array): number[] {
  const n = view.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = view[i] as number;
  return out;
}
