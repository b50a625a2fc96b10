// Locating the damage in a part file: the first frame that fails its checks,
// so that errors about a truncated or altered file can name the frame, not
// only the file. Used when a cheap check (size, trailer) already failed, and
// by inspectCheckpoint.

import fs from 'node:fs';
import { isKindlingError, type KindlingError } from '../shared/errors.js';
import {
  PART_FILE_HEADER_BYTES,
  PART_FILE_TRAILER_BYTES,
  PART_FILE_TRAILER_MAGIC,
  readPartFileHeader,
  verifyPartFile,
} from '../shared/format/part-file.js';
import { openForRead, scanFrames, type FrameSource } from '../shared/format/frames.js';

/**
 * The CHECKPOINT_CORRUPT error that reading `file` in full meets first,
 * naming the frame whenever one is to blame; undefined when the file is sound.
 * Anything but a corrupt-checkpoint error (an I/O error) is thrown.
 */
export function findPartDamage(file: string, where: FrameSource = {}): KindlingError | undefined {
  const w = { ...where, path: file };
  let failure: KindlingError;
  try {
    verifyPartFile(file, w);
    return undefined;
  } catch (e) {
    if (!isKindlingError(e, 'CHECKPOINT_CORRUPT')) throw e;
    failure = e;
  }
  if (failure.context.frame !== undefined) return failure;
  // Header or trailer trouble: a truncated (or extended) file. Scan its frames up to its
  // end to name the frame where it stops making sense.
  let codec;
  try {
    codec = readPartFileHeader(file, w).codec;
  } catch (e) {
    if (isKindlingError(e, 'CHECKPOINT_CORRUPT')) return e;
    throw e;
  }
  const size = fs.statSync(file).size;
  try {
    for (const frame of scanFrames(file, codec, PART_FILE_HEADER_BYTES, size, w)) void frame;
  } catch (e) {
    if (isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.context.frame !== undefined) return e;
  }
  return failure;
}

/**
 * The record count in a part file's trailer, or undefined when there is no valid trailer.
 * A file that cannot be opened (EACCES, ...) is CHECKPOINT_CORRUPT naming it, as a worker's read.
 */
export function readTrailerRecords(file: string): number | undefined {
  const fd = openForRead(file, { path: file });
  try {
    const size = fs.fstatSync(fd).size;
    if (size < PART_FILE_HEADER_BYTES + PART_FILE_TRAILER_BYTES) return undefined;
    const t = Buffer.alloc(PART_FILE_TRAILER_BYTES);
    fs.readSync(fd, t, 0, t.length, size - t.length);
    if (t.toString('latin1', 0, 4) !== PART_FILE_TRAILER_MAGIC) return undefined;
    return Number(t.readBigUInt64LE(8));
  } finally {
    fs.closeSync(fd);
  }
}
