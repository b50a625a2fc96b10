// `kindling worker --master redis://host:port [--threads N] [--name NAME]`: one cluster worker
// process per machine (--master defaults to KINDLING_MASTER). Prints one "ready" line on
// stdout once announced; SIGTERM or SIGINT drains (running tasks finish, no new ones start)
// and exits 0.

import os from 'node:os';
import { parseMaster } from '../cluster/master-url.js';
import { codeVersion } from '../cluster/version.js';
import { ClusterWorker } from '../cluster/worker-process.js';
import { MASTER_ENV } from '../options.js';
import {
  expectPositionals,
  parseCommandArgs,
  positiveIntFlag,
  stringFlag,
  usageError,
} from './args.js';

export async function workerCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    master: { type: 'string' },
    threads: { type: 'string' },
    name: { type: 'string' },
  });
  expectPositionals(positionals, []);
  // As a Context does, the worker takes its master from KINDLING_MASTER when not told.
  const masterFlag =
    stringFlag('--master', values.master) ?? (process.env[MASTER_ENV] || undefined);
  if (masterFlag === undefined)
    throw usageError('--master', 'redis://[:password@]host:port[/db]', masterFlag);
  const master = parseMaster('--master', masterFlag);
  if (master.kind !== 'redis') throw usageError('--master', 'a redis:// URL', masterFlag);
  const threads = positiveIntFlag('--threads', values.threads) ?? os.availableParallelism();
  const name = stringFlag('--name', values.name) ?? `${os.hostname()}-${process.pid}`;
  const version = process.env.KINDLING_WORKER_VERSION ?? codeVersion();
  const log = (line: string): void => {
    process.stderr.write(`kindling worker ${name}: ${line}\n`);
  };
  const worker = new ClusterWorker({ master, threads, name, version, log });
  await worker.start();
  process.stdout.write(
    `kindling worker ${name} ready: ${threads} threads, kindling ${version}, master ${master.display}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal}: draining`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await worker.drain();
  log('stopped');
  return 0;
}
