// One word count run in a process of its own, so its peak RSS is its own:
//   node dist/bench/wordcount-child.js kindling|plain|skale FILE WORKERS [SKALE_DIR]
// prints {words, distinct, wallMs, peakRssMb} as JSON. `plain` is the baseline
// single-threaded script: the file streamed line by line, counted in a Map.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { Context } from 'kindling';
import { peakRssMb } from './bench-record.js';

export interface WordcountResult {
  words: number;
  distinct: number;
  wallMs: number;
  /** This process's CPU time, all threads (skale's forked workers not included). */
  cpuMs: number;
  peakRssMb: number;
}

type Counts = Iterable<[string, number]>;

async function plain(file: string): Promise<Counts> {
  const counts = new Map<string, number>();
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

async function kindling(file: string, workers: number): Promise<Counts> {
  const ctx = new Context({ workers, progress: false });
  try {
    return await ctx
      .textFile(file, workers * 8)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b)
      .collect();
  } finally {
    await ctx.stop();
  }
}

interface SkaleDataset {
  flatMap(f: (line: string) => string[]): SkaleDataset;
  map(f: (w: string) => [string, number]): SkaleDataset;
  reduceByKey(f: (a: number, b: number) => number, init: number): SkaleDataset;
  collect(done: (err: unknown, result: [string, number][]) => void): void;
}
interface SkaleContext {
  textFile(file: string): SkaleDataset;
  end(): void;
}

async function skale(file: string, workers: number, skaleDir: string): Promise<Counts> {
  process.env.SKALE_WORKERS = String(workers);
  const require = createRequire(path.join(skaleDir, 'package.json'));
  const sc = (require('skale') as { context(): SkaleContext }).context();
  return new Promise((resolve, reject) => {
    sc.textFile(file)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1])
      .reduceByKey((a, b) => a + b, 0)
      .collect((err, result) => {
        sc.end();
        if (err) reject(err instanceof Error ? err : new RangeError(JSON.stringify(err)));
        else resolve(result);
      });
  });
}

const [engine, file, workersArg, skaleDir] = process.argv.slice(2);
const workers = Number(workersArg);
const c0 = process.cpuUsage();
const t0 = performance.now();
const counts =
  engine === 'plain'
    ? await plain(file as string)
    : engine === 'skale'
      ? await skale(file as string, workers, skaleDir as string)
      : await kindling(file as string, workers);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
let words = 0;
let distinct = 0;
for (const [, n] of counts) {
  words += n;
  distinct++;
}
const result: WordcountResult = {
  words,
  distinct,
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  peakRssMb: peakRssMb(),
};
process.stdout.write(JSON.stringify(result) + '\n');
// skale leaves its IPC channels to its forked workers open for a while.
process.exit(0);
