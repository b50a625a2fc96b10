// The issue-7 scale run, scaled down: `node dist/bench/sort-scale.js [N]` sorts N pairs
// [hash(i) % 1000003, 'value-' + i] from 32 partitions into 2 with the default worker heap
// (run it as its own process: its peak RSS is the number reported), checks count and order
// in the tasks, and prints one JSON line with wall time, MB spilled and peak RSS.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from 'kindling';
import { peakRssMb } from './bench-record.js';

const n = Number(process.argv[2] ?? 20_000_000);
const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-sort-scale-'));
const ctx = new Context({ workers: 2, progress: false, localDir });
const t0 = performance.now();
try {
  const parts = await ctx
    .range(0, n, 1, 32)
    .map((i) => [(i * 2_654_435_761) % 1_000_003, 'value-' + i] as [number, string])
    .sortByKey(true, { numPartitions: 2 })
    .mapPartitions(
      (pairs, env) => {
        const fs = require('node:fs') as typeof import('node:fs');
        const path = require('node:path') as typeof import('node:path');
        let records = 0;
        let inOrder = true;
        let prev = -Infinity;
        let spilledBytes = 0;
        for (const [k] of pairs) {
          if (records === 0) {
            for (const f of fs.readdirSync(env.localDir, { recursive: true }) as string[]) {
              if (path.basename(f).startsWith('spill_'))
                spilledBytes += fs.statSync(path.join(env.localDir, f)).size;
            }
          }
          if (k < prev) inOrder = false;
          prev = k;
          records++;
        }
        return [{ records, inOrder, spilledBytes }];
      },
      { env: { localDir } },
    )
    .collect();
  const records = parts.reduce((a, p) => a + p.records, 0);
  process.stdout.write(
    JSON.stringify({
      records,
      expected: n,
      inOrder: parts.every((p) => p.inOrder),
      // Both reduce tasks run at once: the spill files of one may include the other's.
      spilledMbUpperBound: Math.round(parts.reduce((a, p) => a + p.spilledBytes, 0) / 2 ** 20),
      wallS: Math.round((performance.now() - t0) / 100) / 10,
      peakRssMb: peakRssMb(),
      loadAvg1m: os.loadavg()[0],
    }) + '\n',
  );
} finally {
  await ctx.stop();
  fs.rmSync(localDir, { recursive: true, force: true });
}
