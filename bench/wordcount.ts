// wordcount: textFile -> flatMap split -> map [w, 1] -> reduceByKey -> collect
// over a generated 200 MB file, each engine in a child process of its own (see
// wordcount-child.ts), against the plain single-threaded script and skale 1.2.2
// on the same file and worker count. skale is installed on demand into
// bench/.skale/ (gitignored), never as a dependency of the package; when it
// cannot be installed the bench says so and goes on. Targets (issue 2): >= 1.6x
// plain, >= 5x skale, peak RSS <= 1.5 GB. Peak RSS is the child's VmHWM: for
// Kindling that includes its worker threads; skale's forked workers are other
// processes and are not counted (its number is the master's only).

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  best,
  check,
  emit,
  makeRecord,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';
import type { WordcountResult } from './wordcount-child.js';
import { ensureWordcountFile } from './wordcount-data.js';

const BYTES = 200_000_000;
const SKALE_VERSION = '1.2.2';
const SKALE_DIR = fileURLToPath(new URL('../../bench/.skale/', import.meta.url));
const CHILD = fileURLToPath(new URL('./wordcount-child.js', import.meta.url));

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const file = ensureWordcountFile(Math.round(BYTES * opts.scale));
  const bytes = fs.statSync(file).size;
  const skaleDir = ensureSkale(opts);
  const engines = ['plain', 'kindling', ...(skaleDir === undefined ? [] : ['skale'])] as const;
  const records: BenchRecord[] = [];
  let reference: WordcountResult | undefined;
  for (let r = 0; r < opts.runs; r++) {
    for (const engine of engines) {
      const workers = engine === 'plain' ? 1 : opts.workers;
      const result = await runChild(engine, file, workers, skaleDir ?? '');
      reference ??= result;
      const same = result.words === reference.words && result.distinct === reference.distinct;
      const note = same
        ? undefined
        : `counted ${result.words}/${result.distinct}, plain ${reference.words}/${reference.distinct}`;
      const variant =
        engine === 'plain'
          ? 'plain script'
          : engine === 'skale'
            ? `skale ${SKALE_VERSION}`
            : 'kindling';
      records.push(
        emit(
          opts,
          makeRecord({
            bench: 'wordcount',
            variant,
            run: r,
            records: result.words,
            bytes,
            workers,
            wallMs: result.wallMs,
            cpuMs: result.cpuMs,
            peakRssMb: result.peakRssMb,
            ...(note === undefined ? {} : { note }),
          }),
        ),
      );
    }
  }
  const k = best(records, 'kindling');
  const peak = Math.max(
    ...records.filter((x) => x.variant === 'kindling').map((x) => x.peakRssMb ?? 0),
  );
  k.checks = [
    check(
      `kindling(${opts.workers}) vs plain script`,
      best(records, 'plain script').wallMs / k.wallMs,
      'x',
      '>= 1.8',
    ),
    check('kindling peak RSS', peak, 'MB', '<= 1500'),
  ];
  if (skaleDir !== undefined) {
    k.checks.push(
      check(
        `kindling(${opts.workers}) vs skale(${opts.workers})`,
        best(records, `skale ${SKALE_VERSION}`).wallMs / k.wallMs,
        'x',
        '>= 6',
      ),
    );
  }
  return records;
}

async function runChild(
  engine: string,
  file: string,
  workers: number,
  skaleDir: string,
): Promise<WordcountResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CHILD, engine, file, String(workers), skaleDir],
    {
      maxBuffer: 1 << 20,
      timeout: 15 * 60_000,
    },
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as WordcountResult;
}

/** The skale package directory, installing it on first use; undefined (and said) when that fails. */
function ensureSkale(opts: BenchOptions): string | undefined {
  const installed = path.join(SKALE_DIR, 'node_modules', 'skale');
  const version = (): string | undefined => {
    try {
      return (
        JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return undefined;
    }
  };
  if (version() !== SKALE_VERSION) {
    opts.log(
      `# installing skale@${SKALE_VERSION} into bench/.skale/ (not a dependency of kindling)`,
    );
    try {
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          SKALE_DIR,
          `skale@${SKALE_VERSION}`,
          '--legacy-peer-deps',
          '--no-audit',
          '--no-fund',
        ],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          timeout: 10 * 60_000,
        },
      );
    } catch (e) {
      opts.log(
        `# skale could not be installed, its comparison is skipped: ${(e as Error).message.split('\n')[0]}`,
      );
      return undefined;
    }
  }
  return version() === SKALE_VERSION ? installed : undefined;
}
