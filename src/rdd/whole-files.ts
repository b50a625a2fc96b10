// Spark's wholeTextFiles and binaryFiles (one record per file, [path, content]) and
// binaryRecords (fixed-length records of every file). The paths are listed on the main thread
// (a file, a directory, a glob, or comma-separated ones, local or `s3://`, as textFile); each
// task reads the files of its slice whole (an object through task staging's local copy), and
// the record names the file as the user did: its absolute path, or its URL.

import { errors } from '../shared/errors.js';
import type { NodeCompute, PartitionDesc, WholeFile } from '../shared/protocol.js';
import type { Dependency } from './dependency.js';
import type { RddImpl } from './rdd.js';
import { slicePositions } from './source-rdds.js';
import { listSizedInputs } from './text-file-splits.js';

/**
 * Files in at most minPartitions slices, as parallelize would slice their names: text for
 * wholeTextFiles, binary for binaryFiles and binaryRecords.
 */
export class WholeFilesRDD implements RddImpl {
  readonly kindName = 'WholeFilesRDD';
  private readonly slices: WholeFile[][];

  constructor(
    names: string[],
    minPartitions: number,
    private readonly content: 'text' | 'binary',
  ) {
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

/** The files or objects `input` names (a path, directory, glob or URL, as textFile's). */
export function listWholeFiles(input: string, argument = 'path'): string[] {
  return listSizedInputs(input, argument).map((f) => f.path);
}

/**
 * binaryRecords' files: each size a multiple of recordLength (Spark's
 * FixedLengthBinaryInputFormat refuses a ragged file), checked from the listing.
 */
export function listFixedLengthFiles(
  input: string,
  recordLength: number,
  argument = 'path',
): string[] {
  return listSizedInputs(input, argument).map(({ path, size }) => {
    if (size % recordLength !== 0) {
      throw errors.invalidArgument(
        `ctx.binaryRecords file ${path}`,
        `a size that is a multiple of recordLength ${recordLength}`,
        `${size} bytes`,
      );
    }
    return path;
  });
}
