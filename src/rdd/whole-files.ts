// Spark's wholeTextFiles and binaryFiles (one record per file, [path, content]) and
// binaryRecords (fixed-length records of every file). The paths are listed on the main thread
// (a file, a directory, a glob, or comma-separated ones, local or `s3://`, as textFile); each
// task reads the files of its slice whole (an object through task staging's local copy), and
// the record names the file as the user did: its absolute path, or its URL.

import type { Context } from '../context.js';
import fs from 'node:fs';
import { errors } from '../shared/errors.js';
import type { NodeCompute, PartitionDesc, WholeFile } from '../shared/protocol.js';
import type { Dependency } from './dependency.js';
import { readFixedRecords } from './parity-builtins.js';
import type { RDD, RddImpl } from './rdd.js';
import { slicePositions } from './source-rdds.js';
import { listInputFiles, listSizedInputs } from './text-file-splits.js';

/**
 * The files `input` names, in at most minPartitions slices as parallelize would slice their
 * names: text for wholeTextFiles, binary for binaryFiles.
 */
export class WholeFilesRDD implements RddImpl {
  readonly kindName = 'WholeFilesRDD';
  private readonly slices: WholeFile[][];

  constructor(
    input: string,
    minPartitions: number,
    private readonly content: 'text' | 'binary',
  ) {
    const names = listSizedInputs(input).map((f) => f.path);
    const numSlices = Math.max(1, Math.min(minPartitions, names.length));
    this.slices = slicePositions(names.length, numSlices).map(([a, b]) =>
      names.slice(a, b).map((name) => ({ name, path: name })),
    );
  }

  numPartitions(): number {
    return this.slices.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  planCompute(): NodeCompute {
    return { kind: 'wholeFiles', content: this.content };
  }
  describePartition(node: number, index: number): PartitionDesc {
    return { kind: 'wholeFiles', node, index, files: this.slices[index] ?? [] };
  }
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
