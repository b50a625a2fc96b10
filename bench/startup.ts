// startup: what a one-job script pays before and around its work, each run a new process.
// `node` starts Node and exits (the baseline); `import` also imports kindling; `first-job`
// also runs a new Context's first small reduceByKey on its worker threads and stops it.
// Reported: the process's wall time for each, and, measured inside it, the import's and the
// first job's time. No target: the numbers the README quotes, measured where they are quoted.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  best,
  check,
  emit,
  makeRecord,
  timed,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';
import type { StartupResult } from './startup-child.js';

const CHILD = fileURLToPath(new URL('./startup-child.js', import.meta.url));
const VARIANTS = ['node', 'import', 'first-job'] as const;

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const inside = new Map<BenchRecord, StartupResult>();
  for (let r = 0; r < opts.runs; r++) {
    for (const variant of VARIANTS) {
      const t = await timed(() => runChild(variant, opts.workers));
      const note = `import ${Math.round(t.value.importMs)} ms, job ${Math.round(t.value.jobMs)} ms`;
      const record = emit(
        opts,
        makeRecord({
          bench: 'startup',
          variant,
          run: r,
          records: 1,
          bytes: 0,
          workers: opts.workers,
          wallMs: t.ms,
          note,
        }),
      );
      inside.set(record, t.value);
      records.push(record);
    }
  }
  const node = best(records, 'node');
  const imported = best(records, 'import');
  const job = best(records, 'first-job');
  imported.checks = [
    check("import('kindling') ms", fastest(records, inside, 'import', 'importMs'), 'ms', 'info'),
    check('process wall ms over bare node', imported.wallMs - node.wallMs, 'ms', 'info'),
  ];
  job.checks = [
    check(
      'first job ms (new Context, job, stop)',
      fastest(records, inside, 'first-job', 'jobMs'),
      'ms',
      'info',
    ),
    check('process wall ms over bare node', job.wallMs - node.wallMs, 'ms', 'info'),
  ];
  return records;
}

/** The least of a variant's in-process measurements over its runs. */
function fastest(
  records: BenchRecord[],
  inside: Map<BenchRecord, StartupResult>,
  variant: string,
  field: keyof StartupResult,
): number {
  const mine = records.filter((r) => r.variant === variant);
  return Math.min(...mine.map((r) => inside.get(r)?.[field] ?? Infinity));
}

async function runChild(variant: string, workers: number): Promise<StartupResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CHILD, variant, String(workers)],
    {
      maxBuffer: 1 << 20,
      timeout: 5 * 60_000,
    },
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as StartupResult;
}
