// The `npm start` demo: a CPU-heavy job on every core, compared with the same
// loop on one thread. Run it with `npm start` (or `node dist/examples/demo.js`).

import os from 'node:os';
import { Context, fn } from 'kindling';
import { costly } from './costly.js';

const N = 4_000_000;

async function main(): Promise<void> {
  const t0 = performance.now();
  let expected = 0;
  for (let i = 0; i < N; i++) expected += costly(i);
  const single = performance.now() - t0;

  const ctx = new Context();
  try {
    const t1 = performance.now();
    const total = await ctx
      .range(0, N, 1, ctx.defaultParallelism * 4)
      .map<number>(fn(new URL('./costly.js', import.meta.url), 'costly'))
      .reduce((a: number, b: number) => a + b);
    const parallel = performance.now() - t1;
    const words = await ctx
      .parallelize(['to be or not to be', 'that is the question', 'to sleep perchance to dream'], 2)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b)
      .sortBy((kv) => -kv[1])
      .take(3);
    console.log(`sum of costly(x) for x < ${N.toLocaleString('en')}: ${total.toFixed(3)}`);
    console.log(
      `  plain loop on one thread:     ${expected.toFixed(3)} in ${single.toFixed(0)} ms`,
    );
    console.log(
      `  kindling on ${ctx.defaultParallelism} workers (${os.cpus().length} cores): ${parallel.toFixed(0)} ms, ` +
        `speedup ${(single / parallel).toFixed(2)}x`,
    );
    console.log(`top words: ${words.map(([w, n]) => `${w}=${n}`).join(', ')}`);
  } finally {
    await ctx.stop();
  }
}

await main();
