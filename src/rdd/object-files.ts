// Output and input of whole RDDs as files: saveAsObjectFile/ctx.objectFile in Kindling's
// checksummed part-file format (records keep their structured-clone types, every frame is
// verified on read) and saveAsTextFile's gzip option. An output directory appears only once
// complete, with `_SUCCESS`; objectFile refuses a directory without it.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import type { NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { saveAsTextFile } from './actions.js';
import type { Dependency } from './dependency.js';
import type { RDD, RddImpl } from './rdd.js';

export interface SaveTextOptions {
  compression?: 'gzip' | 'none';
}

export function saveAsText(rdd: RDD<unknown>, target: string, opts: unknown): Promise<void> {
  if (opts === undefined) return saveAsTextFile(rdd, target);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
    throw errors.invalidArgument(
      'rdd.saveAsTextFile opts',
      'an options object { compression }',
      opts,
    );
  for (const key of Object.keys(opts)) {
    if (key !== 'compression')
      throw errors.invalidArgument(`rdd.saveAsTextFile opts.${key}`, 'one of: compression', key);
  }
  const compression = (opts as { compression?: unknown }).compression;
  if (compression === undefined || compression === 'none') return saveAsTextFile(rdd, target);
  if (compression !== 'gzip')
    throw errors.invalidArgument(
      'rdd.saveAsTextFile opts.compression',
      "'gzip' or 'none'",
      compression,
    );
  return saveAsTextFile(rdd, target, (dir) => ({ kind: 'saveAsTextFile', dir, compression }));
}

export function saveAsObjectFile(rdd: RDD<unknown>, target: string): Promise<void> {
  return saveAsTextFile(rdd, target, (dir) => ({ kind: 'saveAsObjectFile', dir }));
}

const PART_FILE = /^part-\d{5,}$/;

/** The part files of a complete saveAsObjectFile directory, in partition order. */
export function listObjectFiles(dir: string): string[] {
  const resolved = path.resolve(dir);
  let names: string[];
  try {
    names = fs.readdirSync(resolved);
  } catch {
    throw errors.invalidArgument(
      'ctx.objectFile path',
      'a directory written by saveAsObjectFile',
      dir,
    );
  }
  if (!names.includes('_SUCCESS')) {
    throw errors.invalidArgument(
      'ctx.objectFile path',
      'a complete saveAsObjectFile directory (with _SUCCESS)',
      dir,
    );
  }
  return names
    .filter((n) => PART_FILE.test(n))
    .sort()
    .map((n) => path.join(resolved, n));
}

/** Partition i reads part file i, verified frame by frame like a checkpoint part. */
export class ObjectFileRDD implements RddImpl {
  readonly kindName = 'ObjectFileRDD';

  constructor(readonly files: string[]) {}

  numPartitions(): number {
    return this.files.length;
  }
  dependencies(): Dependency[] {
    return [];
  }
  planCompute(): NodeCompute {
    return { kind: 'checkpointFile' };
  }
  describePartition(node: number, index: number): PartitionDesc {
    const file = this.files[index];
    if (file === undefined) return { kind: 'empty', node, index };
    return { kind: 'checkpointFile', node, index, path: file };
  }
}
