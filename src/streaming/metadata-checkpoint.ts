// The metadata checkpoint of a streaming context (Spark's Checkpoint,
// CheckpointWriter, CheckpointReader, JobGenerator.doCheckpoint). Unlike Spark
// it holds data, not the serialized graph (Java serialization breaks Spark's
// recovery on any code change; docs/streaming.md): batch grid, progress, source
// positions and the directories of state checkpoints, as human-readable JSON
// behind a one-line header whose crc32 covers the payload, so a torn or damaged
// file is detected.
//
//   {"format":"kindling-streaming-checkpoint","version":1,"crc32":"1a2b3c4d","bytes":812}\n
//   { ...payload, pretty-printed JSON... }
//
// Files: checkpoint-<timeMs>, its previous version checkpoint-<timeMs>.bk, a
// temp file renamed into place; at most MAX_FILES kept, oldest pruned first.

import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory, writeFileDurable } from '../storage/durable-file.js';
import { ensureDirectory } from '../shared/io-errors.js';
import zlib from 'node:zlib';
import { errors, streamingErrors, type KindlingError } from '../shared/errors.js';
import type { SourcePosition } from './dstream.js';

export const METADATA_FORMAT = 'kindling-streaming-checkpoint';
export const METADATA_VERSION = 1;
export const MAX_FILES = 10;
export const WRITE_ATTEMPTS = 3;
export const TEMP_FILE = '.checkpoint-temp';
const FILE_RE = /^checkpoint-(\d+)(\.bk)?$/;

export interface StreamSummary {
  key: string;
  kind: string;
  slideMs: number;
  checkpointIntervalMs: number | null;
  stateful: boolean;
  /**
   * Stateful streams: where the writing run's history of the stream starts (restore-plan.ts):
   * null from the zero time, else the time of the checkpoint it was restored from or, new in
   * a recovered graph, the batch it started empty after. Absent in files of older builds.
   */
  historyFromMs?: number | null;
}

export interface SourceRecord {
  key: string;
  kind: string;
  position: SourcePosition;
}

export interface StateRecord {
  /** The stateful operator's stable key. */
  key: string;
  kind: string;
  /** Restored on recovery (state); otherwise a lineage cut, kept only for cleanup. */
  stateful: boolean;
  /** Batch time whose state the directory holds. */
  timeMs: number;
  dir: string;
  records: number;
  bytes: number;
}

export interface StreamingCheckpointData {
  checkpointTimeMs: number;
  writtenAt: string;
  batchIntervalMs: number;
  zeroTimeMs: number;
  lastCompletedMs: number | null;
  /** Generated but not completed: replayed with their recorded inputs. */
  pendingMs: number[];
  streams: StreamSummary[];
  sources: SourceRecord[];
  state: StateRecord[];
}

export interface CheckpointFileName {
  name: string;
  timeMs: number;
  backup: boolean;
}

export function encodeCheckpoint(data: StreamingCheckpointData): string {
  const payload = JSON.stringify(data, null, 2);
  const bytes = Buffer.byteLength(payload);
  const crc = zlib.crc32(payload).toString(16).padStart(8, '0');
  return `${JSON.stringify({ format: METADATA_FORMAT, version: METADATA_VERSION, crc32: crc, bytes })}\n${payload}\n`;
}

export function decodeCheckpoint(file: string, text: string): StreamingCheckpointData {
  const newline = text.indexOf('\n');
  if (newline < 0) throw errors.checkpointCorrupt(file, 'no header line');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(0, newline));
  } catch {
    throw errors.checkpointCorrupt(file, 'the header line is not JSON');
  }
  if (!isRecord(parsed)) throw errors.checkpointCorrupt(file, 'the header line is not an object');
  const header = parsed;
  if (header.format !== METADATA_FORMAT)
    throw errors.checkpointCorrupt(file, 'not a streaming checkpoint file');
  if (header.version !== METADATA_VERSION) {
    throw errors.checkpointCorrupt(file, `unknown format version ${String(header.version)}`);
  }
  const payload = text.slice(newline + 1).replace(/\n$/, '');
  if (Buffer.byteLength(payload) !== header.bytes) {
    throw errors.checkpointCorrupt(
      file,
      `the payload has ${Buffer.byteLength(payload)} bytes, the header says ${String(header.bytes)}`,
    );
  }
  const crc = zlib.crc32(payload).toString(16).padStart(8, '0');
  if (crc !== header.crc32)
    throw errors.checkpointCorrupt(
      file,
      `crc32 mismatch (file ${String(header.crc32)}, computed ${crc})`,
    );
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    throw errors.checkpointCorrupt(file, 'the payload is not JSON');
  }
  const problem = payloadProblem(data);
  if (problem !== undefined) throw errors.checkpointCorrupt(file, problem);
  return data as StreamingCheckpointData;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Every element of `x`, an array, passes `ok`. */
export function isArrayOf(x: unknown, ok: (e: unknown) => boolean): x is unknown[] {
  return Array.isArray(x) && x.every(ok);
}

/**
 * What keeps a payload from being a StreamingCheckpointData (a file edited by hand, or of
 * another build: the crc only says it is the one written), or undefined. Source positions are
 * their source's to check (InputImpl.positionProblem).
 */
