// ContextOptions and their one validator: every field is checked here and a bad
// one is named with the value received, so mistakes surface at `new Context()`.

import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { errors } from './shared/errors.js';
import { assertDirectoryPossible } from './shared/io-errors.js';
import { localPath } from './storage/local-path.js';
import { isS3Url } from './storage/storage-url.js';
import type { Codec } from './shared/format/frames.js';
import { parseMaster, type MasterSpec } from './cluster/master-url.js';
import type { TaskMemory } from './shared/protocol.js';

export interface ContextOptions {
  /** Worker threads, at most MAX_WORKERS (256); default: available cores. */
  workers?: number;
  /** A directory (a path or a file: URL) or an `s3://bucket/prefix` URL. */
  checkpointDir?: string | URL;
  checkpointCompression?: Codec;
  /** Delete this context's checkpoint directories at stop(); default false. */
  cleanCheckpoints?: boolean;
  checkpointAllMarkedAncestors?: boolean;
  /** Attempts per task before the job fails; default 4. */
  maxTaskFailures?: number;
  /** Scratch for shuffle, spill and disk cache (a path or a file: URL); default under os.tmpdir(). */
  localDir?: string | URL;
  /** Cache budget before MEMORY_AND_DISK spills and MEMORY_ONLY drops; default 1/4 of RAM. */
  memoryLimitBytes?: number;
  /** Console progress bar on a TTY; default true on a TTY. */
  progress?: boolean;
  /** Records a shuffle map task buffers (distinct keys when combining) before spilling to disk; default 1,000,000. */
  shuffleSpillRecords?: number;
  /** Append every listener event as JSON lines to <eventLogDir>/<applicationId>.jsonl (a path or a file: URL). */
  eventLogDir?: string | URL;
  /** Serve the web UI: true for port 4040 (or the next free one), or a port; default false. */
  ui?: boolean | number;
  /** The UI's bind address; default 127.0.0.1 (loopback only). */
  uiHost?: string;
  /** 'local' (default: worker threads) or 'redis://[:password@]host:port[/db]' (cluster mode). */
  master?: string;
  /**
   * Cluster mode: a directory every machine mounts at the same path, or 's3://bucket/prefix'
   * (shuffle outputs, broadcast values, large plans, disk cache blocks); a path or a file: URL.
   */
  storage?: string | URL;
  /** Heap limit of each worker thread in MiB; default: Node's. Reduce tasks spill past a budget derived from it. */
  workerMemoryMb?: number;
}

export interface ResolvedContextOptions {
  workers: number;
  checkpointDir: string | undefined;
  checkpointCompression: Codec;
  cleanCheckpoints: boolean;
  checkpointAllMarkedAncestors: boolean;
  maxTaskFailures: number;
  localDir: string;
  memoryLimitBytes: number;
  progress: boolean;
  shuffleSpillRecords: number;
  eventLogDir: string | undefined;
  /** The first port to try, or undefined when the UI is off. */
  uiPort: number | undefined;
  uiHost: string;
  master: MasterSpec;
  /** Absolute; set exactly when master is a redis URL. */
  storage: string | undefined;
  workerMemoryMb: number;
}

const KNOWN = new Set([
  'workers',
  'checkpointDir',
  'checkpointCompression',
  'cleanCheckpoints',
  'checkpointAllMarkedAncestors',
  'maxTaskFailures',
  'localDir',
  'memoryLimitBytes',
  'progress',
  'shuffleSpillRecords',
  'eventLogDir',
  'ui',
  'uiHost',
  'master',
  'storage',
  'workerMemoryMb',
]);

export function resolveContextOptions(opts: ContextOptions | undefined): ResolvedContextOptions {
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null) {
    throw errors.invalidArgument('options', 'an object of ContextOptions', opts);
  }
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key))
      throw errors.invalidArgument(`options.${key}`, 'a known ContextOptions field', key);
  }
  return {
    workers: workerCount(opts.workers),
    checkpointDir: directoryOrUrl('options.checkpointDir', opts.checkpointDir),
    checkpointCompression: codec('options.checkpointCompression', opts.checkpointCompression),
    cleanCheckpoints: booleanOption('options.cleanCheckpoints', opts.cleanCheckpoints, false),
    checkpointAllMarkedAncestors: booleanOption(
      'options.checkpointAllMarkedAncestors',
      opts.checkpointAllMarkedAncestors,
      false,
    ),
    maxTaskFailures: positiveInt('options.maxTaskFailures', opts.maxTaskFailures, 4),
    localDir: directory('options.localDir', opts.localDir) ?? defaultLocalDir(),
    memoryLimitBytes: positiveInt(
      'options.memoryLimitBytes',
      opts.memoryLimitBytes,
      Math.floor(os.totalmem() / 4),
    ),
    progress: booleanOption('options.progress', opts.progress, process.stderr.isTTY === true),
    shuffleSpillRecords: positiveInt(
      'options.shuffleSpillRecords',
      opts.shuffleSpillRecords,
      1_000_000,
    ),
    eventLogDir: optionalPath('options.eventLogDir', opts.eventLogDir),
    uiPort: uiPort(opts.ui),
    uiHost: optionalString('options.uiHost', opts.uiHost) ?? '127.0.0.1',
    ...clusterOptions(opts),
    workerMemoryMb: workerMemoryMb('options.workerMemoryMb', opts.workerMemoryMb),
  };
}

/** Node's own heap limit in MiB: each worker's limit when workerMemoryMb is not set. */
/**
 * Scratch space when options.localDir is not given: the user's own directory under
 * os.tmpdir(), kindling-<uid> (Spark makes one per application), since one that another user
 * created there first is not writable to anyone else.
 */
