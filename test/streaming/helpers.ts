// Shared helpers of the streaming tests: temp dirs, collecting each batch's
// records on the main thread, and atomically dropping files into a directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DStream } from 'kindling';

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kindling-streaming-${label}-`));
}

/** Each batch's records, sorted by their JSON text, keyed by batch time. */
export function collectBatches<T>(stream: DStream<T>): Map<number, T[]> {
  const out = new Map<number, T[]>();
  stream.foreachRDD(async (rdd, timeMs) => {
    const records = await rdd.collect();
    out.set(timeMs, sortRecords(records));
  });
  return out;
}

export function sortRecords<T>(records: T[]): T[] {
  return [...records].sort((a, b) =>
    JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0,
  );
}

/** Writes a file under a hidden name, then renames it into `dir` (how textFileStream wants files to appear). */
export function dropFile(dir: string, name: string, lines: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(temp, lines.map((l) => `${l}\n`).join(''));
  fs.renameSync(temp, path.join(dir, name));
}

/** Sorted lines of every part file of an output directory. */
export function readOutputDir(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .sort();
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
