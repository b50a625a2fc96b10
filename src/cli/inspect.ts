// `kindling inspect DIR [--json]`: a directory with _manifest.json is an RDD
// checkpoint, read by src/checkpoint/inspect.ts (inspectCheckpoint), an `s3://` prefix one
// read by src/checkpoint/remote-inspect.ts (inspectRemoteCheckpoint); one with
// checkpoint-<ms> files is a streaming checkpoint, read by src/streaming/
// (inspectStreamingCheckpoint). Both verify every checksum. The contract:
//   inspectX(dir) => Report | Promise<Report>, a plain JSON-able object with
//   { ok: false, firstError } (RDD checkpoints) or { verified: false, problems }
//   (streaming) when damaged; a thrown error counts as damage too. A module may also export
//   formatX(report) => string for the readable report; otherwise it is rendered
//   generically. Exit 0 when verified, 1 when damaged, 2 on usage errors.
// The readers are imported by a computed specifier, so the CLI builds before they exist.

import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { errors, isKindlingError, KindlingError } from '../shared/errors.js';
import { withIo } from '../shared/io-errors.js';
import { isS3Url } from '../storage/storage-url.js';
import { expectPositionals, parseCommandArgs, pathArgument, usageError } from './args.js';
import { formatError } from './print-error.js';

interface Reader {
  module: string;
  inspectName: string;
  formatName: string;
}

const READERS = {
  checkpoint: {
    module: '../checkpoint/inspect.js',
    inspectName: 'inspectCheckpoint',
    formatName: 'formatCheckpointReport',
  },
  streaming: {
    module: '../streaming/inspect.js',
    inspectName: 'inspectStreamingCheckpoint',
    formatName: 'formatStreamingCheckpointReport',
  },
} satisfies Record<string, Reader>;

/** An `s3://` prefix: only RDD checkpoints live on S3 (streaming ones are refused there). */
const REMOTE_CHECKPOINT: Reader = {
  module: '../checkpoint/remote-inspect.js',
  inspectName: 'inspectRemoteCheckpoint',
  formatName: 'formatCheckpointReport',
};

export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
  const [dir] = expectPositionals(positionals, ['DIR']) as [string];
  const where = pathArgument('DIR', dir, { expected: 'a checkpoint directory', s3: true });
  const { kind, reader, target } = isS3Url(where)
    ? { kind: 'checkpoint', reader: REMOTE_CHECKPOINT, target: where }
    : locateLocal(where);
  const mod = await importReader(reader);
  const inspectFn = mod[reader.inspectName];
  if (typeof inspectFn !== 'function') {
    throw errors.unsupported(
      `kindling inspect: ${reader.module} does not export ${reader.inspectName}() yet`,
    );
  }
  let report: unknown;
  try {
    report = await (inspectFn as (dir: string) => unknown)(target);
  } catch (e) {
    // On S3 the reader also finds the checkpoint: nothing there, or storage that does not
    // answer, is not damage (as a missing local directory, found above, is not).
    const notFound = isKindlingError(e, 'CHECKPOINT_NOT_FOUND') || isKindlingError(e, 'IO_ERROR');
    if (reader === REMOTE_CHECKPOINT && notFound) throw e;
    if (values.json === true)
      process.stdout.write(JSON.stringify({ ok: false, error: errorJson(e) }, null, 2) + '\n');
    process.stderr.write(`kindling inspect: ${kind} at ${dir} is damaged\n${formatError(e)}\n`);
    return 1;
  }
  const formatFn = mod[reader.formatName];
  if (values.json === true) process.stdout.write(JSON.stringify(report, jsonReplacer, 2) + '\n');
  else if (typeof formatFn === 'function')
    process.stdout.write(String((formatFn as (r: unknown) => unknown)(report)) + '\n');
  else process.stdout.write(`${kind} ${target}\n${render(report)}\n`);
  const damage = firstDamage(report);
  if (damage === undefined) return 0;
  process.stderr.write(`kindling inspect: ${kind} at ${dir} is damaged: ${damage}\n`);
  return 1;
}

/** Which kind of checkpoint a local directory holds, by its files. */
function locateLocal(dir: string): { kind: keyof typeof READERS; reader: Reader; target: string } {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined)
    throw errors.checkpointNotFound(path.resolve(dir), 'the directory does not exist');
  if (!stat.isDirectory()) throw usageError('DIR', 'a checkpoint directory', dir);
  const entries = withIo('list the checkpoint directory', path.resolve(dir), () =>
    fs.readdirSync(dir),
  );
  const kind = entries.includes('_manifest.json')
    ? 'checkpoint'
    : entries.some((f) => /^checkpoint-\d+/.test(f))
      ? 'streaming'
      : undefined;
  if (kind === undefined) {
    throw errors.checkpointNotFound(
      path.resolve(dir),
      'neither an RDD checkpoint (no _manifest.json) nor a streaming checkpoint (no checkpoint-<ms> files)',
    );
  }
  return { kind, reader: READERS[kind], target: path.resolve(dir) };
}

/** What is wrong, from either report shape: { ok, firstError } or { verified, problems }. */
function firstDamage(report: unknown): string | undefined {
  const r = (report ?? {}) as {
    ok?: unknown;
    verified?: unknown;
    firstError?: unknown;
    problems?: unknown;
  };
  if (r.ok !== false && r.verified !== false) return undefined;
  const first = r.firstError as { code?: unknown; message?: unknown } | null | undefined;
  if (first !== null && first !== undefined)
    return `[${String(first.code)}] ${String(first.message)}`;
  if (Array.isArray(r.problems) && r.problems.length > 0) return String(r.problems[0]);
  return 'not verified';
}

async function importReader(reader: Reader): Promise<Record<string, unknown>> {
  const specifier = new URL(reader.module, import.meta.url).href;
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw errors.unsupported(
      `kindling inspect: the reader ${reader.module.replace('../', 'src/').replace(/\.js$/, '.ts')} ` +
        `(${reader.inspectName}) is not part of this build yet`,
    );
  }
}

function errorJson(e: unknown): unknown {
  if (e instanceof KindlingError) return { code: e.code, message: e.message, ...e.context };
  return { message: e instanceof Error ? e.message : String(e) };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** A readable rendering of a report whose shape this module does not know: key: value lines. */
function render(value: unknown, indent = '  '): string {
  if (value === null || typeof value !== 'object') return indent + inspect(value);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null)) {
      lines.push(`${indent}${k}: (${v.length})`);
      for (const item of v.slice(0, 50))
        lines.push(`${indent}  - ${inspect(item, { breakLength: Infinity, depth: 2 })}`);
      if (v.length > 50) lines.push(`${indent}  ... ${v.length - 50} more`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      lines.push(`${indent}${k}:`, render(v, indent + '  '));
    } else {
      lines.push(`${indent}${k}: ${inspect(v, { breakLength: Infinity })}`);
    }
  }
  return lines.join('\n');
}