function defaultLocalDir(): string {
  const uid = process.getuid?.();
  return path.join(os.tmpdir(), uid === undefined ? 'kindling' : `kindling-${uid}`);
}

export function defaultWorkerMemoryMb(): number {
  return Math.floor(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
}

// A worker thread cannot even load its modules under ~20 MiB of heap.
const MIN_WORKER_MEMORY_MB = 32;

// Without a limit of its own a worker shares the process's fatal heap limit: one task that
// fills it aborts the whole process (FATAL ERROR: Reached heap limit). With one, only that
// worker dies (ERR_WORKER_OUT_OF_MEMORY), so the default is Node's own heap limit, explicitly.
function workerMemoryMb(name: string, value: unknown): number {
  if (value === undefined) return defaultWorkerMemoryMb();
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_WORKER_MEMORY_MB) {
    throw errors.invalidArgument(
      name,
      `an integer of at least ${MIN_WORKER_MEMORY_MB} (MiB)`,
      value,
    );
  }
  return value;
}

// Of a worker's heap, the share one task may fill with records it holds for sorting and
// aggregation before spilling (Spark: spark.memory.fraction 0.6, half of it for execution).
// Estimates are rough and merging needs room too, so the share is smaller than Spark's.
const TASK_MEMORY_FRACTION = 0.25;

/** The memory budget of one task (a worker runs one task at a time), carried in StagePlans. */
export function taskMemoryOf(workerMemoryMb: number): TaskMemory {
  return {
    workerMemoryMb,
    budgetBytes: Math.floor(workerMemoryMb * 2 ** 20 * TASK_MEMORY_FRACTION),
  };
}

/** Spark's spark.ui.port default. */
export const DEFAULT_UI_PORT = 4040;

function uiPort(value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_UI_PORT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535)
    throw errors.invalidArgument('options.ui', 'a boolean or a port number (0-65535)', value);
  return value;
}

/** The environment variables that stand for the master and storage options left out. */
export const MASTER_ENV = 'KINDLING_MASTER';
export const STORAGE_ENV = 'KINDLING_STORAGE';

/**
 * An option's value and the name to blame for it: the option when given, else its environment
 * variable when set (as spark-submit takes MASTER from the environment), so a program runs on
 * a cluster with no change to its code. An option given in code always wins.
 */
function fromEnvironment(option: 'master' | 'storage', value: unknown): [string, unknown] {
  const variable = option === 'master' ? MASTER_ENV : STORAGE_ENV;
  const set = process.env[variable];
  if (value !== undefined || set === undefined || set === '') return [`options.${option}`, value];
  return [variable, set];
}

/** master and storage: storage is required exactly in cluster mode, where workers share it. */
function clusterOptions(opts: ContextOptions): { master: MasterSpec; storage: string | undefined } {
  const master = parseMaster(...fromEnvironment('master', opts.master));
  const [storageName, storageValue] = fromEnvironment('storage', opts.storage);
  if (master.kind === 'local') {
    // Given in code it would be silently unused; KINDLING_STORAGE is for the cluster runs.
    if (opts.storage !== undefined) {
      throw errors.invalidArgument(
        'options.storage',
        "no storage in local mode (it is where a redis:// master's workers share data; use localDir for local scratch)",
        opts.storage,
      );
    }
    return { master, storage: undefined };
  }
  const expected = `a directory every machine mounts at the same path, or 's3://bucket/prefix' (required with a redis:// master; or set ${STORAGE_ENV})`;
  if (storageValue === undefined)
    throw errors.invalidArgument('options.storage', expected, undefined);
  return { master, storage: localPath(storageValue, storageName, { expected, s3: true }) };
}

export function positiveInt(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw errors.invalidArgument(name, 'a positive integer', value);
  }
  return value;
}

/** Piscina starts every worker at once: a million threads blocked the main thread for good. */
export const MAX_WORKERS = 256;

function workerCount(value: unknown): number {
  const n = positiveInt('options.workers', value, os.availableParallelism());
  if (n > MAX_WORKERS) {
    throw errors.invalidArgument(
      'options.workers',
      `a positive integer of at most ${MAX_WORKERS.toLocaleString('en-US')} worker threads`,
      value,
    );
  }
  return n;
}

/** `value` as a boolean option named `name`: `fallback` when undefined, refused when not a boolean. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw errors.invalidArgument(name, 'a boolean', value);
  return value;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw errors.invalidArgument(name, 'a non-empty string', value);
  return value;
}

/** A path option (a path or a file: URL), made absolute. */
function optionalPath(name: string, value: unknown, s3 = false): string | undefined {
  if (value === undefined) return undefined;
  return localPath(value, name, { expected: 'a directory', s3 });
}

/** A directory option: refused at once when a file stands where a directory must be (Spark fails in DiskBlockManager). */
function directory(name: string, value: unknown): string | undefined {
  const dir = optionalPath(name, value);
  if (dir !== undefined) assertDirectoryPossible(name, dir);
  return dir;
}

/** A directory, or an `s3://bucket/prefix` URL (checkpointDir). */
function directoryOrUrl(name: string, value: unknown): string | undefined {
  const dir = optionalPath(name, value, true);
  if (dir !== undefined && !isS3Url(dir)) assertDirectoryPossible(name, dir);
  return dir;
}

function codec(name: string, value: unknown): Codec {
  if (value === undefined) return 'lz4';
  if (value !== 'none' && value !== 'lz4')
    throw errors.invalidArgument(name, "'none' or 'lz4'", value);
  return value;
}
