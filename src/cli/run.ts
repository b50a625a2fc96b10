// `kindling run JOB`: imports the job module, builds a Context from the flags,
// awaits the job's default export with it, prints the result (util.inspect,
// depth 4) on stdout and a one-line summary on stderr, and stops the context. A promise the
// job left rejected and unhandled fails the run (unhandled-rejections.ts), and so do the
// actions still running when the job returns, which stopping the context cancels. SIGINT and
// SIGTERM exit at once, leaving no scratch files.

import fs from 'node:fs';
import os from 'node:os';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import { Context, type ContextOptions } from '../context.js';
import { errors, isKindlingError } from '../shared/errors.js';
import type { JobHooksData } from './job-hooks.js';
import {
  choiceFlag,
  expectPositionals,
  parseCommandArgs,
  pathArgument,
  positiveIntFlag,
  stringFlag,
  usageError,
} from './args.js';
import { locateSyntaxError } from './syntax-error.js';
import {
  NOT_AWAITED,
  pendingRejectionsReported,
  UnhandledRejections,
} from './unhandled-rejections.js';

const JOB_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    workers: { type: 'string', short: 'w' },
    'checkpoint-dir': { type: 'string' },
    compression: { type: 'string' },
    'event-log-dir': { type: 'string' },
    'no-ui': { type: 'boolean' },
    master: { type: 'string' },
    storage: { type: 'string' },
  });
  const [job] = expectPositionals(positionals, ['JOB']) as [string];
  const workers = positiveIntFlag('--workers', values.workers);
  const checkpointDir = directoryFlag('--checkpoint-dir', values['checkpoint-dir'], true);
  const compression = choiceFlag('--compression', values.compression, ['none', 'lz4'] as const);
  const eventLogDir = directoryFlag('--event-log-dir', values['event-log-dir'], false);
  const ui = values['no-ui'] !== true;
  const master = stringFlag('--master', values.master);
  const storage = directoryFlag('--storage', values.storage, true);
  const jobFile = pathArgument('JOB', job, { expected: 'a job module' });
  if (!JOB_EXTENSIONS.includes(path.extname(jobFile))) {
    throw usageError('JOB', `a ${JOB_EXTENSIONS.join(', ')} file`, job);
  }
  if (!fs.statSync(jobFile, { throwIfNoEntry: false })?.isFile())
    throw usageError('JOB', 'an existing file', job);

  const options: ContextOptions = {
    ...(workers === undefined ? {} : { workers }),
    ...(checkpointDir === undefined ? {} : { checkpointDir }),
    ...(compression === undefined ? {} : { checkpointCompression: compression }),
    ...(eventLogDir === undefined ? {} : { eventLogDir }),
    ui,
    ...(master === undefined ? {} : { master }),
    ...(storage === undefined ? {} : { storage }),
  };
  const unhandled = new UnhandledRejections();
  try {
    return await runJob(jobFile, options, unhandled);
  } finally {
    // The run ends here, once the rejections it already caused are reported (a failed
    // import() rejects an internal promise of Node 20 with the same error, reported late).
    await pendingRejectionsReported();
    unhandled.dispose();
  }
}

/** Loads and runs the job, reports its result or failure; the run's listener is `unhandled`'s. */
async function runJob(
  jobFile: string,
  options: ContextOptions,
  unhandled: UnhandledRejections,
): Promise<number> {
  let main: JobMain;
  try {
    main = await loadJob(jobFile);
  } catch (e) {
    unhandled.close({ error: e });
    throw e;
  }
  const ctx = new Context(options);
  ctx.on('warning', (w) => process.stderr.write(`kindling: warning: ${w.message}\n`));
  // Ctrl-C or SIGTERM: exit as Node would by the signal (128 + its number), but through
  // process.exit, whose 'exit' handlers remove the scratch files of contexts not stopped.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`kindling: interrupted by ${signal}\n`);
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  const uiUrl = options.ui === true ? await ctx.uiWebUrl() : undefined;
  if (uiUrl !== undefined) process.stderr.write(`kindling: web UI at ${uiUrl}/\n`);
  const started = performance.now();
  let failure: { error: unknown } | undefined;
  try {
    // As Node would, an unhandled rejection ends the job at once (without waiting for it).
    const result = await Promise.race([main(ctx), unhandled.first]);
    if (result !== undefined)
      process.stdout.write(inspect(result, { depth: 4, colors: process.stdout.isTTY }) + '\n');
  } catch (e) {
    failure = { error: e };
  }
  await ctx.stop();
  // The actions stop() cancelled reject in microtasks; Node reports the unhandled ones after
  // those, before the next macrotask.
  await pendingRejectionsReported();
  failure ??= unhandled.getFirst();
  // Asked before close(), which marks the reported failure as seen: a job that threw left
  // nothing unawaited, and said so.
  const notAwaited = failure !== undefined && unhandled.has(failure.error);
  unhandled.close(failure);
  if (failure !== undefined && notAwaited) {
    const stopped =
      isKindlingError(failure.error, 'CONTEXT_STOPPED') ||
      isKindlingError(failure.error, 'JOB_CANCELLED');
    process.stderr.write(
      `kindling: ${NOT_AWAITED}${stopped ? ' (the job returned first, and the Context was stopped)' : ''}\n`,
    );
  }
  const { jobs, stages, tasks } = ctx.stats;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stderr.write(
    `kindling: ${failure !== undefined ? 'failed after' : 'done:'} ${plural(jobs, 'job')}, ${plural(stages, 'stage')}, ` +
      `${plural(tasks, 'task')} in ${seconds} s on ${plural(ctx.defaultParallelism, 'worker')}\n`,
  );
  if (failure !== undefined) throw failure.error;
  return 0;
}

