// textFile input: which files a path names (a file, a directory's visible files,
// or a picomatch glob in any path segment; a path or a file: URL, or an s3:// URL, each of
// comma-separated ones resolved by localPath) and how they split into byte ranges. The
// worker's line reader makes ranges safe: a split that does not start at byte 0
// skips its first partial line and every split finishes its last line.

import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { errors } from '../shared/errors.js';
import { textCodecOf, unreadableTextCodec } from '../shared/text-codecs.js';
import { errnoOf, ioError, withIo } from '../shared/io-errors.js';
import { localPath } from '../storage/local-path.js';
import type { FileSplit } from './source-rdds.js';
import { syncReaderFor } from '../storage/stores.js';
import { formatS3Url, isS3Url, joinStoragePath, parseS3Url } from '../storage/storage-url.js';

/** Hadoop's block size for local files (fs.local.block.size): no textFile split is larger. */
export const MAX_SPLIT_BYTES = 32 * 1024 * 1024;

const INPUT_EXPECTED = 'a file, directory or glob';

/**
 * The path argument of textFile, wholeTextFiles, binaryFiles and binaryRecords, named in errors
 * as `${method} path` (ctx.textFile path): a string as given (comma-separated paths, each a
 * path, glob, file: URL or s3:// URL, checked as it is listed), or a URL object made a path (or
 * an s3:// URL) at once.
 */
export function inputArgument(method: string, value: unknown): string {
  const argument = `${method} path`;
  if (value instanceof URL)
    return localPath(value, argument, { expected: INPUT_EXPECTED, s3: true });
  if (typeof value !== 'string' || value === '')
    throw errors.invalidArgument(
      argument,
      `${INPUT_EXPECTED} (a path, a file: URL or an s3:// URL)`,
      value,
    );
  return value;
}

/**
 * The files `input` names, sorted. An existing path is taken literally (so `f[1].txt` is a
 * file, not a pattern); otherwise glob characters in any segment match names, as Hadoop's
 * FileInputFormat does. Directories, named or matched, contribute their visible files:
 * names starting with '.' or '_' are skipped (Hadoop's hiddenFileFilter: _SUCCESS, .crc).
 */
export function listTextFiles(input: string, argument = 'path'): string[] {
  // s3:// pieces never come here (listSizedInputs sends them to listTextObjects): s3 only
  // makes a refused scheme's message list what textFile takes.
  const resolved = localPath(input, argument, { expected: INPUT_EXPECTED, s3: true });
  const stat = statOrUndefined(resolved);
  if (stat !== undefined)
    return stat.isFile() ? [resolved] : visibleFiles(resolved, input, argument);
  const scan = picomatch.scan(resolved);
  if (!scan.isGlob)
    throw errors.badPath(
      argument,
      'an existing file, directory or glob',
      input,
      'nothing is there',
    );
  let dirs = [scan.base === '' ? path.parse(resolved).root : scan.base];
  const segments = scan.glob.split('/').filter((s) => s !== '');
  const files: string[] = [];
  segments.forEach((segment, i) => {
    const isMatch = segmentMatcher(segment, input, argument);
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      for (const name of readDir(dir, input, argument)) {
        if (isHidden(name) || !isMatch(name)) continue;
        const full = path.join(dir, name);
        const entry = statEntry(full);
        if (entry.isDirectory()) next.push(full);
        else if (last && entry.isFile()) files.push(full);
      }
    }
    if (last) for (const dir of next) files.push(...visibleFiles(dir, input, argument));
    dirs = next;
  });
  if (files.length === 0)
    throw errors.badPath(
      argument,
      'a glob that matches at least one file',
      input,
      'no file matches',
    );
  return files.sort();
}

export function computeSplits(
  files: string[],
  minPartitions: number,
  maxSplitBytes = MAX_SPLIT_BYTES,
): FileSplit[] {
  return splitsOf(files.map(sizedFile), minPartitions, maxSplitBytes, 'path');
}

/** ctx.textFile's splits: local paths as listInputFiles finds them, `s3://` URLs as objects. */
export function textFileSplits(
  input: string,
  minPartitions: number,
  maxSplitBytes = MAX_SPLIT_BYTES,
  argument = 'path',
): FileSplit[] {
  return splitsOf(listSizedInputs(input, argument), minPartitions, maxSplitBytes, argument);
}

/**
 * Every file or object `input` names, with its size, in order: local paths as listInputFiles
 * finds them, `s3://` URLs as listTextObjects does (textFile, wholeTextFiles, binaryFiles).
 */
export function listSizedInputs(input: string, argument = 'path'): SizedFile[] {
  if (!splitPaths(input).some(isS3Url)) return listInputFiles(input, argument).map(sizedFile);
  return splitPaths(input).flatMap((one) => {
    if (one === '')
      throw errors.invalidArgument(argument, 'comma-separated non-empty paths', input);
    return isS3Url(one)
      ? listTextObjects(one, argument)
      : listTextFiles(one, argument).map(sizedFile);
  });
}

function sizedFile(f: string): SizedFile {
  return { path: f, size: withIo('read the input file', f, () => fs.statSync(f).size) };
}

