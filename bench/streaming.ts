// Streaming bench (issue 4): a stateful word count (updateStateByKey) over
// textFileStream with 1 s batches on the system clock. While batch t runs, the
// producer drops the file for the next batch, so input arrives as the stream
// works. A rate is sustained when every measured batch finishes within the
// interval (total delay < interval); the rate doubles until one is not, then is
// bisected. Also measured: the cost of one metadata checkpoint write (ms), and
// of a state checkpoint (MB/s: the extra time checkpoint() adds to a job over
// the cached state), compared with the checkpoint bench's write ceiling.
// Run as `kindling bench streaming [--scale F]` (writes
// bench/results/streaming.json).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Context,
  HashPartitioner,
  StreamingContext,
  type BatchCompletedEvent,
} from '../src/index.js';
import {
  check,
  emit,
  makeRecord,
  round,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';

const BATCH_MS = 1000;
const WORDS_PER_LINE = 8;
const VOCABULARY = 20_000;

function inputText(lines: number, seed: number): string {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let w = 0; w < WORDS_PER_LINE; w++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      words.push(`w${x % VOCABULARY}`);
    }
    out.push(words.join(' '));
  }
  return out.join('\n') + '\n';
}

interface Trial {
  rate: number;
  sustained: boolean;
  batches: BatchCompletedEvent[];
  wallMs: number;
}

/** Runs the word count at `rate` lines/s for `measured` batches after one warm-up batch. */
async function trial(opts: BenchOptions, rate: number, measured: number): Promise<Trial> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-streaming-'));
  const input = path.join(root, 'in');
  fs.mkdirSync(input);
  const ctx = new Context({ workers: opts.workers, progress: false });
  const ssc = new StreamingContext(ctx, BATCH_MS);
  ssc.checkpoint(path.join(root, 'cp'));
  const counts = ssc
    .textFileStream(input)
    .flatMap((l) => l.split(' '))
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b)
    .updateStateByKey(
      (vs: number[], s: number | undefined) => (s ?? 0) + vs.reduce((a, b) => a + b, 0),
    )
    .checkpoint(5 * BATCH_MS);
  counts.foreachRDD(async (rdd) => void (await rdd.count()));
  const text = inputText(rate, rate);
  let produced = 0;
  const produce = (): void => {
    const name = `part-${produced++}`;
    fs.writeFileSync(path.join(input, `.${name}`), text);
    fs.renameSync(path.join(input, `.${name}`), path.join(input, name));
  };
  const batches: BatchCompletedEvent[] = [];
  const finished = new Promise<void>((resolve) => {
    ssc.on('batchStarted', () => {
      if (produced <= measured + 1) produce(); // arrives while this batch runs
    });
    ssc.on('batchCompleted', (e) => {
      if (e.records > 0) batches.push(e);
      const late = e.totalDelayMs > 3 * BATCH_MS; // hopelessly behind: stop early
      if (batches.length >= measured + 1 || late) resolve();
    });
  });
  const t0 = performance.now();
  await ssc.start();
  await finished;
  const wallMs = performance.now() - t0;
  await ssc.stop({ stopContext: true });
  fs.rmSync(root, { recursive: true, force: true });
  const kept = batches.slice(1); // the first batch also starts the worker pool
  const sustained = kept.length >= measured && kept.every((b) => b.totalDelayMs < BATCH_MS);
  const worst = Math.max(...kept.map((b) => b.totalDelayMs));
  opts.log(
    `# ${rate} lines/s: ${sustained ? 'sustained' : 'not sustained'}, worst total delay ${round(worst)} ms`,
  );
  return { rate, sustained, batches: kept, wallMs };
}

function trialRecord(opts: BenchOptions, t: Trial): BenchRecord {
  const records = t.batches.reduce((n, b) => n + b.records, 0);
  const processing = t.batches.reduce((n, b) => n + b.processingDelayMs, 0);
  return makeRecord({
    bench: 'streaming',
    variant: `word count at ${t.rate} lines/s`,
    run: 1,
    records,
    bytes: 0,
    workers: opts.workers,
    wallMs: processing,
    note:
      `${t.sustained ? 'sustained' : 'not sustained'}; worst total delay ` +
      `${round(Math.max(...t.batches.map((b) => b.totalDelayMs)))} ms over ${t.batches.length} batches`,
  });
}

