// textFile input: which files a path names (a file, a directory's visible files,
// or a glob in the last path segment) and how they split into byte ranges. The
// worker's line reader makes ranges safe: a split that does not start at byte 0
// skips its first partial line and every split finishes its last line.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../errors.js';
import type { FileSplit } from './source-rdds.js';

const MAX_SPLIT_BYTES = 64 * 1024 * 1024;

export function listTextFiles(input: string): string[] {
  const resolved = path.resolve(input);
  if (/[*?[]/.test(path.basename(resolved))) {
    const dir = path.dirname(resolved);
    const re = globToRegExp(path.basename(resolved));
    const files = readDirSafe(dir, input)
      .filter((name) => re.test(name))
      .map((name) => path.join(dir, name))
      .filter((f) => fs.statSync(f).isFile());
    if (files.length === 0)
      throw errors.invalidArgument('path', 'a glob that matches at least one file', input);
    return files.sort();
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw errors.invalidArgument('path', 'an existing file, directory or glob', input);
  }
  if (stat.isFile()) return [resolved];
  return readDirSafe(resolved, input)
    .filter((name) => !name.startsWith('.') && !name.startsWith('_'))
    .map((name) => path.join(resolved, name))
    .filter((f) => fs.statSync(f).isFile())
    .sort();
}

export function computeSplits(files: string[], minPartitions: number): FileSplit[] {
  const sizes = files.map((f) => fs.statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const splitSize = Math.min(MAX_SPLIT_BYTES, Math.max(1, Math.ceil(total / minPartitions)));
  const splits: FileSplit[] = [];
  files.forEach((file, i) => {
    const size = sizes[i] ?? 0;
    if (size === 0) return;
    // gzip cannot be split: one partition per .gz file, as Hadoop's GzipCodec input.
    if (file.endsWith('.gz')) return void splits.push({ path: file, start: 0, end: size });
    for (let start = 0; start < size; start += splitSize) {
      splits.push({ path: file, start, end: Math.min(size, start + splitSize) });
    }
  });
  return splits;
}

function readDirSafe(dir: string, input: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    throw errors.invalidArgument('path', 'an existing file, directory or glob', input);
  }
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Spark and Hadoop read comma-separated paths as the files of each path, in the order given. */
export function listInputFiles(input: string): string[] {
  return input.split(',').flatMap((one) => {
    if (one === '') throw errors.invalidArgument('path', 'comma-separated non-empty paths', input);
    return listTextFiles(one);
  });
}
