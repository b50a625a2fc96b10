// Spark's wholeTextFiles and binaryFiles: one record per file, [path, content]. The paths are
// listed on the main thread (a file, a directory, a glob, or comma-separated ones, as
// textFile); each worker reads the files of its slice whole.

import type { Context } from '../context.js';
import { readWholeBinary, readWholeText } from './parity-builtins.js';
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
