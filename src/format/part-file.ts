// Part files: the on-disk form of a checkpointed partition, a cached block and
// a shuffle map output. header | frame* | trailer; written by one task attempt
// to its own temp name, made visible by an atomic no-clobber link (the first
// attempt to commit wins), read back streaming with every frame verified.
// Layout and commit rules: docs/checkpoint-format.md.

import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from '../../native-bindings/crc32.js';
import { errors } from '../errors.js';
import { BatchingFrameEncoder } from './batching-frame-encoder.js';
import {
  frameCorrupt,
  openForRead,
  readFrames,
  scanFrames,
  type Codec,
  type EncodedFrame,
  type FrameSource,
} from './frames.js';

export const PART_FILE_MAGIC = 'KNDL';
export const PART_FILE_TRAILER_MAGIC = 'KNDE';
export const PART_FILE_VERSION = 1;
//   0      4         6       7         8                 12
//   | KNDL | version | codec | reserved | crc32(bytes 0-7) |
export const PART_FILE_HEADER_BYTES = 12;
//   0      4        8                16
//   | KNDE | frames | records (u64)  |
export const PART_FILE_TRAILER_BYTES = 16;
const CODEC_BYTES: Record<Codec, number> = { none: 0, lz4: 1 };
// Frames are gathered into writes of this size: fewer syscalls, and the
// whole-file crc runs over large chunks.
const WRITE_CHUNK_BYTES = 1 << 20;

export interface PartFileStats {
  records: number;
  /** File size in bytes. */
  bytes: number;
  frames: number;
  /** crc32 of the whole file, header and trailer included. */
  crc32: number;
}

export interface PartFileCommit extends PartFileStats {
  /** Another attempt had committed first; its file was kept, this one deleted. */
  finalExisted: boolean;
}

export interface PartFileHeader {
  version: number;
  codec: Codec;
}

export function encodePartFileHeader(codec: Codec): Buffer {
  const b = Buffer.alloc(PART_FILE_HEADER_BYTES);
  b.write(PART_FILE_MAGIC, 0, 'latin1');
  b.writeUInt16LE(PART_FILE_VERSION, 4);
  b.writeUInt8(CODEC_BYTES[codec], 6);
  b.writeUInt32LE(crc32(b.subarray(0, 8)), 8);
  return b;
}

/** Writes one part file synchronously (worker threads); see the module comment. */
export class PartFileWriter {
  readonly tempPath: string;
  private fd: number | undefined;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private readonly encoder: BatchingFrameEncoder;
  private readonly chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  private chunkLength = 0;
  private flushedBytes = 0;
  private crc = 0;
  private records = 0;
  private frames = 0;

  constructor(
    readonly finalPath: string,
    codec: Codec,
    attemptTag: string,
  ) {
    if (!/^[\w.-]+$/.test(attemptTag)) {
      throw errors.invalidArgument('attemptTag', 'letters, digits, ".", "_" or "-"', attemptTag);
    }
    // Each attempt has its own temp name, so concurrent attempts of one
    // partition (retries, speculation) never write into the same file.
    this.tempPath = path.join(
      path.dirname(finalPath),
      `.${path.basename(finalPath)}.${attemptTag}.tmp`,
    );
    this.encoder = new BatchingFrameEncoder(codec, (f) => this.appendFrame(f));
    this.fd = fs.openSync(this.tempPath, 'w');
    this.append(encodePartFileHeader(codec));
  }

  write(records: readonly unknown[]): void {
    this.checkOpen('write');
    this.encoder.push(records);
  }

  /** Ends the current frame and returns the byte offset where the next one starts. */
  markBoundary(): number {
    this.checkOpen('markBoundary');
    this.encoder.flush();
    return this.flushedBytes + this.chunkLength;
  }

  /** Flushes, syncs and publishes the file under finalPath. */
  commit(): PartFileCommit {
    this.checkOpen('commit');
    try {
      this.encoder.flush();
      const trailer = Buffer.alloc(PART_FILE_TRAILER_BYTES);
      trailer.write(PART_FILE_TRAILER_MAGIC, 0, 'latin1');
      trailer.writeUInt32LE(this.frames, 4);
      trailer.writeBigUInt64LE(BigInt(this.records), 8);
      this.append(trailer);
      this.flushChunk();
      const fd = this.fd as number;
      fs.fdatasyncSync(fd);
      this.fd = undefined;
      fs.closeSync(fd);
      const finalExisted = publish(this.tempPath, this.finalPath);
      this.state = 'committed';
      const { records, frames, crc } = this;
      return { records, bytes: this.flushedBytes, frames, crc32: crc, finalExisted };
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Closes and deletes the temp file. Never throws; a no-op after commit. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already closed or invalid: nothing left to release.
      }
      this.fd = undefined;
    }
    fs.rmSync(this.tempPath, { force: true });
  }

  private checkOpen(what: string): void {
    if (this.state !== 'open') {
      throw errors.unsupported(`PartFileWriter.${what}() after the writer was ${this.state}`, {
        path: this.finalPath,
      });
    }
  }

  private appendFrame(f: EncodedFrame): void {
    this.append(f.header);
    this.append(f.payload);
    this.frames++;
    this.records += f.records;
  }

  private append(b: Buffer): void {
    if (this.chunkLength + b.length > this.chunk.length) this.flushChunk();
    if (b.length >= this.chunk.length / 2) {
      this.writeOut(b);
    } else {
      b.copy(this.chunk, this.chunkLength);
      this.chunkLength += b.length;
    }
  }

  private flushChunk(): void {
    if (this.chunkLength === 0) return;
    this.writeOut(this.chunk.subarray(0, this.chunkLength));
    this.chunkLength = 0;
  }

  private writeOut(b: Buffer): void {
    for (let done = 0; done < b.length;) {
      done += fs.writeSync(this.fd as number, b, done, b.length - done);
    }
    this.crc = crc32(b, this.crc);
    this.flushedBytes += b.length;
  }
}