function payloadProblem(d: unknown): string | undefined {
  if (!isRecord(d)) return 'the payload is not an object';
  for (const k of ['checkpointTimeMs', 'batchIntervalMs', 'zeroTimeMs']) {
    if (!Number.isFinite(d[k])) return `required field ${k} is missing or not a number`;
  }
  if (d.lastCompletedMs !== null && !Number.isFinite(d.lastCompletedMs))
    return 'lastCompletedMs is neither a time nor null';
  if (!isArrayOf(d.pendingMs, Number.isFinite)) return 'pendingMs is not an array of times';
  const named = (e: unknown): e is Record<string, unknown> =>
    isRecord(e) && typeof e.key === 'string' && typeof e.kind === 'string';
  const summary = (e: unknown): boolean =>
    named(e) &&
    typeof e.stateful === 'boolean' &&
    (e.historyFromMs === undefined || e.historyFromMs === null || Number.isFinite(e.historyFromMs));
  if (!isArrayOf(d.streams, summary)) return 'streams is not an array of { key, kind, stateful }';
  if (!isArrayOf(d.sources, (e) => named(e) && isRecord(e.position)))
    return 'sources is not an array of { key, kind, position }';
  const stateRecord = (e: unknown): boolean =>
    named(e) &&
    typeof e.stateful === 'boolean' &&
    Number.isFinite(e.timeMs) &&
    typeof e.dir === 'string';
  if (!isArrayOf(d.state, stateRecord))
    return 'state is not an array of { key, kind, stateful, timeMs, dir }';
  return undefined;
}

/** Checkpoint files, oldest first; for one time the .bk sorts before the main file (Spark's Checkpoint.getCheckpointFiles). */
export function listCheckpointFiles(dir: string): CheckpointFileName[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: CheckpointFileName[] = [];
  for (const d of names) {
    const m = FILE_RE.exec(d.name);
    if (m === null || !d.isFile()) continue; // directories never count (SPARK-28912)
    out.push({ name: d.name, timeMs: Number(m[1]), backup: m[2] !== undefined });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || Number(b.backup) - Number(a.backup));
}

export function readCheckpointFile(file: string): StreamingCheckpointData {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw errors.checkpointCorrupt(
      file,
      `cannot be read (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return decodeCheckpoint(file, text);
}

export interface ReadResult {
  data: StreamingCheckpointData;
  file: string;
  /** Newer files that could not be used, with why. */
  skipped: { file: string; error: KindlingError }[];
}

/**
 * The newest checkpoint that reads, verifies and passes `accept` (Spark's CheckpointReader.read): newest first, main
 * before .bk. No files: undefined. Files but none usable: CHECKPOINT_CORRUPT.
 */
export function readNewestCheckpoint(
  dir: string,
  accept: (data: StreamingCheckpointData, file: string) => void = () => undefined,
): ReadResult | undefined {
  const files = listCheckpointFiles(dir).reverse();
  if (files.length === 0) return undefined;
  const skipped: ReadResult['skipped'] = [];
  for (const f of files) {
    const file = path.join(dir, f.name);
    try {
      const data = readCheckpointFile(file);
      accept(data, file);
      return { data, file, skipped };
    } catch (e) {
      skipped.push({ file, error: e as KindlingError });
    }
  }
  const last = skipped[skipped.length - 1];
  throw errors.checkpointCorrupt(
    dir,
    `no readable streaming checkpoint among ${files.length} files (newest error: ${skipped[0]?.error.message ?? ''})`,
    last === undefined ? {} : { path: last.file },
  );
}

/**
 * Spark's CheckpointWriter handler, synchronous and in order: temp file, previous version
 * to .bk, rename, prune. Retried; a final failure is thrown for the caller to report (SPARK-22429: Spark's writer dropped it).
 */
export function writeCheckpointFile(
  dir: string,
  data: StreamingCheckpointData,
): { file: string; deleted: string[] } {
  const file = path.join(dir, `checkpoint-${data.checkpointTimeMs}`);
  const temp = path.join(dir, TEMP_FILE);
  const content = encodeCheckpoint(data);
  let lastError: unknown;
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    try {
      ensureDirectory(dir, 'streaming checkpoint directory');
      fs.rmSync(temp, { force: true });
      writeFileDurable(temp, content);
      if (fs.existsSync(file)) {
        // Recursive, as Spark's delete(backupFile, true): a directory that stood at the main
        // name (never read as a checkpoint, SPARK-28912) is moved here, and must not block writes.
        fs.rmSync(`${file}.bk`, { force: true, recursive: true });
        fs.renameSync(file, `${file}.bk`);
      }
      fs.renameSync(temp, file);
      syncDirectory(dir);
      return { file, deleted: pruneCheckpointFiles(dir) };
    } catch (e) {
      lastError = e;
    }
  }
  throw streamingErrors.metadataWriteFailed(file, WRITE_ATTEMPTS, lastError);
}

function pruneCheckpointFiles(dir: string): string[] {
  const files = listCheckpointFiles(dir);
  const excess = files.slice(0, Math.max(0, files.length - MAX_FILES));
  for (const f of excess) fs.rmSync(path.join(dir, f.name), { force: true });
  return excess.map((f) => f.name);
}
