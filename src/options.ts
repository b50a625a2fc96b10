// ContextOptions and their one validator: every field is checked here and a bad
// one is named with the value received, so mistakes surface at `new Context()`.

import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { errors } from './errors.js';
import type { Codec } from './format/frames.js';
import type { TaskMemory } from './protocol.js';

export interface ContextOptions {
  /** Worker threads; default: available cores. */
  workers?: number;
  checkpointDir?: string;
  checkpointCompression?: Codec;
  /** Delete this context's checkpoint directories at stop(); default false. */
  cleanCheckpoints?: boolean;
  checkpointAllMarkedAncestors?: boolean;
  /** Attempts per task before the job fails; default 4. */
  maxTaskFailures?: number;
  /** Scratch for shuffle, spill and disk cache; default under os.tmpdir(). */
  localDir?: string;
  /** Cache budget before MEMORY_AND_DISK spills and MEMORY_ONLY drops; default 1/4 of RAM. */
  memoryLimitBytes?: number;
  /** Console progress bar on a TTY; default true on a TTY. */
  progress?: boolean;
  /** Records a shuffle map task buffers (distinct keys when combining) before spilling to disk; default 1,000,000. */
  shuffleSpillRecords?: number;
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
    workers: positiveInt('options.workers', opts.workers, os.availableParallelism()),
    checkpointDir: optionalString('options.checkpointDir', opts.checkpointDir),
    checkpointCompression: codec('options.checkpointCompression', opts.checkpointCompression),
    cleanCheckpoints: bool('options.cleanCheckpoints', opts.cleanCheckpoints, false),
    checkpointAllMarkedAncestors: bool(
      'options.checkpointAllMarkedAncestors',
      opts.checkpointAllMarkedAncestors,
      false,
    ),
    maxTaskFailures: positiveInt('options.maxTaskFailures', opts.maxTaskFailures, 4),
    localDir: path.resolve(
      optionalString('options.localDir', opts.localDir) ?? path.join(os.tmpdir(), 'kindling'),
    ),
    memoryLimitBytes: positiveInt(
      'options.memoryLimitBytes',
      opts.memoryLimitBytes,
      Math.floor(os.totalmem() / 4),
    ),
    progress: bool('options.progress', opts.progress, process.stderr.isTTY === true),
    shuffleSpillRecords: positiveInt(
      'options.shuffleSpillRecords',
      opts.shuffleSpillRecords,
      1_000_000,
    ),
    workerMemoryMb: workerMemoryMb('options.workerMemoryMb', opts.workerMemoryMb),
  };
}

// A worker thread cannot even load its modules under ~20 MiB of heap.
const MIN_WORKER_MEMORY_MB = 32;

// Without a limit of its own a worker shares the process's fatal heap limit: one task that
// fills it aborts the whole process (FATAL ERROR: Reached heap limit). With one, only that
// worker dies (ERR_WORKER_OUT_OF_MEMORY), so the default is Node's own heap limit, explicitly.
function workerMemoryMb(name: string, value: unknown): number {
  if (value === undefined) return Math.floor(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
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

export function positiveInt(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw errors.invalidArgument(name, 'a positive integer', value);
  }
  return value;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
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

function codec(name: string, value: unknown): Codec {
  if (value === undefined) return 'lz4';
  if (value !== 'none' && value !== 'lz4')
    throw errors.invalidArgument(name, "'none' or 'lz4'", value);
  return value;
}
