// Spark's wholeTextFiles and binaryFiles (one record per file, [path, content]) and
// binaryRecords (fixed-length records of every file). The paths are
// listed on the main thread (a file, a directory, a glob, or comma-separated ones, as
// textFile); each worker reads the files of its slice whole.

import type { Context } from '../context.js';
import fs from 'node:fs';
import { errors } from '../shared/errors.js';
import { readFixedRecords, readWholeBinary, readWholeText } from './parity-builtins.js';
import type { RDD } from './rdd.js';
import { listInputFiles } from './text-file-splits.js';

export function wholeTextFiles(
  ctx: Context,
  input: string,
  minPartitions: number,
): RDD<[string, string]> {
  const files = listInputFiles(input);
  return ctx
    .parallelize(files, Math.max(1, Math.min(minPartitions, files.length)))
    .map(readWholeText);
}

export function binaryFiles(
  ctx: Context,
  input: string,
  minPartitions: number,
): RDD<[string, Uint8Array]> {
  const files = listInputFiles(input);
  return ctx
    .parallelize(files, Math.max(1, Math.min(minPartitions, files.length)))
    .map(readWholeBinary);
}

/** Spark's binaryRecords: every file cut into records of recordLength bytes, files in order. */
export function binaryRecords(
  ctx: Context,
  input: string,
  recordLength: number,
  minPartitions: number,
): RDD<Uint8Array> {
  const files = listInputFiles(input);
  for (const file of files) {
    const size = fs.statSync(file).size;
    if (size % recordLength !== 0) {
      throw errors.invalidArgument(
        `ctx.binaryRecords file ${file}`,
        `a size that is a multiple of recordLength ${recordLength}`,
        `${size} bytes`,
      );
    }
  }
  return ctx
    .parallelize(files, Math.max(1, Math.min(minPartitions, files.length)))
    .flatMap(readFixedRecords, { env: { length: recordLength } });
}
