// One start of a process, measured from inside it:
//   node dist/bench/startup-child.js node|import|first-job WORKERS
// prints {importMs, jobMs} as JSON: how long `import('kindling')` took (0 for `node`, which
// imports nothing: the cost of starting Node itself) and, for `first-job`, a new Context's
// first small shuffle job with its worker threads' start and stop (0 otherwise).

import type { Context as ContextType } from 'kindling';

export interface StartupResult {
  importMs: number;
  jobMs: number;
}

async function main(variant: string, workers: number): Promise<StartupResult> {
  if (variant === 'node') return { importMs: 0, jobMs: 0 };
  const t0 = performance.now();
  const { Context } = (await import('kindling')) as { Context: typeof ContextType };
  const importMs = performance.now() - t0;
  if (variant !== 'first-job') return { importMs, jobMs: 0 };
  const t1 = performance.now();
  const ctx = new Context({ workers, progress: false });
  try {
    const counts = await ctx
      .range(0, 10_000, 1, workers * 2)
      .map((x) => [x % 100, 1] as [number, number])
      .reduceByKey((a, b) => a + b)
      .count();
    if (counts !== 100) throw new Error(`first job counted ${counts} keys, not 100`);
  } finally {
    await ctx.stop();
  }
  return { importMs, jobMs: performance.now() - t1 };
}

const result = await main(process.argv[2] ?? 'node', Number(process.argv[3] ?? 2));
process.stdout.write(`${JSON.stringify(result)}\n`);
