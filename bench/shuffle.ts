// shuffle: reduceByKey (100 k distinct keys), distinct and a join with 100 k unique keys, each
// over 4 M generated records with number, string and [string, number] keys, against plain
// single-threaded Map/Set code computing the same answer in the same run. Each cell asserts
// that both give the same answer; the ratio is plain wall ms / kindling wall ms (fastest runs),
// each cell's jobs on one started Context after an untimed warm-up job (see startWorkers; the
// warm-up job's ratio is reported as the JIT-cold figure), and CPU ratios of all threads.
// Next to it, wall ns per shuffled record of the map (write) and reduce (read) stages, from the
// stageCompleted events. Targets (issue 9): every cell >= 1.0x, geometric mean >= 1.5x.

import type { Context, RDD } from 'kindling';
import { withContext } from './raw-piscina.js';
import {
  best,
  check,
  emit,
  makeRecord,
  timed,
  type BenchCheck,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';

const RECORDS = 4_000_000;
const DISTINCT = 100_000;
const PARTITIONS = 8;

export type KeyKind = 'number' | 'string' | 'pair';
export type Op = 'reduceByKey' | 'distinct' | 'join';
const KINDS: KeyKind[] = ['number', 'string', 'pair'];
const OPS: Op[] = ['reduceByKey', 'distinct', 'join'];

/** What both sides compute, in a form compared by value. */
interface Answer {
  size: number;
  sum: number;
  /** Plain key string -> value, for reduceByKey; membership only for distinct. */
  sample: [string, number][];
}

interface StageTimes {
  writeMs: number;
  readMs: number;
}

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const n = Math.round(RECORDS * opts.scale);
  const distinct = Math.max(1, Math.round(DISTINCT * opts.scale));
  const records: BenchRecord[] = [];
  const ratios: number[] = [];
  let lastBest: BenchRecord | undefined;
  for (const op of OPS) {
    for (const kind of KINDS) {
      const cell = `${op} ${kind}`;
      const shuffled = op === 'join' ? n + distinct : n;
      const stages: StageTimes[] = [];
      // Each cell on one Context, as a Spark application's jobs share running executors: a
      // warm-up job first (untimed but for its ratio, reported), then the timed runs. The plain
      // code gets its untimed warm-up run too.
      const warm = await timed(() => plain(op, kind, n, distinct));
      const expected = warm.value;
      const firstJobMs = await withContext(opts.workers, async (ctx) => {
        await startWorkers(ctx, opts.workers);
        const first = await timed(() => kindling(ctx, op, kind, n, distinct));
        assertSame(cell, first.value, expected);
        const times: StageTimes = { writeMs: 0, readMs: 0 };
        ctx.on('stageCompleted', (e) => {
          if (e.kind === 'shuffleMap') times.writeMs += e.durationMs;
          else times.readMs += e.durationMs;
        });
        for (let r = 0; r < opts.runs; r++) {
          const p = await timed(() => plain(op, kind, n, distinct));
          records.push(plainRecord(opts, cell, r, shuffled, p));
          times.writeMs = 0;
          times.readMs = 0;
          const k = await timed(() => kindling(ctx, op, kind, n, distinct));
          stages.push({ ...times });
          assertSame(cell, k.value, expected);
          records.push(
            emit(
              opts,
              makeRecord({
                bench: 'shuffle',
                variant: `kindling ${cell}`,
                run: r,
                records: shuffled,
                bytes: 0,
                workers: opts.workers,
                wallMs: k.ms,
                cpuMs: k.cpuMs,
                note: `stages: write ${times.writeMs.toFixed(0)} ms, read ${times.readMs.toFixed(0)} ms`,
              }),
            ),
          );
        }
        return first.ms;
      });
      const pb = best(records, `plain ${cell}`);
      const kb = best(records, `kindling ${cell}`);
      const ratio = pb.wallMs / kb.wallMs;
      ratios.push(ratio);
      const st = stages[kb.run] ?? { writeMs: NaN, readMs: NaN };
      // On a shared machine wall time says what the others left us; CPU time what the work cost.
      const cpuRatio =
        Math.min(
          ...records.filter((x) => x.variant === `plain ${cell}`).map((x) => x.cpuMs ?? NaN),
        ) /
        Math.min(
          ...records.filter((x) => x.variant === `kindling ${cell}`).map((x) => x.cpuMs ?? NaN),
        );
      const checks: BenchCheck[] = [
        check(`${cell}: kindling(${opts.workers}) vs plain`, ratio, 'x', '>= 1.0'),
        check(
          `${cell}: first job on a new Context (JIT cold) vs plain`,
          pb.wallMs / firstJobMs,
          'x',
          'info',
        ),
        check(`${cell}: plain CPU / kindling CPU (all threads)`, cpuRatio, 'x', 'info'),
        check(
          `${cell}: map stage (write), wall per shuffled record`,
          (st.writeMs * 1e6) / shuffled,
          'ns',
          'info',
        ),
        check(
          `${cell}: reduce stage (read), wall per shuffled record`,
          (st.readMs * 1e6) / shuffled,
          'ns',
          'info',
        ),
      ];
      kb.checks = checks;
      lastBest = kb;
    }
  }
  const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
  lastBest?.checks?.push(check('geometric mean of the 9 cells', geo, 'x', '>= 1.5'));
  return records;
}

