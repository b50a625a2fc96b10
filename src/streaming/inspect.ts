// `kindling inspect DIR` for a streaming checkpoint directory: what recovery
// would use (the newest readable metadata file), the batch grid and progress,
// sources and their recorded positions, and each state checkpoint's size,
// verified against its manifest. Read-only; never repairs anything.

import fs from 'node:fs';
import path from 'node:path';
import { isKindlingError } from '../shared/errors.js';
import { localPath } from '../storage/local-path.js';
import { checkPartFiles, readManifest } from '../checkpoint/checkpoint-reader.js';
import {
  listCheckpointFiles,
  readCheckpointFile,
  type StreamingCheckpointData,
} from './metadata-checkpoint.js';

export interface StreamingCheckpointReport {
  kind: 'streaming';
  dir: string;
  /** Every metadata file read and every state checkpoint checked without a problem. */
  verified: boolean;
  problems: string[];
  /** The file a recovery would use. */
  file: string | undefined;
  files: { name: string; timeMs: number; backup: boolean; ok: boolean; error?: string }[];
  batchIntervalMs: number | undefined;
  zeroTimeMs: number | undefined;
  lastBatchMs: number | undefined;
  lastCompletedBatchMs: number | undefined;
  pendingBatchesMs: number[];
  sources: {
    key: string;
    kind: string;
    dir?: string;
    /** Batch time -> files recorded for replay. */
    batches?: Record<string, string[]>;
    ignoredFiles?: number;
    seenFiles?: number;
  }[];
  state: {
    operator: string;
    kind: string;
    stateful: boolean;
    batchTimeMs: number;
    dir: string;
    partitions?: number;
    records?: number;
    bytes?: number;
    verified: boolean;
    error?: string;
  }[];
}

/** Whether `dir` looks like a streaming checkpoint (has checkpoint-<time> files). */
export function isStreamingCheckpointDir(dir: string | URL): boolean {
  const resolved = localPath(dir, 'isStreamingCheckpointDir dir', { expected: 'a directory path' });
  return listCheckpointFiles(resolved).length > 0;
}

export function inspectStreamingCheckpoint(input: string | URL): StreamingCheckpointReport {
  const dir = localPath(input, 'inspectStreamingCheckpoint dir', {
    expected: 'a streaming checkpoint directory',
  });
  const problems: string[] = [];
  if (!fs.existsSync(dir)) problems.push(`${dir} does not exist`);
  const files: StreamingCheckpointReport['files'] = [];
  let newest: { data: StreamingCheckpointData; file: string } | undefined;
  for (const f of listCheckpointFiles(dir).reverse()) {
    const file = path.join(dir, f.name);
    try {
      const data = readCheckpointFile(file);
      files.push({ name: f.name, timeMs: f.timeMs, backup: f.backup, ok: true });
      newest ??= { data, file };
    } catch (e) {
      const error = isKindlingError(e) ? e.message : String(e);
      files.push({ name: f.name, timeMs: f.timeMs, backup: f.backup, ok: false, error });
      problems.push(error);
    }
  }
  if (files.length === 0) problems.push(`no checkpoint-<time> files in ${dir}`);
  const data = newest?.data;
  const report: StreamingCheckpointReport = {
    kind: 'streaming',
    dir,
    verified: false,
    problems,
    file: newest?.file,
    files,
    batchIntervalMs: data?.batchIntervalMs,
    zeroTimeMs: data?.zeroTimeMs,
    lastBatchMs: data?.checkpointTimeMs,
    lastCompletedBatchMs: data?.lastCompletedMs ?? undefined,
    pendingBatchesMs: data?.pendingMs ?? [],
    sources: (data?.sources ?? []).map((s) => {
      const p = s.position as {
        dir?: string;
        batches?: Record<string, string[]>;
        ignored?: string[];
        seen?: string[];
      };
      return {
        key: s.key,
        kind: s.kind,
        ...(p.dir === undefined ? {} : { dir: p.dir }),
        ...(p.batches === undefined ? {} : { batches: p.batches }),
        ...(p.ignored === undefined ? {} : { ignoredFiles: p.ignored.length }),
        ...(p.seen === undefined ? {} : { seenFiles: p.seen.length }),
      };
    }),
    state: (data?.state ?? []).map((r) => {
      const entry: StreamingCheckpointReport['state'][number] = {
        operator: r.key,
        kind: r.kind,
        stateful: r.stateful,
        batchTimeMs: r.timeMs,
        dir: r.dir,
        verified: false,
      };
      try {
        const manifest = readManifest(r.dir);
        checkPartFiles(r.dir, manifest);
        Object.assign(entry, {
          partitions: manifest.numPartitions,
          records: manifest.records,
          bytes: manifest.bytes,
          verified: true,
        });
      } catch (e) {
        entry.error = isKindlingError(e) ? e.message : String(e);
        problems.push(`state of ${r.key}: ${entry.error}`);
      }
      return entry;
    }),
  };
  report.verified = problems.length === 0 && newest !== undefined;
  return report;
}
