// `kindling ui EVENTLOG_OR_DIR [--port N] [--host H]`: the history UI (Spark's HistoryServer)
// over event logs; serves until SIGINT or SIGTERM. Prints its URL, the files it skipped as not
// event logs (decided by content: event-log-reader.ts) and any damaged logs or lines.

import fs from 'node:fs';
import type { KindlingError } from '../shared/errors.js';
import { describeErrno, errnoOf, ioError } from '../shared/io-errors.js';
import { probeEventLog } from '../event-log/event-log-reader.js';
import { historyListing } from '../ui/history.js';
import { startUiServer, type UiServer } from '../ui/ui-server.js';
import {
  expectPositionals,
  parseCommandArgs,
  pathArgument,
  stringFlag,
  usageError,
} from './args.js';

/** Spark's spark.history.ui.port. */
export const DEFAULT_HISTORY_PORT = 18080;

export async function uiCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  });
  const [given] = expectPositionals(positionals, ['EVENTLOG_OR_DIR']) as [string];
  const target = pathArgument('EVENTLOG_OR_DIR', given, {
    expected: 'an event log file or directory',
  });
  const port = portFlag(values.port);
  const host = stringFlag('--host', values.host) ?? '127.0.0.1';
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined || !(stat.isFile() || stat.isDirectory()))
    throw usageError('EVENTLOG_OR_DIR', 'an event log file or directory', given);
  if (stat.isFile()) {
    const what = probeEventLog(target);
    if (what.kind === 'notEventLog')
      throw usageError('EVENTLOG_OR_DIR', 'an event log file or directory', given, what.reason);
  }
  const listing = historyListing(target);
  // Reads every log before the server starts; what is wrong with a file is said here, once.
  const found = listing();
  for (const s of found.skipped) process.stderr.write(`kindling: skipped ${s.file}: ${s.reason}\n`);
  for (const entry of found.entries) {
    if (entry.kind === 'damaged') {
      process.stderr.write(
        `kindling: warning: ${entry.file} is a damaged event log: ${entry.reason}\n`,
      );
    } else {
      for (const w of entry.warnings) process.stderr.write(`kindling: warning: ${w.message}\n`);
    }
  }
  const apps = found.entries.filter((e) => e.kind === 'app').length;
  let server: UiServer;
  try {
    server = await startUiServer({ kind: 'history', listing }, { host, port });
  } catch (e) {
    throw listenError(host, port, e);
  }
  process.stdout.write(
    `kindling: history UI at ${server.url}/ (${apps} application${apps === 1 ? '' : 's'}${skippedNote(found.skipped.length)})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

function skippedNote(n: number): string {
  return n === 0 ? '' : `; ${n} file${n === 1 ? '' : 's'} skipped, not event logs`;
}

/** A host that does not resolve to this machine, or a port taken, is the flag's fault. */
function listenError(host: string, port: number, e: unknown): KindlingError {
  const code = errnoOf(e);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL')
    return usageError('--host', 'a name or address of this machine', host, describeErrno(e));
  if (code === 'EADDRINUSE' || code === 'EACCES')
    return usageError('--port', 'a port free to listen on', String(port), describeErrno(e));
  return ioError('listen on', `${host}:${port}`, e);
}

function portFlag(raw: string | boolean | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_PORT;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw usageError('--port', 'a port number (0-65535)', raw);
  return n;
}
