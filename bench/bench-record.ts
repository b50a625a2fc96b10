// What every whole-job bench prints and returns: one BenchRecord per run (one
// JSON line), with the machine it ran on, and checks that compare a variant
// against a baseline measured in the same run. Shared helpers: timing, peak RSS.

import fs from 'node:fs';
import os from 'node:os';

export interface BenchCheck {
  /** e.g. "kindling(2) vs plain loop" */
  name: string;
  value: number;
  unit: 'x' | 'ms' | 'MB' | 'µs' | 'ns' | 'count';
  /** e.g. ">= 1.8", or "info" for a number reported next to the others */
  target: string;
  met: boolean;
}

export interface BenchRecord {
  bench: string;
  /** kindling, plain loop, raw piscina, skale ... */
  variant: string;
  run: number;
  records: number;
  bytes: number;
  workers: number;
  wallMs: number;
  /**
   * CPU time of the whole process over the run (all its threads; for a child
   * process, that child's). On a shared machine wall time says what the others
   * left us; CPU time says what the work cost.
   */
  cpuMs?: number;
  recordsPerSec: number;
  mbPerSec: number;
  node: string;
  cpus: number;
  loadAvg1m: number;
  peakRssMb?: number;
  note?: string;
  checks?: BenchCheck[];
}

export interface BenchOptions {
  /** Worker count for the engine variants; default 2 (the targets are stated for 2). */
  workers: number;
  /** Repetitions per variant; ratios use each variant's fastest run. */
  runs: number;
  /** Fraction of the full data size, for quick runs (1 = the sizes of the targets). */
  scale: number;
  /** Receives each JSON line as it is produced. */
  log(line: string): void;
}

export function makeRecord(
  fields: Omit<BenchRecord, 'recordsPerSec' | 'mbPerSec' | 'node' | 'cpus' | 'loadAvg1m'>,
): BenchRecord {
  const seconds = fields.wallMs / 1000;
  return {
    ...fields,
    wallMs: round(fields.wallMs),
    ...(fields.cpuMs === undefined ? {} : { cpuMs: round(fields.cpuMs) }),
    recordsPerSec: Math.round(fields.records / seconds),
    mbPerSec: round(fields.bytes / 1e6 / seconds),
    node: process.version,
    cpus: os.availableParallelism(),
    loadAvg1m: round(os.loadavg()[0] ?? 0),
  };
}

export function emit(opts: BenchOptions, record: BenchRecord): BenchRecord {
  opts.log(JSON.stringify(record));
  return record;
}

/** A value against its target (">= 1.8", "<= 1000"); target "info": reported, not judged. */
export function check(
  name: string,
  value: number,
  unit: BenchCheck['unit'],
  target: string,
): BenchCheck {
  if (target === 'info') return { name, value: round(value), unit, target, met: true };
  const m = /^(>=|<=)\s*([\d.]+)$/.exec(target);
  const bound = Number(m?.[2]);
  const met = m?.[1] === '>=' ? value >= bound : value <= bound;
  return { name, value: round(value), unit, target, met };
}

/** The fastest run of a variant: on a shared machine the minimum is the least disturbed one. */
export function best(records: BenchRecord[], variant: string): BenchRecord {
  const mine = records.filter((r) => r.variant === variant);
  const fastest = mine.reduce<BenchRecord | undefined>(
    (a, r) => (a === undefined || r.wallMs < a.wallMs ? r : a),
    undefined,
  );
  if (fastest === undefined) throw new RangeError(`no run of ${variant}`);
  return fastest;
}

export async function timed<T>(
  f: () => Promise<T> | T,
): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: round((c.user + c.system) / 1000) };
}

/** Peak resident set of this process (worker threads included) from /proc, in MB. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m?.[1] !== undefined) return round(Number(m[1]) / 1024);
  } catch {
    // not Linux: fall through to the current RSS
  }
  return round(process.memoryUsage.rss() / 1e6 / 1.048576);
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
