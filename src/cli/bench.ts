// `kindling bench [NAME]`: runs the suite of bench/suite.ts (or one bench),
// streams each run's JSON line to stderr, prints a table of the fastest run of
// each variant with the targets met or missed, and writes
// bench/results/<name>.json with the machine it ran on.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, BenchRecord } from '../../bench/bench-record.js';
import { SUITE } from '../../bench/suite.js';
import { ensureDirectory, fileInTheWay, withIo } from '../shared/io-errors.js';
import {
  expectPositionals,
  parseCommandArgs,
  pathArgument,
  positiveIntFlag,
  stringFlag,
  usageError,
} from './args.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

export async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    workers: { type: 'string', short: 'w' },
    runs: { type: 'string' },
    scale: { type: 'string' },
    out: { type: 'string' },
    list: { type: 'boolean' },
  });
  if (values.list === true) {
    for (const b of SUITE) process.stdout.write(`${b.name.padEnd(16)}${b.description}\n`);
    return 0;
  }
  const [name] = expectPositionals(positionals, ['NAME'], 0);
  const selected =
    name === undefined ? SUITE.filter((b) => b.inSuite) : SUITE.filter((b) => b.name === name);
  if (selected.length === 0)
    throw usageError('NAME', `one of ${SUITE.map((b) => b.name).join(', ')}`, name);
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0 && scale <= 1)) throw usageError('--scale', 'a number in (0, 1]', values.scale);
  const opts: BenchOptions = {
    workers: positiveIntFlag('--workers', values.workers) ?? 2,
    runs: positiveIntFlag('--runs', values.runs) ?? 3,
    scale,
    log: (line) => process.stderr.write(line + '\n'),
  };
  const outDir = resultsDir(stringFlag('--out', values.out));
  let missed = 0;
  for (const bench of selected) {
    process.stderr.write(`# ${bench.name}: ${bench.description}\n`);
    const started = new Date().toISOString();
    const records = await bench.run(opts);
    if (records.length === 0) continue;
    process.stdout.write(table(bench.name, records) + '\n');
    missed += records.flatMap((r) => r.checks ?? []).filter((c) => !c.met).length;
    const file = path.join(outDir, `${bench.name}.json`);
    writeResult(
      file,
      JSON.stringify(
        {
          bench: bench.name,
          started,
          machine: machine(),
          options: { ...opts, log: undefined },
          records,
        },
        null,
        2,
      ) + '\n',
    );
    process.stderr.write(`# wrote ${path.relative(process.cwd(), file)}\n`);
    for (const { file: name, content } of bench.artifacts?.(records, opts) ?? []) {
      writeResult(path.join(outDir, name), content);
      process.stderr.write(`# wrote ${path.relative(process.cwd(), path.join(outDir, name))}\n`);
    }
  }
  if (missed > 0)
    process.stderr.write(`# ${missed} target(s) missed on this run (see the tables)\n`);
  return 0;
}

/**
 * The results directory, made before any bench runs: a bench takes minutes, and an --out that
 * can never be a directory must not cost them (or their results).
 */
function resultsDir(out: string | undefined): string {
  const dir =
    out === undefined ? RESULTS_DIR : pathArgument('--out', out, { expected: 'a directory' });
  const blocker = fileInTheWay(dir);
  if (blocker !== undefined) {
    throw usageError(
      '--out',
      'a directory or a path where one can be created',
      out,
      `${blocker} exists and is not a directory`,
    );
  }
  ensureDirectory(dir, 'bench results directory');
  return dir;
}

function writeResult(file: string, content: string): void {
  withIo('write the bench result', file, () => fs.writeFileSync(file, content));
}

function machine(): Record<string, unknown> {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    // Whether other work shared the cores: read it from the load average, not from a note.
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The fastest run of each variant, then the checks. */
export function table(name: string, records: BenchRecord[]): string {
  const variants = [...new Set(records.map((r) => r.variant))];
  const rows = variants.map((v) => {
    const runs = records.filter((r) => r.variant === v);
    const b = runs.reduce((a, r) => (r.wallMs < a.wallMs ? r : a));
    return [
      v,
      String(b.workers),
      b.wallMs.toFixed(0),
      runs.map((r) => r.wallMs.toFixed(0)).join('/'),
      b.cpuMs === undefined ? '-' : b.cpuMs.toFixed(0),
      b.recordsPerSec.toLocaleString('en'),
      b.bytes === 0 ? '-' : b.mbPerSec.toFixed(1),
      b.peakRssMb === undefined ? '-' : b.peakRssMb.toFixed(0),
    ];
  });
  const head = [
    'variant',
    'workers',
    'best ms',
    'all runs ms',
    'CPU ms',
    'records/s',
    'MB/s',
    'peak RSS MB',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const checks = records.flatMap((r) => r.checks ?? []);
  return [
    `\n${name}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...checks.map(
      (c) =>
        `  ${c.target === 'info' ? 'INFO  ' : c.met ? 'MET   ' : 'MISSED'} ${c.name}: ${c.value}${c.unit === 'x' ? 'x' : ' ' + c.unit} ${c.target === 'info' ? '' : `(target ${c.target}${c.unit === 'x' ? 'x' : ' ' + c.unit})`}`,
    ),
  ].join('\n');
}