/**
 * The objects an `s3://` URL names, as a path names files: the object itself; else the
 * visible objects directly under it as a directory; else, with glob characters in the key,
 * the visible objects whose key matches. Listed synchronously (sync-bridge.ts).
 */
export function listTextObjects(url: string, argument = 'path'): SizedFile[] {
  const reader = syncReaderFor(url);
  const { bucket, key } = parseS3Url(url, argument);
  const exact = key === '' ? ({ kind: 'missing' } as const) : reader.stat(url);
  if (exact.kind === 'found') return [{ path: url, size: exact.size }];
  const scan = picomatch.scan(key);
  if (!scan.isGlob) {
    const inside = reader
      .list(url)
      .filter((o) => !o.name.includes('/') && !isHidden(o.name))
      .map((o) => ({ path: joinStoragePath(url, o.name), size: o.size }));
    if (inside.length === 0)
      throw errors.badPath(argument, 'an existing object, prefix or glob', url, 'nothing is there');
    return inside;
  }
  const base = scan.base;
  const isMatch = segmentMatcher(key, url, argument);
  const files = reader
    .list(formatS3Url({ bucket, key: base }))
    .map((o) => ({ key: base === '' ? o.name : `${base}/${o.name}`, size: o.size }))
    .filter((o) => isMatch(o.key) && !o.key.split('/').some(isHidden))
    .map((o) => ({ path: formatS3Url({ bucket, key: o.key }), size: o.size }));
  if (files.length === 0)
    throw errors.badPath(
      argument,
      'a glob that matches at least one object',
      url,
      'no object matches',
    );
  return files;
}

export interface SizedFile {
  path: string;
  size: number;
}

/**
 * Hadoop's FileInputFormat.getSplits: every file cut into pieces of splitSize bytes =
 * min(maxSplitBytes, total / minPartitions), at least one byte, so there are at least
 * minPartitions pieces when the input has that many bytes, and none past maxSplitBytes (work
 * balances and progress moves on a large file). Cuts ignore lines: the worker's reader
 * (workers/text-file.ts) gives each line to exactly one piece.
 */
function splitsOf(
  files: SizedFile[],
  minPartitions: number,
  maxSplitBytes: number,
  argument: string,
): FileSplit[] {
  const total = files.reduce((a, f) => a + f.size, 0);
  const splitSize = Math.min(maxSplitBytes, Math.max(1, Math.ceil(total / minPartitions)));
  const splits: FileSplit[] = [];
  files.forEach(({ path: file, size }) => {
    const unreadable = unreadableTextCodec(file);
    if (unreadable !== undefined) {
      throw errors.badPath(
        argument,
        'plain, .gz or .deflate text files',
        file,
        `${unreadable} files have no decoder here; decompress it first`,
      );
    }
    if (size === 0) return;
    // Compressed files cannot be split: one partition each, as Hadoop's codecs read them.
    if (textCodecOf(file) !== undefined)
      return void splits.push({ path: file, start: 0, end: size });
    for (let start = 0; start < size; start += splitSize) {
      splits.push({ path: file, start, end: Math.min(size, start + splitSize) });
    }
  });
  return splits;
}

function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

function segmentMatcher(
  segment: string,
  input: string,
  argument: string,
): (name: string) => boolean {
  try {
    return picomatch(segment, { dot: true });
  } catch (e) {
    throw errors.invalidArgument(argument, 'a valid glob', `${input} (${(e as Error).message})`);
  }
}

function visibleFiles(dir: string, input: string, argument: string): string[] {
  return readDir(dir, input, argument)
    .filter((name) => !isHidden(name))
    .map((name) => path.join(dir, name))
    .filter((f) => statEntry(f).isFile())
    .sort();
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return undefined;
    throw ioError('read the input path', file, e);
  }
}

/** A listed entry; a symbolic link to nothing is an error, never a silently skipped file. */
function statEntry(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' && fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink())
      throw errors.io('read the input file', file, 'it is a symbolic link to a missing file');
    throw ioError('read the input file', file, e);
  }
}

function readDir(dir: string, input: string, argument: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT')
      throw errors.badPath(
        argument,
        'an existing file, directory or glob',
        input,
        'nothing is there',
      );
    throw ioError('list the input directory', dir, e);
  }
}

/**
 * Spark and Hadoop read comma-separated paths as the files of each path, in the order given. A
 * comma inside a glob's braces (`part-{0,1}`) belongs to the glob, as in Hadoop's
 * FileInputFormat.getPathStrings, and a path that exists is taken whole.
 */
export function listInputFiles(input: string, argument = 'path'): string[] {
  if (fs.existsSync(input)) return listTextFiles(input, argument);
  return splitPaths(input).flatMap((one) => {
    if (one === '')
      throw errors.invalidArgument(argument, 'comma-separated non-empty paths', input);
    return listTextFiles(one, argument);
  });
}

/** Splits on commas outside `{...}`. */
export function splitPaths(input: string): string[] {
  const paths: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      paths.push(input.slice(start, i));
      start = i + 1;
    }
  }
  paths.push(input.slice(start));
  return paths;
}