/**
 * link() refuses to replace an existing name, so the first attempt to commit
 * wins atomically and a later one leaves it alone (like Spark's output commit
 * coordinator, without a coordinator). Returns whether the final existed.
 */
function publish(tempPath: string, finalPath: string): boolean {
  let existed = false;
  try {
    fs.linkSync(tempPath, finalPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      existed = true;
    } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV') {
      // No hard links here: check-then-rename, racy only between attempts
      // that both finished, whose files hold the same partition.
      if (fs.existsSync(finalPath)) existed = true;
      else return (fs.renameSync(tempPath, finalPath), false);
    } else {
      throw e;
    }
  }
  fs.rmSync(tempPath, { force: true });
  return existed;
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, b, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

function parseHeader(b: Buffer, file: string, where: FrameSource): PartFileHeader {
  const corrupt = (why: string) => frameCorrupt({ ...where, path: file }, undefined, why);
  if (b.length < PART_FILE_HEADER_BYTES) {
    throw corrupt(`${b.length} bytes, shorter than the ${PART_FILE_HEADER_BYTES}-byte header`);
  }
  if (b.toString('latin1', 0, 4) !== PART_FILE_MAGIC)
    throw corrupt('bad magic, not a Kindling part file');
  if (crc32(b.subarray(0, 8)) !== b.readUInt32LE(8)) throw corrupt('header crc32 mismatch');
  const version = b.readUInt16LE(4);
  if (version !== PART_FILE_VERSION) {
    throw corrupt(`format version ${version}, this build reads version ${PART_FILE_VERSION}`);
  }
  const byte = b.readUInt8(6);
  const codec = (Object.keys(CODEC_BYTES) as Codec[]).find((c) => CODEC_BYTES[c] === byte);
  if (codec === undefined) throw corrupt(`unknown codec ${byte}`);
  return { version, codec };
}

/** Header, trailer and size of a part file, all checked. */
function openPartFile(file: string, where: FrameSource) {
  const fd = openForRead(file, where);
  try {
    const size = fs.fstatSync(fd).size;
    const headerBytes = readExactly(fd, PART_FILE_HEADER_BYTES, 0);
    const header = parseHeader(headerBytes, file, where);
    const w = { ...where, path: file };
    if (size < PART_FILE_HEADER_BYTES + PART_FILE_TRAILER_BYTES) {
      throw frameCorrupt(
        w,
        undefined,
        `${size} bytes, too short for header and trailer (truncated)`,
      );
    }
    const t = readExactly(fd, PART_FILE_TRAILER_BYTES, size - PART_FILE_TRAILER_BYTES);
    if (t.toString('latin1', 0, 4) !== PART_FILE_TRAILER_MAGIC) {
      throw frameCorrupt(
        w,
        undefined,
        'no trailer at the end of the file (truncated or appended to)',
      );
    }
    const trailer = { frames: t.readUInt32LE(4), records: Number(t.readBigUInt64LE(8)) };
    const framesEnd = size - PART_FILE_TRAILER_BYTES;
    return { header, headerBytes, trailer, trailerBytes: t, size, framesEnd, where: w };
  } finally {
    fs.closeSync(fd);
  }
}

export function readPartFileHeader(file: string, where: FrameSource = {}): PartFileHeader {
  const fd = openForRead(file, where);
  try {
    return parseHeader(readExactly(fd, PART_FILE_HEADER_BYTES, 0), file, where);
  } finally {
    fs.closeSync(fd);
  }
}

function checkTotals(
  where: FrameSource,
  trailer: { frames: number; records: number },
  frames: number,
  records: number,
): void {
  if (frames !== trailer.frames || records !== trailer.records) {
    throw frameCorrupt(
      where,
      undefined,
      `read ${frames} frames / ${records} records, trailer says ${trailer.frames} / ${trailer.records}`,
    );
  }
}

/** Streams a part file's record batches, verifying header, every frame and the trailer. */
export function* readPartFile(file: string, where: FrameSource): Generator<unknown[]> {
  const f = openPartFile(file, where);
  let frames = 0;
  let records = 0;
  for (const batch of readFrames(
    file,
    f.header.codec,
    PART_FILE_HEADER_BYTES,
    f.framesEnd,
    f.where,
  )) {
    frames++;
    records += batch.length;
    yield batch;
  }
  checkTotals(f.where, f.trailer, frames, records);
}

/**
 * Reads a whole part file, checking every frame's crc and lengths without
 * decoding records, and returns the stats a manifest records for it.
 */
export function verifyPartFile(
  file: string,
  where: FrameSource,
): PartFileStats & { rawBytes: number } {
  const f = openPartFile(file, where);
  let crc = crc32(f.headerBytes);
  let frames = 0;
  let records = 0;
  let rawBytes = 0;
  const scan = scanFrames(
    file,
    f.header.codec,
    PART_FILE_HEADER_BYTES,
    f.framesEnd,
    f.where,
    (c) => {
      crc = crc32(c, crc);
    },
  );
  for (const frame of scan) {
    frames++;
    records += frame.records;
    rawBytes += frame.raw.length;
  }
  checkTotals(f.where, f.trailer, frames, records);
  crc = crc32(f.trailerBytes, crc);
  return { records, bytes: f.size, frames, crc32: crc, rawBytes };
}
