// `kindling run JOB`: imports the job module, builds a Context from the flags,
// awaits the job's default export with it, prints the result (util.inspect,
// depth 4) on stdout and a one-line summary on stderr, and stops the context.

import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { Context } from '../context.js';
import { errors } from '../errors.js';
import type { JobHooksData } from './job-hooks.js';
import {
  choiceFlag,
  expectPositionals,
  parseCommandArgs,
  positiveIntFlag,
  stringFlag,
  usageError,
} from './args.js';

const JOB_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    workers: { type: 'string', short: 'w' },
    'checkpoint-dir': { type: 'string' },
    compression: { type: 'string' },
    master: { type: 'string' },
    storage: { type: 'string' },
  });
  const [job] = expectPositionals(positionals, ['JOB']) as [string];
  const workers = positiveIntFlag('--workers', values.workers);
  const checkpointDir = stringFlag('--checkpoint-dir', values['checkpoint-dir']);
  const compression = choiceFlag('--compression', values.compression, ['none', 'lz4'] as const);
  const master = stringFlag('--master', values.master);
  const storage = stringFlag('--storage', values.storage);
  const jobFile = path.resolve(job);
  if (!JOB_EXTENSIONS.includes(path.extname(jobFile))) {
    throw usageError('JOB', `a ${JOB_EXTENSIONS.join(', ')} file`, job);
  }
  if (!fs.statSync(jobFile, { throwIfNoEntry: false })?.isFile())
    throw usageError('JOB', 'an existing file', job);

  const main = await loadJob(jobFile);
  const ctx = new Context({
    ...(workers === undefined ? {} : { workers }),
    ...(checkpointDir === undefined ? {} : { checkpointDir: path.resolve(checkpointDir) }),
    ...(compression === undefined ? {} : { checkpointCompression: compression }),
    ...(master === undefined ? {} : { master }),
    ...(storage === undefined ? {} : { storage: path.resolve(storage) }),
  });
  const started = performance.now();
  let failed = false;
  try {
    const result = await main(ctx);
    if (result !== undefined)
      process.stdout.write(inspect(result, { depth: 4, colors: process.stdout.isTTY }) + '\n');
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await ctx.stop();
    const { jobs, stages, tasks } = ctx.stats;
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stderr.write(
      `kindling: ${failed ? 'failed after' : 'done:'} ${plural(jobs, 'job')}, ${plural(stages, 'stage')}, ` +
        `${plural(tasks, 'task')} in ${seconds} s on ${plural(ctx.defaultParallelism, 'worker')}\n`,
    );
  }
  return 0;
}

type JobMain = (ctx: Context) => unknown;

async function loadJob(jobFile: string): Promise<JobMain> {
  const data: JobHooksData = { kindlingUrl: new URL('../index.js', import.meta.url).href };
  if (/\.m?ts$/.test(jobFile)) {
    try {
      import.meta.resolve('typescript');
    } catch {
      throw errors.unsupported(
        `Running a TypeScript job needs the typescript package: npm install typescript`,
      );
    }
    process.setSourceMapsEnabled(true);
  }
  register(new URL('./job-hooks.js', import.meta.url), { data });
  const mod = (await import(pathToFileURL(jobFile).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw usageError(
      'JOB',
      'a module whose default export is async (ctx: Context) => unknown',
      mod.default,
    );
  }
  return mod.default as JobMain;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
