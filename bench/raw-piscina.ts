// The raw piscina baseline as the benches use it: a pool of `workers` threads
// running bench/raw-piscina-worker.js, and a Context used the same way, each
// created, used once and torn down inside the measured time.

import { Piscina } from 'piscina';
import { Context } from 'kindling';
import type { RawTask } from './raw-piscina-worker.js';

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
): Promise<R> {
  const ctx = new Context({ workers, progress: false });
  try {
    return await use(ctx);
  } finally {
    await ctx.stop();
  }
}
