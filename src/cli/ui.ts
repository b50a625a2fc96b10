// `kindling ui EVENTLOG_OR_DIR [--port N] [--host H]`: the history UI (Spark's HistoryServer)
// over event logs; serves until SIGINT or SIGTERM. Prints its URL and any unreadable lines.

import { historyApps } from '../ui/history.js';
import { startUiServer } from '../ui/ui-server.js';
import { expectPositionals, parseCommandArgs, stringFlag, usageError } from './args.js';

/** Spark's spark.history.ui.port. */
export const DEFAULT_HISTORY_PORT = 18080;

export async function uiCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  });
  const [target] = expectPositionals(positionals, ['EVENTLOG_OR_DIR']) as [string];
  const port = portFlag(values.port);
  const host = stringFlag('--host', values.host) ?? '127.0.0.1';
  const apps = historyApps(target);
  const found = apps(); // refuses a missing path before the server starts
  for (const app of found)
    for (const w of app.warnings) process.stderr.write(`kindling: warning: ${w.message}\n`);
  const server = await startUiServer({ kind: 'history', apps }, { host, port });
  process.stdout.write(
    `kindling: history UI at ${server.url}/ (${found.length} application${found.length === 1 ? '' : 's'})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}

function portFlag(raw: string | boolean | undefined): number {
  if (raw === undefined) return DEFAULT_HISTORY_PORT;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw usageError('--port', 'a port number (0-65535)', raw);
  return n;
}