function plainRecord(
  opts: BenchOptions,
  cell: string,
  run: number,
  shuffled: number,
  p: { ms: number; cpuMs: number },
): BenchRecord {
  return emit(
    opts,
    makeRecord({
      bench: 'shuffle',
      variant: `plain ${cell}`,
      run,
      records: shuffled,
      bytes: 0,
      workers: 1,
      wallMs: p.ms,
      cpuMs: p.cpuMs,
    }),
  );
}

/** A wrong answer is not a slow answer: stops the bench. */
function assertSame(cell: string, got: Answer, want: Answer): void {
  const diff = differs(got, want);
  if (diff !== undefined) throw new RangeError(`${cell}: kindling ${diff}`);
}

// ---- kindling ----

/**
 * Runs a one-record-a-worker job first, untimed: a job is measured on a started Context, as a
 * Spark job is on a running SparkContext (starting threads and loading the worker code costs
 * ~1 s of wall and ~0.3 s of CPU on this machine, paid once per Context).
 */
export async function startWorkers(ctx: Context, workers: number): Promise<void> {
  await ctx
    .parallelize(
      Array.from({ length: workers }, (_, i) => i),
      workers,
    )
    .count();
}

export async function kindling(
  ctx: Context,
  op: Op,
  kind: KeyKind,
  n: number,
  distinct: number,
): Promise<Answer> {
  const env = { env: { d: distinct } };
  const nums = ctx.range(0, n, 1, PARTITIONS);
  const keyed = (rdd: RDD<number>): RDD<[unknown, number]> =>
    kind === 'number'
      ? rdd.map((i, e) => [i % e.d, i] as [unknown, number], env)
      : kind === 'string'
        ? rdd.map((i, e) => ['k' + (i % e.d), i] as [unknown, number], env)
        : rdd.map(
            (i, e) => [['k' + (i % 1000), Math.floor((i % e.d) / 1000)], i] as [unknown, number],
            env,
          );
  switch (op) {
    case 'reduceByKey': {
      const out = await keyed(nums)
        .mapValues(() => 1)
        .reduceByKey((a, b) => a + b)
        .collect();
      return answerOf(out.map(([k, v]) => [plainKey(k), v]));
    }
    case 'distinct': {
      const out = await keyed(nums)
        .map((p) => p[0])
        .distinct()
        .collect();
      return answerOf(out.map((k) => [plainKey(k), 1]));
    }
    case 'join': {
      const right = keyed(ctx.range(0, distinct, 1, PARTITIONS));
      const sum = await keyed(nums)
        .join(right)
        .map((r) => r[1][0] * 7 + r[1][1])
        .reduce((a, b) => a + b);
      return { size: 0, sum, sample: [] };
    }
  }
}

// ---- plain single-threaded code ----

function plain(op: Op, kind: KeyKind, n: number, d: number): Answer {
  // What a user writes without an engine: arrays of primitives become a joined string key.
  const key =
    kind === 'number'
      ? (i: number): number | string => i % d
      : kind === 'string'
        ? (i: number): number | string => 'k' + (i % d)
        : (i: number): number | string => 'k' + (i % 1000) + '|' + Math.floor((i % d) / 1000);
  switch (op) {
    case 'reduceByKey': {
      const m = new Map<number | string, number>();
      for (let i = 0; i < n; i++) {
        const k = key(i);
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return answerOf([...m].map(([k, v]) => [String(k), v]));
    }
    case 'distinct': {
      const s = new Set<number | string>();
      for (let i = 0; i < n; i++) s.add(key(i));
      return answerOf([...s].map((k) => [String(k), 1]));
    }
    case 'join': {
      const right = new Map<number | string, number[]>();
      for (let j = 0; j < d; j++) {
        const k = key(j);
        const vs = right.get(k);
        if (vs === undefined) right.set(k, [j]);
        else vs.push(j);
      }
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const vs = right.get(key(i));
        if (vs !== undefined) for (const j of vs) sum += i * 7 + j;
      }
      return { size: 0, sum, sample: [] };
    }
  }
}

function plainKey(k: unknown): string {
  return Array.isArray(k) ? `${String(k[0])}|${String(k[1])}` : String(k);
}

function answerOf(entries: [string, number][]): Answer {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let sum = 0;
  for (const [, v] of entries) sum += v;
  return { size: entries.length, sum, sample: entries };
}

/** Undefined when equal, else what differs. */
function differs(got: Answer, want: Answer): string | undefined {
  if (got.size !== want.size) return `gave ${got.size} keys, plain ${want.size}`;
  if (got.sum !== want.sum) return `summed ${got.sum}, plain ${want.sum}`;
  for (let i = 0; i < want.sample.length; i++) {
    const a = got.sample[i];
    const b = want.sample[i];
    if (a?.[0] !== b?.[0] || a?.[1] !== b?.[1])
      return `entry ${i} is ${JSON.stringify(a)}, plain ${JSON.stringify(b)}`;
  }
  return undefined;
}
