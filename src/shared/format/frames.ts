// Frames: the unit every Kindling file is made of. A frame is a 16-byte header
// and one record batch (record-codec), LZ4-compressed when the file's codec is
// 'lz4'. Readers check every frame (crc of the stored bytes, lengths, record
// count) and stream files through one reused buffer, so memory stays bounded
// by the largest frame. Layout: docs/checkpoint-format.md.

import fs from 'node:fs';
import { crc32 } from '../../../native-bindings/crc32.js';
import { lz4Compress, lz4Decompress } from '../../../native-bindings/lz4.js';
import { errors, isKindlingError, KindlingError } from '../errors.js';
import { hashKey } from '../keys.js';
import {
  decodePairColumns,
  decodeRecords,
  everyKeyHashed,
  encodePairs,
  encodeRecords,
  type DecodedColumns,
} from './record-codec.js';

export type Codec = 'none' | 'lz4';

/** Where frames come from, for error messages: the file, or what an in-memory block is. */
export interface FrameSource {
  path?: string;
  rddId?: number;
  partitionIndex?: number;
  describe?: string;
}

//   0        4           8              12             16
//   | count  | rawLength | storedLength | crc32(stored) | stored payload ...
export const FRAME_HEADER_BYTES = 16;
// No frame we write comes near this; a larger length is damage, refused
// before anything is allocated for it.
const MAX_FRAME_BYTES = 1 << 30;
// Chunk size of streaming reads: a few typical frames per read() call.
const READ_CHUNK_BYTES = 1 << 20;

export interface EncodedFrame {
  header: Buffer;
  payload: Buffer;
  /** crc32(payload), as the header holds it. */
  payloadCrc: number;
  records: number;
  rawLength: number;
}

/**
 * Skips LZ4 on data it barely shrinks (short distinct strings, random doubles), where its CPU
 * buys almost nothing: after a frame LZ4 shrank by less than an eighth, the next 1, 2, 4, ...
 * up to 64 frames of the same writer are stored raw without trying, then it tries again. Raw
 * frames are part of the format (storedLength === rawLength), so readers need nothing.
 * `rawFirstBytes`: that many bytes of frames are stored raw before it tries at all (see
 * ShuffleMapOutput.rawFirstBytes).
 */
export class Lz4Probe {
  private skip = 0;
  private backoff = 0;

  constructor(private rawFirstBytes = 0) {}

  shouldTry(rawLength: number): boolean {
    if (this.rawFirstBytes > 0) {
      this.rawFirstBytes -= rawLength;
      return false;
    }
    if (this.skip === 0) return true;
    this.skip--;
    return false;
  }

  observe(rawLength: number, packedLength: number): void {
    if (packedLength > rawLength - rawLength / 8) {
      this.backoff = Math.min(64, this.backoff * 2 || 1);
      this.skip = this.backoff;
    } else {
      this.backoff = 0;
    }
  }
}

/** Encodes a batch as a frame, header and payload kept apart to save a copy. */
export function encodeFrameParts(
  records: readonly unknown[],
  codec: Codec,
  probe?: Lz4Probe,
): EncodedFrame {
  return frameOf(encodeRecords(records), records.length, codec, probe, records);
}

/**
 * Raw bytes past which records are cut into several frames: a reader decodes a frame whole, so
 * 512 records of 700 KB must not make one 350 MB frame. A single record may be larger.
 */
export const MAX_FRAME_RAW_BYTES = 4 << 20;

/** encodeFrameParts, cut into frames of at most MAX_FRAME_RAW_BYTES raw bytes (see there). */
export function encodeFrames(
  records: readonly unknown[],
  codec: Codec,
  probe?: Lz4Probe,
): EncodedFrame[] {
  const slice = (from: number, to: number): readonly unknown[] =>
    from === 0 && to === records.length ? records : records.slice(from, to);
  return boundedFrames(
    records.length,
    (from, to) => encodeRecords(slice(from, to)),
    (raw, from, to) => frameOf(raw, to - from, codec, probe, records),
  );
}

/**
 * Encodes the records [keys[i], values[i]] as frames (see encodePairs and encodeFrames), with
 * `hashes` (hashKey of each key) when there is one for every key.
 */
