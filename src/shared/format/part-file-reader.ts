// Reading part files: header and trailer checks, then the frames streamed
// through readFrames, every one verified. Any damage is CHECKPOINT_CORRUPT
// naming the file (and frame); verifyPartFile recomputes a commit's stats.

import fs from 'node:fs';
import { crc32 } from '../../../native-bindings/crc32.js';
import {
  frameCorrupt,
  openForRead,
  readFrames,
  scanFrames,
  type Codec,
  type FrameSource,
} from './frames.js';
import {
  CODEC_BYTES,
  PART_FILE_HEADER_BYTES,
  PART_FILE_MAGIC,
  PART_FILE_TRAILER_BYTES,
  PART_FILE_TRAILER_MAGIC,
  PART_FILE_VERSION,
  type PartFileHeader,
  type PartFileStats,
} from './part-file-layout.js';

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
    const stat = fs.fstatSync(fd);
    // open() of a directory succeeds on Linux; only the first read fails, with a raw EISDIR.
    if (!stat.isFile())
      throw frameCorrupt({ ...where, path: file }, undefined, 'a directory or other non-file');
    const size = stat.size;
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
