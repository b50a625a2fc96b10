// The history UI's applications: every event log at a path, each replayed through its own
// AppStatusStore (the live UI's code path). A log that changed since it was read (a running
// application's .inprogress file) is replayed again on the next request.

import fs from 'node:fs';
import { listEventLogs, readEventLog } from '../event-log/event-log-reader.js';
import { AppStatusStore } from './app-status-store.js';
import type { AppListEntry } from './pages/app-pages.js';

interface Cached {
  size: number;
  mtimeMs: number;
  entry: AppListEntry;
}

/** A function listing the applications at `target` (a log file or a directory), fresh each call. */
export function historyApps(target: string): () => AppListEntry[] {
  const cache = new Map<string, Cached>();
  return () => {
    const files = listEventLogs(target);
    const out: AppListEntry[] = [];
    for (const file of files) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      const hit = cache.get(file);
      if (hit !== undefined && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) {
        out.push(hit.entry);
        continue;
      }
      const entry = replay(file);
      cache.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, entry });
      out.push(entry);
    }
    // Newest first, as Spark's history server lists them.
    return out.sort((a, b) => (b.store.app?.startTime ?? 0) - (a.store.app?.startTime ?? 0));
  };
}

export function replay(file: string): AppListEntry {
  const log = readEventLog(file);
  const store = new AppStatusStore();
  for (const e of log.events) store.handle(e);
  return { store, file, warnings: log.warnings };
}
