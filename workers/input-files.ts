// Reading a job's input files (textFile, its .gz/.deflate files, wholeTextFiles, binaryFiles):
// a file the main thread listed that a task cannot open or read now (deleted, replaced by a
// directory, unreadable) is an IO_ERROR marked as an input's (errors.inputUnreadable), which
// fails the job at once: another attempt would read the same file (scheduler/retry-policy.ts).
// `name` is the file as the user named it (a path, or the s3:// URL of a staged copy).

import { openSync, readFileSync, readSync } from 'node:fs';
import { errors, type KindlingError } from '../src/shared/errors.js';
import { describeErrno, errnoOf } from '../src/shared/io-errors.js';

function unreadable(name: string, e: unknown): KindlingError {
  return errors.inputUnreadable(name, describeErrno(e), errnoOf(e), e);
}

export function openInput(path: string, name = path): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw unreadable(name, e);
  }
}

/** readSync of `length` bytes at `position` into `buffer` from `offset`. */
export function readInput(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
  name: string,
): number {
  try {
    return readSync(fd, buffer, offset, length, position);
  } catch (e) {
    throw unreadable(name, e);
  }
}

export function readWholeInput(path: string, name = path): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw unreadable(name, e);
  }
}
