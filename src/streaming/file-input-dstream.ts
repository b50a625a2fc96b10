// textFileStream(dir) and fileStream(dir, opts) (Spark's FileInputDStream):
// files that appear in the directory, moved in by rename as Spark asks; hidden
// (.x) and _x names are ignored, as are the files already there at first start
// unless fileStream's newFilesOnly is false, and those fileStream's filter refuses. A file is known by
// name and version (size, mtime, inode), so a new file renamed over a name
// already read is read too (Spark goes by mtime alone). Which files went to
// which batch is recorded in the metadata checkpoint before the batch runs, so a
// replayed batch reads exactly the same files and a new one never reads a file
// twice, including files that arrived while the process was down.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { RDD } from '../rdd/rdd.js';
import { TextFileRDD } from '../rdd/source-rdds.js';
import { computeSplits } from '../rdd/text-file-splits.js';
import type { Accumulator } from '../variables/accumulator.js';
import type { DStream, DStreamImpl, InputImpl, SourcePosition } from './dstream.js';
import type { StreamingContext } from './streaming-context.js';
import { kernel } from './kernel-refs.js';
import { errnoOf, ioError } from '../shared/io-errors.js';
import { isArrayOf, isRecord } from './metadata-checkpoint.js';

export interface FileStreamPosition extends SourcePosition {
  dir: string;
  /** Files present at first start: never read. */
  ignored: string[];
  /** Files already given to a batch (still in the directory). */
  seen: string[];
  /**
   * Name -> version (size:mtimeMs:inode) of each ignored or seen file. Absent in checkpoints
   * written before versions were tracked: their names then match any version.
   */
  versions?: Record<string, string>;
  /** Batch time -> files, for the batches a recovery may replay. */
  batches: Record<string, string[]>;
  /** The newest batch time whose files were chosen. */
  lastListedMs: number | null;
}

/** ssc.fileStream's options (Spark's fileStream(directory, filter, newFilesOnly)). */
export interface FileStreamOptions {
  /** Default true. False: the first batch also reads the files already in the directory at the first start. */
  newFilesOnly?: boolean;
  /** Called on the main thread with a new file's absolute path; false leaves the file unread. */
  filter?: (path: string) => boolean;
}

export interface FileInputSettings {
  /** The source's kind in the checkpoint: a recovered source must be the same method's. */
  kind: 'textFileStream' | 'fileStream';
  newFilesOnly: boolean;
  filter: ((path: string) => boolean) | undefined;
}

const TEXT_FILE_STREAM: FileInputSettings = {
  kind: 'textFileStream',
  newFilesOnly: true,
  filter: undefined,
};

export class FileInputImpl implements DStreamImpl, InputImpl {
  readonly kind: FileInputSettings['kind'];
  readonly parents: DStream<unknown>[] = [];
  readonly input = this;
  readonly recoverable = true;
  /** Name -> version; ANY_VERSION for names restored from a checkpoint without versions. */
  private ignored = new Map<string, string>();
  private seen = new Map<string, string>();
  private readonly batches = new Map<number, string[]>();
  private lastListedMs: number | undefined;
  private acc: Accumulator | undefined;

  constructor(
    private readonly ssc: StreamingContext,
    readonly dir: string,
    private readonly settings: FileInputSettings = TEXT_FILE_STREAM,
  ) {
    this.kind = settings.kind;
  }

  get slideMs(): number {
    return this.ssc.batchIntervalMs;
  }

  start(recovered: boolean): void {
    this.acc ??= this.ssc.sparkContext.longAccumulator(`${this.kind} ${this.dir}`);
    // A recovered source keeps its checkpointed lists: newFilesOnly applies to the first start only.
    if (recovered || !this.settings.newFilesOnly) return;
    this.ignored = this.listFiles();
    this.seen = new Map(this.ignored);
  }

  stop(): void {}

