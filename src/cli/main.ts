#!/usr/bin/env node
// The `kindling` command: dispatches to run, inspect, bench and ui. Exit codes: 0 ok,
// 1 the job or the checked data failed, 2 bad usage (with the usage text).

import fs from 'node:fs';
import { KindlingError } from '../shared/errors.js';
import { USAGE, UsageError } from './args.js';
import { formatError } from './print-error.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  run: async (args) => (await import('./run.js')).runCommand(args),
  inspect: async (args) => (await import('./inspect.js')).inspectCommand(args),
  bench: async (args) => (await import('./bench.js')).benchCommand(args),
  ui: async (args) => (await import('./ui.js')).uiCommand(args),
  worker: async (args) => (await import('./worker.js')).workerCommand(args),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(
      fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    process.stdout.write(`kindling ${pkg.version} (node ${process.version})\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  return handler(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`kindling: ${e.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    const code = e instanceof KindlingError ? ` (${e.code})` : '';
    const thrower = process.argv[2] === 'run' ? 'the job' : 'the command';
    process.stderr.write(`kindling: failed${code}\n${formatError(e, thrower)}\n`);
    process.exitCode = 1;
  }
}
