// Output operations (Spark's ForEachDStream and the outputs built on it). They
// run on the main thread, in registration order, once per batch. Exactly once:
// saveAsTextFiles and saveAsObjectFiles write each batch's directory to a
// hidden temp name and rename it complete (with _SUCCESS); a replayed batch
// rewrites the same directory, and foreachRDD gets the batch time so user sinks
// can be idempotent.

import fs from 'node:fs';
import path from 'node:path';
import type { RDD } from '../rdd/rdd.js';
import { ensureDirectory } from '../shared/io-errors.js';
import type { DStream, OutputOperation } from './dstream.js';

export class ForEachRDDOutput implements OutputOperation {
  readonly kind = 'foreachRDD';

  constructor(
    readonly stream: DStream<unknown>,
    private readonly f: (rdd: RDD<unknown>, timeMs: number) => void | Promise<void>,
  ) {}

  async run(rdd: RDD<unknown>, timeMs: number): Promise<void> {
    await this.f(rdd, timeMs);
  }
}

export class PrintOutput implements OutputOperation {
  readonly kind = 'print';

  constructor(
    readonly stream: DStream<unknown>,
    private readonly n: number,
  ) {}

  /** Spark's format: a header with the batch time, the first n records, "..." if there are more. */
  async run(rdd: RDD<unknown>, timeMs: number): Promise<void> {
    const first = await rdd.take(this.n + 1);
    const lines = [
      '-------------------------------------------',
      `Time: ${timeMs} ms`,
      '-------------------------------------------',
    ];
    for (const x of first.slice(0, this.n))
      lines.push(typeof x === 'string' ? x : JSON.stringify(x));
    if (first.length > this.n) lines.push('...');
    console.log(`${lines.join('\n')}\n`);
  }
}

export function outputDirFor(prefix: string, timeMs: number, suffix: string | undefined): string {
  return path.resolve(
    `${prefix}-${timeMs}${suffix === undefined || suffix === '' ? '' : `.${suffix}`}`,
  );
}

export type SaveFilesKind = 'saveAsTextFiles' | 'saveAsObjectFiles';

/** How each kind writes one batch's RDD into a directory (RDD.saveAsTextFile / saveAsObjectFile). */
const WRITERS: Record<SaveFilesKind, (rdd: RDD<unknown>, dir: string) => Promise<void>> = {
  saveAsTextFiles: (rdd, dir) => rdd.saveAsTextFile(dir),
  saveAsObjectFiles: (rdd, dir) => rdd.saveAsObjectFile(dir),
};

/** Spark's saveAsTextFiles and saveAsObjectFiles (ForEachDStream over the RDD save of the same name). */
export class SaveFilesOutput implements OutputOperation {
  constructor(
    readonly kind: SaveFilesKind,
    readonly stream: DStream<unknown>,
    private readonly prefix: string,
    private readonly suffix: string | undefined,
  ) {}

  async run(rdd: RDD<unknown>, timeMs: number): Promise<void> {
    const target = outputDirFor(this.prefix, timeMs, this.suffix);
    const parent = path.dirname(target);
    const base = path.basename(target);
    ensureDirectory(parent, 'output directory');
    removeLeftovers(parent, base);
    const temp = path.join(parent, `.${base}.kindling-save`);
    await WRITERS[this.kind](rdd, temp);
    if (fs.existsSync(target)) {
      // A replayed batch: swap the new directory in, then drop the old one.
      const old = path.join(parent, `.${base}.kindling-old`);
      fs.renameSync(target, old);
      fs.renameSync(temp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(temp, target);
    }
  }
}

/** Temp and old directories of an attempt that was killed (ours, and saveAsTextFile's own). */
function removeLeftovers(parent: string, base: string): void {
  for (const name of fs.readdirSync(parent)) {
    if (name.startsWith(`.${base}.kindling-`) || name.startsWith(`..${base}.kindling-`)) {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  }
}