type JobMain = (ctx: Context) => unknown;

async function loadJob(jobFile: string): Promise<JobMain> {
  const typescript = /\.m?ts$/.test(jobFile) ? typeScriptLoader() : undefined;
  const { port1: loaded, port2 } = new MessageChannel();
  loaded.unref();
  const data: JobHooksData = {
    kindlingUrl: new URL('../index.js', import.meta.url).href,
    transpile: typescript === 'typescript',
    loaded: port2,
  };
  if (typescript === 'typescript') process.setSourceMapsEnabled(true);
  register(new URL('./job-hooks.js', import.meta.url), { data, transferList: [port2] });
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(jobFile).href)) as { default?: unknown };
  } catch (e) {
    locateSyntaxError(e, loaded);
    throw typescript === 'node' ? strippingFailed(e, jobFile) : e;
  } finally {
    loaded.close();
  }
  if (typeof mod.default !== 'function') {
    throw usageError(
      'JOB',
      'a module whose default export is async (ctx: Context) => unknown',
      mod.default,
    );
  }
  return mod.default as JobMain;
}

/**
 * Who removes a .ts job's types: the typescript package when it is installed
 * (the whole language, the same on every Node), else Node's own type stripping
 * (Node >= 22.18 and 23.6 without a flag: erasable syntax only, no enum or
 * namespace), else nobody, and the job is refused with what to install.
 */
function typeScriptLoader(): 'typescript' | 'node' {
  try {
    import.meta.resolve('typescript');
    return 'typescript';
  } catch {
    // Not installed: fall back to Node's type stripping, where it has one.
  }
  // process.features.typescript is 'strip' or 'transform' where stripping is on, absent before 22.10.
  const stripping: unknown = Reflect.get(process.features, 'typescript');
  if (stripping === 'strip' || stripping === 'transform') return 'node';
  throw errors.unsupported(
    `Running a TypeScript job on Node ${process.version}, which cannot strip types itself, ` +
      `needs the typescript package: npm install typescript`,
  );
}

// Syntax Node's stripping refuses (enum, namespace, parameter properties) fails
// with ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX; the typescript package runs it.
const STRIPPING_ERRORS = ['ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_INVALID_TYPESCRIPT_SYNTAX'];

function strippingFailed(e: unknown, jobFile: string): unknown {
  const code: unknown = e instanceof Error ? Reflect.get(e, 'code') : undefined;
  if (typeof code !== 'string' || !STRIPPING_ERRORS.includes(code)) return e;
  const why = e instanceof Error ? e.message.split('\n')[0] : '';
  return errors.unsupported(
    `Node ${process.version} cannot strip the types of the job ${jobFile} or a module it imports: ${why}. ` +
      `Install the typescript package (npm install typescript), which kindling run uses for the whole language`,
    { path: jobFile },
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A directory flag: a path or a file: URL made absolute; an `s3://` URL checked, where allowed. */
function directoryFlag(
  flag: string,
  raw: string | boolean | undefined,
  s3: boolean,
): string | undefined {
  const value = stringFlag(flag, raw);
  return value === undefined
    ? undefined
    : pathArgument(flag, value, { expected: 'a directory', s3 });
}
