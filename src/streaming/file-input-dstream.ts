// textFileStream(dir) (Spark's FileInputDStream): files that appear in the
// directory, moved in by rename as Spark asks; hidden (.x) and _x names are
// ignored, as are the files already there at first start. Which files went to
// which batch is recorded in the metadata checkpoint before the batch runs, so a
// replayed batch reads exactly the same files and a new one never reads a file
// twice, including files that arrived while the process was down.

import fs from 'node:fs';
import path from 'node:path';
import { RDD } from '../rdd/rdd.js';
import { TextFileRDD } from '../rdd/source-rdds.js';
import { computeSplits } from '../rdd/text-file-splits.js';
import type { Accumulator } from '../shared/accumulator.js';
import type { DStream, DStreamImpl, InputImpl, SourcePosition } from './dstream.js';
import type { StreamingContext } from './streaming-context.js';
import { kernel } from './kernel-refs.js';

export interface FileStreamPosition extends SourcePosition {
  dir: string;
  /** Files present at first start: never read. */
  ignored: string[];
  /** Files already given to a batch (still in the directory). */
  seen: string[];
  /** Batch time -> files, for the batches a recovery may replay. */
  batches: Record<string, string[]>;
  /** The newest batch time whose files were chosen. */
  lastListedMs: number | null;
}

export class FileInputImpl implements DStreamImpl, InputImpl {
  readonly kind = 'textFileStream';
  readonly parents: DStream<unknown>[] = [];
  readonly input = this;
  readonly recoverable = true;
  private ignored = new Set<string>();
  private seen = new Set<string>();
  private readonly batches = new Map<number, string[]>();
  private lastListedMs: number | undefined;
  private acc: Accumulator | undefined;

  constructor(
    private readonly ssc: StreamingContext,
    readonly dir: string,
  ) {}

  get slideMs(): number {
    return this.ssc.batchIntervalMs;
  }

  start(recovered: boolean): void {
    this.acc ??= this.ssc.sparkContext.longAccumulator(`textFileStream ${this.dir}`);
    if (recovered) return;
    this.ignored = new Set(this.listFiles());
    this.seen = new Set(this.ignored);
  }

  stop(): void {}

  /** The files of batch `timeMs`: recorded ones when replaying, else the new arrivals. */
  filesFor(timeMs: number): string[] {
    const recorded = this.batches.get(timeMs);
    if (recorded !== undefined) return recorded;
    if (this.lastListedMs !== undefined && timeMs <= this.lastListedMs) return [];
    const present = this.listFiles();
    const current = new Set(present);
    for (const name of this.seen) if (!current.has(name)) this.seen.delete(name);
    for (const name of this.ignored) if (!current.has(name)) this.ignored.delete(name);
    const fresh = present.filter((name) => !this.seen.has(name));
    for (const name of fresh) this.seen.add(name);
    this.batches.set(timeMs, fresh);
    this.lastListedMs = timeMs;
    return fresh;
  }

  compute(timeMs: number): RDD<unknown> {
    const ctx = this.ssc.sparkContext;
    const files = this.filesFor(timeMs).map((name) => path.join(this.dir, name));
    const splits = files.length === 0 ? [] : computeSplits(files, ctx.defaultParallelism);
    const lines = new RDD<string>(ctx, new TextFileRDD(splits));
    if (this.acc === undefined) return lines;
    return lines.mapPartitions(kernel('countRecords'), {
      env: { acc: this.acc },
      preservesPartitioning: true,
    });
  }

  recordsRead(): number {
    return this.acc?.value ?? 0;
  }

  position(): FileStreamPosition {
    const batches: Record<string, string[]> = {};
    for (const [t, files] of [...this.batches].sort((a, b) => a[0] - b[0]))
      batches[String(t)] = files;
    return {
      dir: this.dir,
      ignored: [...this.ignored].sort(),
      seen: [...this.seen].filter((n) => !this.ignored.has(n)).sort(),
      batches,
      lastListedMs: this.lastListedMs ?? null,
    };
  }

  restore(position: SourcePosition): void {
    const p = position as FileStreamPosition;
    this.ignored = new Set(p.ignored);
    this.seen = new Set([...p.ignored, ...p.seen]);
    this.batches.clear();
    for (const [t, files] of Object.entries(p.batches)) {
      this.batches.set(Number(t), files);
      for (const name of files) this.seen.add(name);
    }
    this.lastListedMs = p.lastListedMs ?? undefined;
  }

  prune(timeMs: number): void {
    for (const t of this.batches.keys()) if (t <= timeMs) this.batches.delete(t);
  }

  private listFiles(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((d) => d.isFile() && !d.name.startsWith('.') && !d.name.startsWith('_'))
      .map((d) => d.name)
      .sort();
  }
}
