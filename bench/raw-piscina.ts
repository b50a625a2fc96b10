// The raw piscina baseline as the benches use it: a pool of `workers` threads
// running bench/raw-piscina-worker.js, and a Context used the same way, each
// created, used once and torn down inside the measured time.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { Context } from 'kindling';
import type { RawTask } from './raw-piscina-worker.js';
import { check, type BenchCheck, type BenchRecord } from './bench-record.js';

const RAW_WORKER = new URL('./raw-piscina-worker.js', import.meta.url).href;

export async function withRawPool<R>(
  workers: number,
  use: (pool: Piscina<RawTask, number>) => Promise<R>,
): Promise<R> {
  const pool = new Piscina<RawTask, number>({
    filename: RAW_WORKER,
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    return await use(pool);
  } finally {
    await pool.destroy();
  }
}

export async function withContext<R>(
  workers: number,
  use: (ctx: Context) => Promise<R>,
  observed = false,
): Promise<R> {
  // observed: the web UI (ephemeral port) and an event log on, to price them (issue 12).
  const logDir = observed ? fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-log-')) : '';
  const ctx = new Context({
    workers,
    progress: false,
    ...(observed ? { ui: 0, eventLogDir: logDir } : {}),
  });
  try {
    return await use(ctx);
  } finally {
    await ctx.stop();
    if (observed) fs.rmSync(logDir, { recursive: true, force: true });
  }
}

/** The variant name of a bench run with the UI and event log on. */
export const OBSERVED = 'kindling + ui + event log';

/** The UI and event log's price: wall and CPU of the observed run over the plain one. */
export function observedChecks(plain: BenchRecord, observed: BenchRecord): BenchCheck[] {
  return [
    check('wall with UI + event log / without', observed.wallMs / plain.wallMs, 'x', '<= 1.03'),
    check(
      'CPU with UI + event log / without',
      (observed.cpuMs ?? NaN) / (plain.cpuMs ?? NaN),
      'x',
      '<= 1.03',
    ),
  ];
}