export function encodePairFrames(
  keys: readonly unknown[],
  values: readonly unknown[],
  codec: Codec,
  probe?: Lz4Probe,
  hashes?: readonly number[],
): EncodedFrame[] {
  const whole = (from: number, to: number): boolean => from === 0 && to === keys.length;
  const hashed = everyKeyHashed(keys, hashes);
  return boundedFrames(
    keys.length,
    (from, to) =>
      whole(from, to)
        ? encodePairs(keys, values, hashed)
        : encodePairs(keys.slice(from, to), values.slice(from, to), hashed?.slice(from, to)),
    (raw, from, to) => frameOf(raw, to - from, codec, probe, keys),
  );
}

/**
 * Frames of records `from` to `to` (of `n`) as `encode` makes their raw bytes: when those are
 * over MAX_FRAME_RAW_BYTES the records are cut into as many slices as it takes, each encoded
 * again (only batches of large records pay for the first encoding).
 */
function boundedFrames(
  n: number,
  encode: (from: number, to: number) => Buffer,
  frame: (raw: Buffer, from: number, to: number) => EncodedFrame,
): EncodedFrame[] {
  const out: EncodedFrame[] = [];
  const cut = (from: number, to: number): void => {
    const raw = encode(from, to);
    if (raw.length <= MAX_FRAME_RAW_BYTES || to - from === 1) {
      out.push(frame(raw, from, to));
      return;
    }
    const per = Math.max(1, Math.floor(((to - from) * MAX_FRAME_RAW_BYTES) / raw.length));
    for (let i = from; i < to; i += per) cut(i, Math.min(to, i + per));
  };
  if (n > 0) cut(0, n);
  return out;
}

function frameOf(
  raw: Buffer,
  count: number,
  codec: Codec,
  probe: Lz4Probe | undefined,
  what: unknown,
): EncodedFrame {
  if (raw.length > MAX_FRAME_BYTES) {
    throw errors.invalidArgument('records', `a batch under ${MAX_FRAME_BYTES} encoded bytes`, what);
  }
  let payload = raw;
  if (codec === 'lz4' && (probe === undefined || probe.shouldTry(raw.length))) {
    const packed = lz4Compress(raw);
    probe?.observe(raw.length, packed.length);
    // Incompressible batches are stored raw: storedLength === rawLength says
    // so, and a reader skips decompression for them.
    if (packed.length < raw.length) payload = packed;
  }
  const payloadCrc = crc32(payload);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(count, 0);
  header.writeUInt32LE(raw.length, 4);
  header.writeUInt32LE(payload.length, 8);
  header.writeUInt32LE(payloadCrc, 12);
  return { header, payload, payloadCrc, records: count, rawLength: raw.length };
}

export function encodeFrame(records: readonly unknown[], codec: Codec): Buffer {
  const { header, payload } = encodeFrameParts(records, codec);
  return Buffer.concat([header, payload]);
}

/** Header fields of one frame, read from 16 bytes at `at`. */
interface FrameHeader {
  count: number;
  rawLength: number;
  storedLength: number;
  crc: number;
}

function parseHeader(buf: Buffer, at: number): FrameHeader {
  return {
    count: buf.readUInt32LE(at),
    rawLength: buf.readUInt32LE(at + 4),
    storedLength: buf.readUInt32LE(at + 8),
    crc: buf.readUInt32LE(at + 12),
  };
}

/** Builds the CHECKPOINT_CORRUPT error for frame `frame` of `where`. */
export function frameCorrupt(
  where: FrameSource,
  frame: number | undefined,
  why: string,
  cause?: unknown,
): KindlingError {
  const label = where.path ?? where.describe ?? 'in-memory block';
  const e = errors.checkpointCorrupt(label, why, {
    ...(frame === undefined ? {} : { frame }),
    ...(where.rddId === undefined ? {} : { rddId: where.rddId }),
    ...(where.partitionIndex === undefined ? {} : { partitionIndex: where.partitionIndex }),
  });
  // The factory has no cause parameter; rebuild to keep the underlying error.
  return cause === undefined ? e : new KindlingError(e.code, e.message, e.context, cause);
}

function checkLengths(
  h: FrameHeader,
  codec: Codec,
  left: number,
  where: FrameSource,
  index: number,
): void {
  if (h.storedLength > MAX_FRAME_BYTES || h.rawLength > MAX_FRAME_BYTES) {
    throw frameCorrupt(
      where,
      index,
      `frame length ${h.storedLength}/${h.rawLength} is out of range`,
    );
  }
  if (h.storedLength > left) {
    throw frameCorrupt(
      where,
      index,
      `frame of ${h.storedLength} bytes runs past the end (${left} left)`,
    );
  }
  // Raw frames store exactly rawLength bytes; compressed ones are smaller.
  if (codec === 'none' ? h.storedLength !== h.rawLength : h.storedLength > h.rawLength) {
    throw frameCorrupt(
      where,
      index,
      `stored length ${h.storedLength} does not fit raw length ${h.rawLength}`,
    );
  }
}

