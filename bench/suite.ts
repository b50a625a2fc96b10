// The benchmark suite `kindling bench` runs: whole-job benches, each a module
// exporting run(opts) => BenchRecord[]. `checkpoint` and `streaming` belong to
// the checkpoint and streaming work (bench/checkpoint.ts, bench/streaming.ts)
// and are loaded only when present in the build.

import type { BenchOptions, BenchRecord } from './bench-record.js';

export interface BenchEntry {
  name: string;
  description: string;
  /** Part of a plain `kindling bench` (false: run only by name). */
  inSuite: boolean;
  run(opts: BenchOptions): Promise<BenchRecord[]>;
}

/** A bench in a module that may not be built yet; its absence is reported, not thrown. */
function optional(
  name: string,
  description: string,
  module: string,
  exportNames: string[],
): BenchEntry {
  return {
    name,
    description,
    inSuite: true,
    async run(opts) {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(new URL(module, import.meta.url).href)) as Record<string, unknown>;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
        opts.log(
          `# ${name}: bench/${module.replace('./', '').replace(/\.js$/, '.ts')} is not part of this build yet`,
        );
        return [];
      }
      const f = exportNames.map((n) => mod[n]).find((x) => typeof x === 'function');
      if (typeof f !== 'function') {
        opts.log(`# ${name}: ${module} exports none of ${exportNames.join(', ')}`);
        return [];
      }
      const out: unknown = await (f as (o: BenchOptions) => unknown)(opts);
      return Array.isArray(out) ? (out as BenchRecord[]) : [];
    },
  };
}

export const SUITE: BenchEntry[] = [
  {
    name: 'cpu-scaling',
    description: 'CPU-bound map over 8M numbers in 16 partitions vs plain loop and raw piscina',
    inSuite: true,
    run: async (o) => (await import('./cpu-scaling.js')).run(o),
  },
  {
    name: 'task-overhead',
    description: 'range(0, 10000, 1, 10000).count(): per-task cost vs raw piscina round trips',
    inSuite: true,
    run: async (o) => (await import('./task-overhead.js')).run(o),
  },
  {
    name: 'wordcount',
    description: 'word count over a generated 200 MB file vs a plain script and skale 1.2.2',
    inSuite: true,
    run: async (o) => (await import('./wordcount.js')).run(o),
  },
  optional(
    'checkpoint',
    'checkpoint write and read-back (bench/checkpoint.ts)',
    './checkpoint.js',
    ['runCheckpointBench'],
  ),
  optional('streaming', 'streaming word count (bench/streaming.ts)', './streaming.js', [
    'runStreamingBench',
    'run',
  ]),
];
