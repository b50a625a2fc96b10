// Shared by the checkpoint end-to-end tests: temp directories that are removed
// afterwards, a counting map (an accumulator incremented once per record
// computed), and file-system helpers for damaging and listing checkpoints.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Accumulator, Context, RDD } from 'kindling';

const made: string[] = [];

/** A fresh directory under os.tmpdir(); removeTempDirs() deletes them all. */
export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kindling-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * ctx.range(0, n) mapped through a function that adds 1 to an accumulator per
 * record: acc.value is the number of records computed so far.
 */
export function countedRange(
  ctx: Context,
  n: number,
  partitions: number,
  factor = 2,
): { rdd: RDD<number>; acc: Accumulator<number> } {
  const acc = ctx.longAccumulator('computed');
  const rdd = ctx.range(0, n, 1, partitions).map(
    (x, env) => {
      env.acc.add(1);
      return x * env.factor;
    },
    { env: { acc, factor } },
  );
  return { rdd, acc };
}

/** Every file under dir, relative paths, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => fs.statSync(path.join(dir, p)).isFile())
    .sort();
}

/** Copies a checkpoint directory so that a test can damage the copy. */
export function copyCheckpoint(src: string, into: string, name: string): string {
  const dest = path.join(into, name);
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}

export function flipByte(file: string, at: number): void {
  const b = fs.readFileSync(file);
  const i = at < 0 ? b.length + at : at;
  b[i] = (b[i] as number) ^ 0x5a;
  fs.writeFileSync(file, b);
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function range(n: number, f: (i: number) => number = (i) => i): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}
