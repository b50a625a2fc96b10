// Command-line parsing for `kindling`: node:util parseArgs with strict options,
// and the usage text. A usage mistake is an INVALID_ARGUMENT KindlingError
// carrying exit code 2, so main.ts prints it with the usage and exits 2.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errors, KindlingError } from '../shared/errors.js';
import { localPath, type PathRules } from '../storage/local-path.js';

export const USAGE = `Usage:
  kindling run JOB [--workers N] [--checkpoint-dir DIR|s3://BUCKET/PREFIX] [--compression none|lz4]
                   [--event-log-dir DIR] [--no-ui] [--master URL] [--storage DIR|s3://BUCKET/PREFIX]
      JOB is a .js, .mjs or .ts module whose default export is async (ctx: Context) => unknown;
      the web UI is on (port 4040 or the next free one) unless --no-ui
  kindling inspect DIR|s3://BUCKET/PREFIX [--json]
      a checkpoint (_manifest.json) or a streaming checkpoint (checkpoint-<ms> files): what is there, verified
  kindling bench [NAME] [--list] [--runs N] [--workers N] [--scale F] [--out DIR]
      the benchmark suite, or one bench of it; results go to bench/results/<name>.json
      (or DIR); --scale in (0, 1] shrinks the data
  kindling ui EVENTLOG_OR_DIR [--port N] [--host H]
      the web UI over event logs (eventLogDir) of finished or running applications; port 18080
  kindling worker --master redis://[:password@]host:port[/db] [--threads N] [--name NAME]
      a cluster worker process: runs the tasks of drivers started with --master on the same URL
  kindling --help | --version`;

/** An argument error: printed with the usage, exit code 2. */
export class UsageError extends KindlingError {
  constructor(message: string, argument?: string) {
    super('INVALID_ARGUMENT', message, argument === undefined ? {} : { argument });
  }
}

/** `why`, when given, says what is wrong with a value of the expected kind. */
export function usageError(
  argument: string,
  expected: string,
  received: unknown,
  why?: string,
): UsageError {
  const message = errors.invalidArgument(argument, expected, received).message;
  return new UsageError(why === undefined ? message : `${message}: ${why}`, argument);
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** parseArgs in strict mode; its own errors (unknown option, missing value) become UsageErrors. */
export function parseCommandArgs(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `--workers 3` -> 3; anything but a positive integer names the flag and the value. */
export function positiveIntFlag(
  flag: string,
  raw: string | boolean | undefined,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(flag, 'a positive integer', raw);
  return n;
}

export function choiceFlag<C extends string>(
  flag: string,
  raw: string | boolean | undefined,
  choices: readonly C[],
): C | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw usageError(flag, choices.map((c) => `'${c}'`).join(' or '), raw);
  }
  return raw as C;
}

export function stringFlag(flag: string, raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw usageError(flag, 'a non-empty string', raw);
  return raw;
}

/**
 * A path argument or flag (`JOB`, `--checkpoint-dir`): a path or a `file:` URL made absolute,
 * or an `s3://` URL where `rules.s3` allows; any other scheme is a usage error naming it.
 */
export function pathArgument(name: string, raw: string, rules: PathRules = {}): string {
  try {
    return localPath(raw, name, rules);
  } catch (e) {
    throw e instanceof KindlingError ? new UsageError(e.message, name) : e;
  }
}

/** Exactly `n` positionals after the command, each named for the error. */
export function expectPositionals(
  positionals: string[],
  names: string[],
  min = names.length,
): string[] {
  if (positionals.length < min)
    throw new UsageError(`Missing argument ${names[positionals.length] ?? ''}`.trim());
  if (positionals.length > names.length) {
    throw usageError(
      'arguments',
      `at most ${names.length} (${names.join(', ')})`,
      positionals.join(' '),
    );
  }
  return positionals;
}