/** Cost of a state checkpoint: checkpoint() + count over cached state, minus count alone. */
async function stateCheckpointCost(
  opts: BenchOptions,
  keys: number,
): Promise<{ mbPerSec: number; bytes: number; ms: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-state-'));
  const ctx = new Context({ workers: opts.workers, progress: false, checkpointDir: root });
  let bytes = 0;
  ctx.on('checkpointWritten', (e) => (bytes = e.bytes));
  const state = () =>
    ctx
      .range(0, keys, 1, opts.workers * 2)
      .map((i) => [`w${i}`, i % 1000] as [string, number])
      .partitionBy(new HashPartitioner(opts.workers))
      .persist();
  let best = Infinity;
  for (let run = 0; run < Math.max(1, opts.runs); run++) {
    const plain = state();
    await plain.count();
    const t0 = performance.now();
    await plain.count();
    const readMs = performance.now() - t0;
    const marked = state();
    await marked.count();
    marked.checkpoint();
    const t1 = performance.now();
    await marked.count();
    best = Math.min(best, performance.now() - t1 - readMs);
    plain.unpersist();
    marked.unpersist();
  }
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
  const ms = Math.max(best, 0.01);
  return { mbPerSec: bytes / 1e6 / (ms / 1000), bytes, ms };
}

/** The checkpoint bench's best write rate for [string, number] pairs, when its results are present. */
function checkpointCeiling(): number | undefined {
  try {
    const file = fileURLToPath(new URL('../../bench/results/checkpoint.json', import.meta.url));
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { records: BenchRecord[] };
    const rates = data.records
      .filter((r) => /^pairs write lz4/.test(r.variant))
      .map((r) => r.mbPerSec);
    return rates.length === 0 ? undefined : Math.max(...rates);
  } catch {
    return undefined;
  }
}

export async function runStreamingBench(opts: BenchOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const measured = Math.max(3, Math.round(5 * opts.scale));
  const trials: Trial[] = [];
  let rate = Math.max(1000, Math.round(20_000 * opts.scale));
  let good: Trial | undefined;
  let bad: Trial | undefined;
  while (bad === undefined && rate <= 5_000_000) {
    const t = await trial(opts, rate, measured);
    trials.push(t);
    if (t.sustained) good = t;
    else bad = t;
    rate *= 2;
  }
  for (let i = 0; i < 2 && good !== undefined && bad !== undefined; i++) {
    const t = await trial(opts, Math.round((good.rate + bad.rate) / 2 / 1000) * 1000, measured);
    trials.push(t);
    if (t.sustained) good = t;
    else bad = t;
  }
  for (const t of trials) records.push(emit(opts, trialRecord(opts, t)));

  const metadata = trials.flatMap((t) => t.batches.map((b) => b.metadataCheckpointMs / 2));
  const metadataMs = metadata.sort((a, b) => a - b)[Math.floor(metadata.length / 2)] ?? 0;
  const state = await stateCheckpointCost(opts, Math.round(1_000_000 * opts.scale));
  const ceiling = checkpointCeiling();
  const checks = [
    check('highest sustained rate, lines/s', good?.rate ?? 0, 'x', '>= 1'),
    check('metadata checkpoint write, median', metadataMs, 'ms', '<= 20'),
  ];
  if (ceiling !== undefined) {
    checks.push(
      check(
        'state checkpoint vs checkpoint bench pairs write lz4',
        state.mbPerSec / ceiling,
        'x',
        '>= 0.7',
      ),
    );
  }
  records.push(
    emit(
      opts,
      makeRecord({
        bench: 'streaming',
        variant: 'summary',
        run: 0,
        records: good?.rate ?? 0,
        bytes: state.bytes,
        workers: opts.workers,
        wallMs: state.ms,
        note:
          `highest sustained rate ${good?.rate ?? 0} lines/s (${WORDS_PER_LINE} words a line, 1 s batches); ` +
          `metadata checkpoint ${round(metadataMs)} ms (median write); state checkpoint ` +
          `${round(state.mbPerSec)} MB/s (${round(state.bytes / 1e6)} MB)` +
          (ceiling === undefined
            ? ''
            : `; checkpoint bench pairs write lz4 ceiling ${round(ceiling)} MB/s`),
        checks,
      }),
    ),
  );
  return records;
}
