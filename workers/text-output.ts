// saveAsTextFile's task: one `part-NNNNN` file of the partition's records, a line each, written
// to a hidden temp name and renamed when complete (the main thread later renames the whole
// directory, so an output directory appears only once every part is there).

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ensureDirectory, withIo } from '../src/shared/io-errors.js';
import { gzipSync } from 'node:zlib';
import type { TextCompression } from '../src/shared/protocol.js';
import type { Batches } from './batch.js';
import { outputPartName, tempFileName } from '../src/shared/file-names.js';
import { taskAttemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';

const FLUSH_CHARS = 1 << 20;

/** Strings as they are, anything else as JSON; a bigint as its decimal digits. */
export function textLine(record: unknown): string {
  if (typeof record === 'string') return record;
  return JSON.stringify(record, jsonReplacer) ?? String(record);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Writes the partition and returns its record count. */
export function saveAsTextPart(
  ctx: TaskContext,
  dir: string,
  batches: Batches,
  compression?: TextCompression,
): number {
  const name = outputPartName(ctx.info.partitionIndex, compression);
  const finalPath = path.join(dir, name);
  // Each flushed chunk is its own gzip member: a multi-member file any gunzip reads whole.
  const encode = compression === 'gzip' ? (b: Buffer) => gzipSync(b) : (b: Buffer) => b;
  const tempPath = path.join(dir, tempFileName(path.basename(finalPath), taskAttemptTag(ctx)));
  ensureDirectory(dir, 'output directory');
  // A full disk or a directory gone under the task: an IO_ERROR naming the part.
  const io = <T>(f: () => T): T => withIo('write the output part', finalPath, f);
  const fd = io(() => openSync(tempPath, 'w'));
  let closed = false;
  ctx.onAbort(() => {
    if (!closed) closeSync(fd);
    closed = true;
    rmSync(tempPath, { force: true });
  });
  let count = 0;
  let pending = '';
  for (const batch of batches) {
    for (const record of batch) pending += textLine(record) + '\n';
    count += batch.length;
    if (pending.length >= FLUSH_CHARS) {
      const bytes = encode(Buffer.from(pending, 'utf8'));
      ctx.counters.bytesWritten += io(() => writeAll(fd, bytes));
      pending = '';
    }
  }
  if (pending.length > 0 || (compression === 'gzip' && count === 0)) {
    const bytes = encode(Buffer.from(pending, 'utf8'));
    ctx.counters.bytesWritten += io(() => writeAll(fd, bytes));
  }
  ctx.counters.recordsWritten += count;
  closed = true;
  io(() => closeSync(fd));
  io(() => renameSync(tempPath, finalPath));
  return count;
}

/** Writes all of `bytes`; their length. */
function writeAll(fd: number, bytes: Buffer): number {
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
  return bytes.length;
}
