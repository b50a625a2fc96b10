// The history UI's applications: every event log at a path, each replayed through its own
// AppStatusStore (the live UI's code path). Files are told apart by content (probeEventLog):
// the others are listed as skipped with the reason. A file that changed since it was read (a
// running application's .inprogress file) is probed and replayed again on the next request.

import fs from 'node:fs';
import path from 'node:path';
import { listHistoryFiles, probeEventLog, readEventLog } from '../event-log/event-log-reader.js';
import { AppStatusStore } from './app-status-store.js';

/** How a replayed log ends: a finished log without applicationEnd was cut short. */
export type LogStatus =
  { kind: 'complete' } | { kind: 'inProgress' } | { kind: 'truncated'; reason: string };

export type HistoryEntry =
  | {
      kind: 'app';
      store: AppStatusStore;
      file: string;
      status: LogStatus;
      warnings: { message: string }[];
    }
  /** An event log whose first line cannot be read: no application to show. */
  | { kind: 'damaged'; file: string; reason: string };

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface HistoryListing {
  entries: HistoryEntry[];
  skipped: SkippedFile[];
}

type Probed = { kind: 'entry'; entry: HistoryEntry } | { kind: 'skipped'; reason: string };

interface Cached {
  size: number;
  mtimeMs: number;
  probed: Probed;
}

/** A function listing what is at `target` (a log file or a directory), fresh each call. */
export function historyListing(target: string): () => HistoryListing {
  const cache = new Map<string, Cached>();
  return () => {
    const entries: HistoryEntry[] = [];
    const skipped: SkippedFile[] = [];
    for (const file of listHistoryFiles(target)) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      let hit = cache.get(file);
      if (hit === undefined || hit.size !== stat.size || hit.mtimeMs !== stat.mtimeMs) {
        hit = { size: stat.size, mtimeMs: stat.mtimeMs, probed: probe(file) };
        cache.set(file, hit);
      }
      if (hit.probed.kind === 'skipped') skipped.push({ file, reason: hit.probed.reason });
      else entries.push(hit.probed.entry);
    }
    // Newest first, as Spark's history server lists them; damaged logs last.
    entries.sort((a, b) => startTime(b) - startTime(a));
    return { entries, skipped };
  };
}

function startTime(e: HistoryEntry): number {
  return e.kind === 'app' ? (e.store.app?.startTime ?? 0) : -1;
}

function probe(file: string): Probed {
  const what = probeEventLog(file);
  switch (what.kind) {
    case 'notEventLog':
      return { kind: 'skipped', reason: what.reason };
    case 'damaged':
      return { kind: 'entry', entry: { kind: 'damaged', file, reason: what.reason } };
    case 'eventLog':
      return { kind: 'entry', entry: replay(file) };
  }
}

export function replay(file: string): HistoryEntry {
  const log = readEventLog(file);
  const store = new AppStatusStore();
  for (const e of log.events) store.handle(e);
  const warnings: { message: string }[] = [...log.warnings];
  let status: LogStatus;
  if (store.app?.endTime !== undefined) status = { kind: 'complete' };
  else if (log.inProgress) status = { kind: 'inProgress' };
  else {
    status = {
      kind: 'truncated',
      reason:
        log.cutOffLine === undefined
          ? 'it ends without applicationEnd'
          : `line ${log.cutOffLine} is cut off`,
    };
    warnings.push({ message: `${path.basename(file)} is truncated: ${status.reason}` });
  }
  return { kind: 'app', store, file, status, warnings };
}
