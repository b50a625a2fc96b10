// The history UI's applications: every event log at a path, each replayed through its own
// AppStatusStore (the live UI's code path). Files are told apart by content (probeEventLog):
// the others are listed as skipped with the reason. A file that changed since it was read (a
// running application's .inprogress file) is probed and replayed again on the next request.
// A log is addressed by its file name, unique where the logs are listed: two logs of one
// application id (a copy, a log kept beside its damaged twin) are two entries.

import fs from 'node:fs';
import path from 'node:path';
import { IN_PROGRESS_SUFFIX, isInProgressFileName } from '../event-log/event-log-format.js';
import { listHistoryFiles, probeEventLog, readEventLog } from '../event-log/event-log-reader.js';
import { AppStatusStore } from './app-status-store.js';

/** How a replayed log ends: a finished log without applicationEnd was cut short. */
export type LogStatus =
  { kind: 'complete' } | { kind: 'inProgress' } | { kind: 'truncated'; reason: string };

export interface AppEntry {
  kind: 'app';
  store: AppStatusStore;
  file: string;
  /** The file's name: what the history UI's URLs name the log by (`/history/<name>/`). */
  name: string;
  status: LogStatus;
  warnings: { message: string }[];
}

export type HistoryEntry =
  | AppEntry
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

/**
 * The application a history URL names by `key`: a log's file name; else, for a link made
 * while its application ran, the log it became when it finished (`moved`); else an
 * application id held by one log alone (`moved`: Spark's URLs name the application), or by
 * several (`ambiguous`: each must be named by its file).
 */
export type HistoryLookup =
  | { kind: 'found'; entry: AppEntry }
  | { kind: 'moved'; entry: AppEntry }
  | { kind: 'ambiguous'; names: string[] }
  | { kind: 'notFound' };

export function findHistoryApp(listing: HistoryListing, key: string): HistoryLookup {
  const apps = listing.entries.filter((e): e is AppEntry => e.kind === 'app');
  const named = apps.find((e) => e.name === key);
  if (named !== undefined) return { kind: 'found', entry: named };
  if (isInProgressFileName(key)) {
    const finished = key.slice(0, -IN_PROGRESS_SUFFIX.length);
    const entry = apps.find((e) => e.name === finished);
    if (entry !== undefined) return { kind: 'moved', entry };
  }
  const byId = apps.filter((e) => e.store.app?.applicationId === key);
  if (byId.length === 1 && byId[0] !== undefined) return { kind: 'moved', entry: byId[0] };
  if (byId.length > 1) return { kind: 'ambiguous', names: byId.map((e) => e.name) };
  return { kind: 'notFound' };
}

export function replay(file: string): AppEntry {
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
    store.markLogEnded();
  }
  return { kind: 'app', store, file, name: path.basename(file), status, warnings };
}