/** Checks a frame's crc and lengths and returns its raw (decompressed) payload. */
function unpack(stored: Buffer, h: FrameHeader, where: FrameSource, index: number): Buffer {
  const actual = crc32(stored);
  if (actual !== h.crc) {
    throw frameCorrupt(
      where,
      index,
      `crc32 ${hex(actual)} of the payload, header says ${hex(h.crc)}`,
    );
  }
  if (h.storedLength === h.rawLength) return stored;
  try {
    return lz4Decompress(stored, h.rawLength);
  } catch (e) {
    throw frameCorrupt(where, index, e instanceof Error ? e.message : String(e), e);
  }
}

function decode(raw: Buffer, count: number, where: FrameSource, index: number): unknown[] {
  let records: unknown[];
  try {
    records = decodeRecords(raw, count);
  } catch (e) {
    const why = isKindlingError(e) ? e.message : String(e);
    throw frameCorrupt(where, index, `cannot decode records: ${why}`, e);
  }
  if (records.length !== count) {
    throw frameCorrupt(where, index, `frame holds ${records.length} records, header says ${count}`);
  }
  return records;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Decodes the frames of an in-memory block (e.g. a view of a SharedArrayBuffer). */
export function* decodeFramesFromBuffer(
  buf: Uint8Array,
  codec: Codec,
  where: FrameSource,
): Generator<unknown[]> {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  for (let index = 0; at < b.length; index++) {
    if (b.length - at < FRAME_HEADER_BYTES) {
      throw frameCorrupt(where, index, `${b.length - at} bytes left, too few for a frame header`);
    }
    const h = parseHeader(b, at);
    at += FRAME_HEADER_BYTES;
    checkLengths(h, codec, b.length - at, where, index);
    const stored = b.subarray(at, at + h.storedLength);
    at += h.storedLength;
    yield decode(unpack(stored, h, where, index), h.count, where, index);
  }
}

/** What scanFrames yields: a checked frame whose raw payload may share the read buffer. */
export interface ScannedFrame {
  index: number;
  records: number;
  raw: Buffer;
}

/**
 * Streams the frames of file bytes [start, end), checking each, with one read
 * buffer reused throughout. onRead sees every byte read, in order, once (the
 * whole-file crc of verifyPartFile). Closing the generator closes the file.
 */
export function* scanFrames(
  path: string,
  codec: Codec,
  start: number,
  end: number,
  where: FrameSource,
  onRead?: (chunk: Buffer) => void,
): Generator<ScannedFrame> {
  const fd = openForRead(path, where);
  try {
    let buf = Buffer.allocUnsafe(
      Math.min(READ_CHUNK_BYTES, Math.max(end - start, FRAME_HEADER_BYTES)),
    );
    let head = 0; // first unconsumed byte in buf
    let tail = 0; // end of valid bytes in buf
    let filePos = start; // next file offset to read
    let index = 0;
    // Makes n bytes available at buf[head..]; false when the range ends first.
    const fill = (n: number): boolean => {
      if (tail - head >= n) return true;
      if (buf.length - head < n) {
        const next = n > buf.length ? Buffer.allocUnsafe(Math.max(n, buf.length * 2)) : buf;
        buf.copy(next, 0, head, tail);
        tail -= head;
        head = 0;
        buf = next;
      }
      while (tail - head < n) {
        const want = Math.min(buf.length - tail, end - filePos);
        if (want <= 0) return false;
        const got = fs.readSync(fd, buf, tail, want, filePos);
        if (got === 0) return false;
        onRead?.(buf.subarray(tail, tail + got));
        tail += got;
        filePos += got;
      }
      return true;
    };
    for (let offset = start; offset < end; offset = filePos - (tail - head)) {
      if (!fill(FRAME_HEADER_BYTES)) {
        throw frameCorrupt(where, index, `truncated frame header at byte ${offset}`);
      }
      const h = parseHeader(buf, head);
      checkLengths(h, codec, end - offset - FRAME_HEADER_BYTES, where, index);
      if (!fill(FRAME_HEADER_BYTES + h.storedLength)) {
        throw frameCorrupt(where, index, `file ends inside the frame at byte ${offset}`);
      }
      const stored = buf.subarray(
        head + FRAME_HEADER_BYTES,
        head + FRAME_HEADER_BYTES + h.storedLength,
      );
      head += FRAME_HEADER_BYTES + h.storedLength;
      yield { index, records: h.count, raw: unpack(stored, h, where, index) };
      index++;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Streams the record batches of file bytes [start, end), verifying every frame. */
export function* readFrames(
  path: string,
  codec: Codec,
  start: number,
  end: number,
  where: FrameSource,
  onRead?: (chunk: Buffer) => void,
): Generator<unknown[]> {
  const w = where.path === undefined ? { ...where, path } : where;
  yield* decodeScanned(scanFrames(path, codec, start, end, w, onRead), w);
}

/**
 * readFrames, and then the crc32 of every byte of [start, end), frame headers included,
 * checked against `checksum`: a damaged header field that still decodes, or a range that is
 * not the one written, is caught too (Spark's shuffle checksums, SPARK-35275).
 */
export function* readFramesChecked(
  path: string,
  codec: Codec,
  start: number,
  end: number,
  checksum: number,
  where: FrameSource,
): Generator<unknown[]> {
  const w = where.path === undefined ? { ...where, path } : where;
  yield* decodeScanned(scanFramesChecked(path, codec, start, end, checksum, w), w);
}

/** The record batch of each scanned frame, for readFrames and readFramesChecked. */
function* decodeScanned(frames: Iterable<ScannedFrame>, where: FrameSource): Generator<unknown[]> {
  for (const f of frames) {
    // decodeRecords copies everything out of raw, which the next read reuses.
    yield decode(f.raw, f.records, where, f.index);
  }
}

/** scanFrames of a range whose crc32 as a whole is checked at its end (readFramesChecked). */
export function* scanFramesChecked(
  path: string,
  codec: Codec,
  start: number,
  end: number,
  checksum: number,
  where: FrameSource,
): Generator<ScannedFrame> {
  let crc = 0;
  yield* scanFrames(path, codec, start, end, where, (chunk) => {
    crc = crc32(chunk, crc);
  });
  if (crc !== checksum) {
    const why = `crc32 ${hex(crc)} of bytes ${start}-${end}, ${hex(checksum)} when written`;
    throw frameCorrupt({ ...where, path }, undefined, why);
  }
}

/**
 * A scanned frame decoded by decodePairColumns (pairs as key and value columns), with the
 * checks and errors of readFrames' decoding. Its arrays never share the frame's read buffer.
 */
export function decodeFrameColumns(f: ScannedFrame, where: FrameSource): DecodedColumns {
  let out: DecodedColumns;
  try {
    out = decodePairColumns(f.raw, f.records);
  } catch (e) {
    const why = isKindlingError(e) ? e.message : String(e);
    throw frameCorrupt(where, f.index, `cannot decode records: ${why}`, e);
  }
  const n = out.kind === 'pairs' ? out.keys.length : out.records.length;
  if (n !== f.records || (out.kind === 'pairs' && out.values.length !== n)) {
    throw frameCorrupt(where, f.index, `frame holds ${n} records, header says ${f.records}`);
  }
  if (out.kind === 'pairs' && out.hashes !== undefined && !hashesAgree(out.keys, out.hashes)) {
    throw frameCorrupt(where, f.index, 'its key hashes do not match its keys');
  }
  return out;
}

/**
 * Whether shipped key hashes are hashKey's, checked on every 64th key and the last (1.5% of
 * the hashing they save): a writer of another hash (another version), or one that paired a key
 * with another's hash, must not make lookups miss silently. The crc covers the bytes.
 */
function hashesAgree(keys: readonly unknown[], hashes: Int32Array): boolean {
  const last = keys.length - 1;
  for (let i = 0; i < last; i += HASH_CHECK_STRIDE)
    if (hashKey(keys[i]) !== hashes[i]) return false;
  return last < 0 || hashKey(keys[last]) === hashes[last];
}

const HASH_CHECK_STRIDE = 64;

/** Opens a file for reading; a missing file is a corrupt checkpoint naming it. */
export function openForRead(path: string, where: FrameSource): number {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'missing' : `cannot open (${code ?? String(e)})`;
    throw frameCorrupt({ ...where, path }, undefined, why, e);
  }
}