  /** The files of batch `timeMs`: recorded ones when replaying, else the new arrivals. */
  filesFor(timeMs: number): string[] {
    const recorded = this.batches.get(timeMs);
    if (recorded !== undefined) return recorded;
    if (this.lastListedMs !== undefined && timeMs <= this.lastListedMs) return [];
    const present = this.listFiles();
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    for (const [name, version] of this.ignored) {
      const now = present.get(name);
      if (now === undefined || (now !== version && version !== ANY_VERSION))
        this.ignored.delete(name);
    }
    const fresh: string[] = [];
    for (const [name, version] of present) {
      const known = this.seen.get(name);
      if (known === version || known === ANY_VERSION) continue;
      // Refused files are not remembered: the filter is asked again at the next listing.
      if (!this.accepts(name)) continue;
      fresh.push(name);
      this.seen.set(name, version);
    }
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

  private accepts(name: string): boolean {
    const filter = this.settings.filter;
    if (filter === undefined) return true;
    const ok: unknown = filter(path.join(this.dir, name));
    if (typeof ok !== 'boolean')
      throw errors.invalidArgument('result of the fileStream filter', 'a boolean', ok);
    return ok;
  }

  recordsRead(): number {
    return this.acc?.value ?? 0;
  }

  position(): FileStreamPosition {
    const batches: Record<string, string[]> = {};
    for (const [t, files] of [...this.batches].sort((a, b) => a[0] - b[0]))
      batches[String(t)] = files;
    const versions: Record<string, string> = {};
    for (const [name, version] of [...this.seen].sort()) {
      if (version !== ANY_VERSION) versions[name] = version;
    }
    return {
      dir: this.dir,
      ignored: [...this.ignored.keys()].sort(),
      seen: [...this.seen.keys()].filter((n) => !this.ignored.has(n)).sort(),
      versions,
      batches,
      lastListedMs: this.lastListedMs ?? null,
    };
  }

  positionProblem(position: SourcePosition): string | undefined {
    const p = position;
    const names = (x: unknown): boolean => isArrayOf(x, (n) => typeof n === 'string');
    if (typeof p.dir !== 'string') return 'dir is not a directory path';
    if (!names(p.ignored) || !names(p.seen)) return 'ignored or seen is not an array of file names';
    const batches = p.batches;
    if (
      !isRecord(batches) ||
      !Object.entries(batches).every(([t, f]) => /^\d+$/.test(t) && names(f))
    )
      return 'batches is not a map of batch times to file names';
    const versions = p.versions;
    if (versions !== undefined && !(isRecord(versions) && names(Object.values(versions))))
      return 'versions is not a map of file names to versions';
    const listed = p.lastListedMs;
    if (listed !== undefined && listed !== null && !Number.isFinite(listed))
      return 'lastListedMs is neither a time nor null';
    return undefined;
  }

  /** Recorded names are names in the checkpoint's directory: in another one they would skip or replay other files. */
  incompatibility(position: SourcePosition): string | undefined {
    const recorded = (position as FileStreamPosition).dir;
    if (recorded === this.dir) return undefined;
    return (
      `the checkpoint's ${this.kind} read ${String(recorded)} and the running graph's reads ${this.dir}; ` +
      'a source of another directory needs its own checkpoint directory'
    );
  }

  restore(position: SourcePosition): void {
    const p = position as FileStreamPosition;
    const versionOf = (name: string): string => p.versions?.[name] ?? ANY_VERSION;
    this.ignored = new Map(p.ignored.map((name) => [name, versionOf(name)]));
    this.seen = new Map([...p.ignored, ...p.seen].map((name) => [name, versionOf(name)]));
    this.batches.clear();
    for (const [t, files] of Object.entries(p.batches)) {
      this.batches.set(Number(t), files);
      for (const name of files) if (!this.seen.has(name)) this.seen.set(name, versionOf(name));
    }
    this.lastListedMs = p.lastListedMs ?? undefined;
  }

  prune(timeMs: number): void {
    for (const t of this.batches.keys()) if (t <= timeMs) this.batches.delete(t);
  }

  /** Visible files of the directory, name -> version, in name order. */
  private listFiles(): Map<string, string> {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.dir, { withFileTypes: true });
    } catch (e) {
      // Not there yet: it may be created later (Spark's FileInputDStream lists nothing then).
      // Anything else (a file in its place, no permission) is not an empty directory.
      if (errnoOf(e) === 'ENOENT') return new Map();
      throw ioError(`list the directory of ${this.kind}`, this.dir, e);
    }
    const files = new Map<string, string>();
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!d.isFile() || d.name.startsWith('.') || d.name.startsWith('_')) continue;
      const version = fileVersion(path.join(this.dir, d.name));
      if (version !== undefined) files.set(d.name, version);
    }
    return files;
  }
}

/** A name restored from a checkpoint that recorded no versions: it matches any version. */
const ANY_VERSION = '';

/** What tells two files of one name apart: a rename over the name changes the inode. */
function fileVersion(file: string): string | undefined {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined; // Gone between the listing and the stat: the next listing decides.
  }
}
