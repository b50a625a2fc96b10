// The benchmark suite `kindling bench` runs: whole-job benches, each a module
// exporting a run function that returns BenchRecords, loaded only when asked for.

import type { BenchOptions, BenchRecord } from './bench-record.js';
import { renderSvg } from './checkpoint-chart.js';

export interface BenchEntry {
  name: string;
  description: string;
  /** Part of a plain `kindling bench` (false: run only by name). */
  inSuite: boolean;
  run(opts: BenchOptions): Promise<BenchRecord[]>;
  /** Files to write next to <name>.json (e.g. a chart), from the run's records. */
  artifacts?(records: BenchRecord[], opts: BenchOptions): { file: string; content: string }[];
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
  {
    name: 'checkpoint',
    description:
      'checkpoint write and read-back of numbers, objects and pairs vs raw disk, v8, lz4',
    inSuite: true,
    run: async (o) => (await import('./checkpoint.js')).runCheckpointBench(o),
    artifacts: (records, o) => [{ file: 'checkpoint.svg', content: renderSvg(records, o.workers) }],
  },
  {
    name: 'streaming',
    description: 'stateful streaming word count: sustained lines/s, checkpoint costs',
    inSuite: true,
    run: async (o) => (await import('./streaming.js')).runStreamingBench(o),
  },
  {
    name: 'shuffle',
    description:
      'reduceByKey, distinct, join over 4M records x number/string/[string, number] keys vs plain Map/Set code',
    inSuite: false,
    run: async (o) => (await import('./shuffle.js')).run(o),
  },
  {
    name: 'pagerank',
    description: 'PageRank, 10 iterations over 200,000 generated edges vs a naive plain script',
    inSuite: false,
    run: async (o) => (await import('./pagerank.js')).run(o),
  },
  {
    name: 'startup',
    description:
      "a new process: bare node vs import('kindling') vs a first small job on a new Context",
    inSuite: false,
    run: async (o) => (await import('./startup.js')).run(o),
  },
  {
    name: 'sort',
    description: '5M [number, string] pairs sorted into one partition: spilling vs in memory',
    inSuite: false,
    run: async (o) => (await import('./sort.js')).run(o),
  },
  {
    name: 'cluster',
    description:
      'cpu-scaling job, word count and 1-record tasks: 2 `kindling worker` processes on redis vs 2 threads (needs redis-server)',
    inSuite: false,
    run: async (o) => (await import('./cluster.js')).run(o),
  },
];
