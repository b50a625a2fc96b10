// Output and input of whole RDDs as files: saveAsObjectFile/ctx.objectFile in Kindling's
// checksummed part-file format (records keep their structured-clone types, every frame is
// verified on read) and saveAsTextFile's gzip option. An output directory appears only once
// complete, with `_SUCCESS`; objectFile refuses a directory without it. objectFile reads a
// local directory or an `s3://` prefix (its parts staged in and verified like checkpoint parts).

import fs from 'node:fs';
import { errors, type KindlingError } from '../shared/errors.js';
import { SUCCESS_FILE } from '../shared/file-names.js';
import type { NodeCompute, PartitionDesc } from '../shared/protocol.js';
import { syncReaderFor } from '../storage/stores.js';
import { isS3Url, joinStoragePath, parseS3Url } from '../storage/storage-url.js';
import { saveAsTextFile } from './actions.js';
import type { Dependency } from './dependency.js';
import type { RDD, RddImpl } from './rdd.js';

export interface SaveTextOptions {
  compression?: 'gzip' | 'none';
}

/** async: a bad option rejects, as every other argument check of an action. */
export async function saveAsText(rdd: RDD<unknown>, target: unknown, opts: unknown): Promise<void> {
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

export function saveAsObjectFile(rdd: RDD<unknown>, target: unknown): Promise<void> {
  return saveAsTextFile(
    rdd,
    target,
    (dir) => ({ kind: 'saveAsObjectFile', dir }),
    'rdd.saveAsObjectFile',
  );
}

const PART_FILE = /^part-\d{5,}$/;

/**
 * The part files of a complete saveAsObjectFile directory (an absolute path or an `s3://` URL,
 * as localPath makes it), in partition order: local files, or the objects under the prefix
 * (listed synchronously; task staging copies each in).
 */
export function listObjectFiles(dir: string): string[] {
  const names = isS3Url(dir) ? listObjectNames(dir) : listLocalNames(dir);
  if (!names.includes(SUCCESS_FILE)) {
    throw errors.invalidArgument(
      'ctx.objectFile path',
      'a complete saveAsObjectFile directory (with _SUCCESS)',
      dir,
    );
  }
  return names
    .filter((n) => PART_FILE.test(n))
    .sort()
    .map((n) => joinStoragePath(dir, n));
}

function listLocalNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    throw notAnOutput(dir);
  }
}

/** The names directly under the prefix; none at all is not an output (S3 has no empty dirs). */
function listObjectNames(url: string): string[] {
  parseS3Url(url, 'ctx.objectFile path');
  const names = syncReaderFor(url)
    .list(url)
    .map((o) => o.name)
    .filter((n) => !n.includes('/'));
  if (names.length === 0) throw notAnOutput(url);
  return names;
}

function notAnOutput(dir: string): KindlingError {
  return errors.invalidArgument(
    'ctx.objectFile path',
    'a directory written by saveAsObjectFile',
    dir,
  );
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
