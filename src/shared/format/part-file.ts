// Part files: the on-disk form of a checkpointed partition, a cached block and
// a shuffle map output. header | frame* | trailer; written by one task attempt
// to its own temp name, made visible by an atomic no-clobber link (the first
// attempt to commit wins), read back streaming with every frame verified.
// Layout and commit rules: docs/checkpoint-format.md.

import fs from 'node:fs';
import path from 'node:path';
import { crc32, crc32Combine } from '../../../native-bindings/crc32.js';
import { ioError } from '../io-errors.js';
import { errors } from '../errors.js';
import { tempFileName } from '../file-names.js';
import { BatchingFrameEncoder } from './batching-frame-encoder.js';
import type { Codec, EncodedFrame, Lz4Probe } from './frames.js';
import {
  PART_FILE_TRAILER_BYTES,
  PART_FILE_TRAILER_MAGIC,
  encodePartFileHeader,
  type PartFileCommit,
} from './part-file-layout.js';

export * from './part-file-layout.js';
export { readPartFile, readPartFileHeader, verifyPartFile } from './part-file-reader.js';

// Frames are gathered into writes of this size: fewer syscalls.
const WRITE_CHUNK_BYTES = 1 << 20;

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
  private rawBytes = 0;
  /** crc32 of the frames since the last markRange, headers included. */
  private rangeCrc = 0;
  private records = 0;
  private frames = 0;

  /**
   * `durable: false` skips the fdatasync before publishing: for scratch files
   * (shuffle output, disk cache blocks) that die with the process anyway. `what` names the
   * file in an IO_ERROR (a full disk, a directory gone): 'the shuffle output'.
   */
  constructor(
    readonly finalPath: string,
    codec: Codec,
    attemptTag: string,
    private readonly options: { durable?: boolean; probe?: Lz4Probe; what?: string } = {},
  ) {
    if (!/^[\w.-]+$/.test(attemptTag)) {
      throw errors.internal(`attempt tag ${JSON.stringify(attemptTag)} is not a file name part`);
    }
    // Each attempt has its own temp name, so concurrent attempts of one
    // partition (retries, speculation) never write into the same file.
    this.tempPath = path.join(
      path.dirname(finalPath),
      tempFileName(path.basename(finalPath), attemptTag),
    );
    this.encoder = new BatchingFrameEncoder(codec, (f) => this.appendFrame(f), {
      ...(options.probe === undefined ? {} : { probe: options.probe }),
    });
    this.fd = this.io(() => fs.openSync(this.tempPath, 'w'));
    this.appendRaw(encodePartFileHeader(codec));
  }

  write(records: readonly unknown[]): void {
    this.checkOpen('write');
    this.encoder.push(records);
  }

  /** Appends the records [keys[i], values[i]] after the pending records (see encodePairs). */
  writePairs(
    keys: readonly unknown[],
    values: readonly unknown[],
    hashes?: readonly number[],
  ): void {
    this.checkOpen('writePairs');
    this.encoder.pushPairs(keys, values, hashes);
  }

  /** Appends a frame encoded beforehand (with this file's codec), after the pending records. */
  writeFrame(frame: EncodedFrame): void {
    this.checkOpen('writeFrame');
    this.encoder.flush();
    this.appendFrame(frame);
  }

  /** Ends the current frame and returns the byte offset where the next one starts. */
  markBoundary(): number {
    this.checkOpen('markBoundary');
    this.encoder.flush();
    return this.flushedBytes + this.chunkLength;
  }

  /**
   * Ends the current frame; returns the offset where the next one starts and the crc32 of
   * every byte since the previous call (shuffle files check each reduce range as a whole).
   */
  markRange(): { offset: number; checksum: number } {
    const offset = this.markBoundary();
    const checksum = this.rangeCrc;
    this.rangeCrc = 0;
    return { offset, checksum };
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
      this.appendRaw(trailer);
      this.flushChunk();
      const fd = this.fd as number;
      if (this.options.durable !== false) this.io(() => fs.fdatasyncSync(fd));
      this.fd = undefined;
      this.io(() => fs.closeSync(fd));
      const finalExisted = this.io(() => publish(this.tempPath, this.finalPath));
      this.state = 'committed';
      const { records, frames, crc, rawBytes } = this;
      return { records, bytes: this.flushedBytes, rawBytes, frames, crc32: crc, finalExisted };
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

  /** A file-system call whose failure (ENOSPC, EIO, ...) is an IO_ERROR naming the file. */
  private io<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw ioError(`write ${this.options.what ?? 'the part file'}`, this.finalPath, e);
    }
  }

  private checkOpen(what: string): void {
    if (this.state !== 'open') {
      throw errors.internal(`PartFileWriter.${what}() after the writer was ${this.state}`, {
        path: this.finalPath,
      });
    }
  }

  private appendFrame(f: EncodedFrame): void {
    this.append(f.header);
    this.append(f.payload);
    // The payload's crc is in the frame already: combined, not computed again, into the
    // frame's, the range's and the file's.
    const length = f.header.length + f.payload.length;
    const frameCrc = crc32Combine(crc32(f.header), f.payloadCrc, f.payload.length);
    this.rangeCrc = crc32Combine(this.rangeCrc, frameCrc, length);
    this.crc = crc32Combine(this.crc, frameCrc, length);
    this.frames++;
    this.records += f.records;
    this.rawBytes += f.rawLength;
  }

  /** Bytes outside frames (file header, trailer): only the file's crc covers them. */
  private appendRaw(b: Buffer): void {
    this.append(b);
    this.crc = crc32(b, this.crc);
  }

  /** Large buffers go out as they are, after the chunk's bytes: the file keeps their order. */
  private append(b: Buffer): void {
    const large = b.length >= this.chunk.length / 2;
    if (large || this.chunkLength + b.length > this.chunk.length) this.flushChunk();
    if (large) {
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
    const fd = this.fd as number;
    for (let done = 0; done < b.length;) {
      done += this.io(() => fs.writeSync(fd, b, done, b.length - done));
    }
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
