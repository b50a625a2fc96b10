// pagerank: Spark's SparkPageRank example over a deterministic generated graph of 200,000 edges
// (some repeated, so distinct matters): distinct + groupByKey + cache, then 10 iterations of
// join + flatMap + reduceByKey, against the naive single-threaded script in the same run. The
// bench asserts that both give every vertex the same rank (up to summation order). The jobs are
// timed on one started Context after an untimed warm-up job (see startWorkers in shuffle.ts).
// Target (issue 9): kindling(2) >= 1.3x the plain script.

import type { Context } from 'kindling';
import { withContext } from './raw-piscina.js';
import { startWorkers } from './shuffle.js';
import {
  best,
  check,
  emit,
  makeRecord,
  timed,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';

const EDGES = 200_000;
const VERTICES = 20_000;
const ITERATIONS = 10;
const PARTITIONS = 8;

/**
 * Edge i of the generated graph: a murmur3-style mix of i, folded so that one edge in ten
 * repeats an earlier one. Written out inside the closures too (they cannot capture it).
 */
export function edge(i: number, edges: number, vertices: number): [number, number] {
  let x = i % Math.floor((edges * 9) / 10);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x ^= x >>> 16;
  const src = (x >>> 0) % vertices;
  // Skewed destinations: low ids are linked to more often, as in real graphs.
  const y = Math.imul(x ^ 0x5bd1e995, 0x27d4eb2f) >>> 0;
  const dst = Math.floor(((y % vertices) * (y % vertices)) / vertices);
  return [src, dst];
}

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const edges = Math.round(EDGES * opts.scale);
  const vertices = Math.max(2, Math.round(VERTICES * opts.scale));
  const records: BenchRecord[] = [];
  // One Context for every run, after an untimed warm-up job (as in shuffle.ts); the plain
  // script gets its warm-up run too. The warm-up job's ratio is reported as the JIT-cold figure.
  const expected = plain(edges, vertices);
  const firstJobMs = await withContext(opts.workers, async (ctx) => {
    await startWorkers(ctx, opts.workers);
    const first = await timed(() => kindling(ctx, edges, vertices));
    assertSame(first.value, expected);
    for (let r = 0; r < opts.runs; r++) {
      const p = await timed(() => plain(edges, vertices));
      records.push(
        emit(
          opts,
          makeRecord({
            bench: 'pagerank',
            variant: 'plain script',
            run: r,
            records: edges,
            bytes: 0,
            workers: 1,
            wallMs: p.ms,
            cpuMs: p.cpuMs,
          }),
        ),
      );
      const k = await timed(() => kindling(ctx, edges, vertices));
      assertSame(k.value, expected);
      records.push(
        emit(
          opts,
          makeRecord({
            bench: 'pagerank',
            variant: 'kindling',
            run: r,
            records: edges,
            bytes: 0,
            workers: opts.workers,
            wallMs: k.ms,
            cpuMs: k.cpuMs,
          }),
        ),
      );
    }
    return first.ms;
  });
  const k = best(records, 'kindling');
  const cpu = (v: string): number =>
    Math.min(...records.filter((x) => x.variant === v).map((x) => x.cpuMs ?? NaN));
  k.checks = [
    check(
      `kindling(${opts.workers}) vs plain script`,
      best(records, 'plain script').wallMs / k.wallMs,
      'x',
      '>= 1.3',
    ),
    check(
      'first job on a new Context (JIT cold) vs plain script',
      best(records, 'plain script').wallMs / firstJobMs,
      'x',
      'info',
    ),
    check(
      'plain CPU / kindling CPU (all threads)',
      cpu('plain script') / cpu('kindling'),
      'x',
      'info',
    ),
  ];
  return records;
}

export async function kindling(
  ctx: Context,
  edges: number,
  vertices: number,
): Promise<Map<number, number>> {
  const links = ctx
    .range(0, edges, 1, PARTITIONS)
    .map(
      (i, e) => {
        let x = i % Math.floor((e.edges * 9) / 10);
        x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
        x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
        x ^= x >>> 16;
        const src = (x >>> 0) % e.vertices;
        const y = Math.imul(x ^ 0x5bd1e995, 0x27d4eb2f) >>> 0;
        const dst = Math.floor(((y % e.vertices) * (y % e.vertices)) / e.vertices);
        return [src, dst] as [number, number];
      },
      { env: { edges, vertices } },
    )
    .distinct()
    .groupByKey()
    .cache();
  let ranks = links.mapValues(() => 1.0);
  for (let it = 0; it < ITERATIONS; it++) {
    const contribs = links.join(ranks).flatMap(([, [urls, rank]]) => {
      const out: [number, number][] = [];
      for (const u of urls) out.push([u, rank / urls.length]);
      return out;
    });
    ranks = contribs.reduceByKey((a, b) => a + b).mapValues((s) => 0.15 + 0.85 * s);
  }
  return new Map(await ranks.collect());
}

/** The naive script: Maps and arrays, one thread. */
function plain(edges: number, vertices: number): Map<number, number> {
  const seen = new Set<string>();
  const links = new Map<number, number[]>();
  for (let i = 0; i < edges; i++) {
    const [src, dst] = edge(i, edges, vertices);
    const id = `${src},${dst}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const urls = links.get(src);
    if (urls === undefined) links.set(src, [dst]);
    else urls.push(dst);
  }
  let ranks = new Map<number, number>();
  for (const src of links.keys()) ranks.set(src, 1.0);
  for (let it = 0; it < ITERATIONS; it++) {
    const contribs = new Map<number, number>();
    for (const [src, urls] of links) {
      const rank = ranks.get(src);
      if (rank === undefined) continue;
      for (const u of urls) contribs.set(u, (contribs.get(u) ?? 0) + rank / urls.length);
    }
    ranks = new Map();
    for (const [u, s] of contribs) ranks.set(u, 0.15 + 0.85 * s);
  }
  return ranks;
}

/** A wrong answer is not a slow answer: stops the bench. */
function assertSame(got: Map<number, number>, want: Map<number, number>): void {
  const diff = differs(got, want);
  if (diff !== undefined) throw new RangeError(`pagerank: kindling ${diff}`);
}

function differs(got: Map<number, number>, want: Map<number, number>): string | undefined {
  if (got.size !== want.size) return `ranked ${got.size} vertices, plain ${want.size}`;
  for (const [v, r] of want) {
    const g = got.get(v);
    // Contributions add in another order: equal up to rounding.
    if (g === undefined || Math.abs(g - r) > 1e-9 * Math.max(1, Math.abs(r)))
      return `gave vertex ${v} rank ${g}, plain ${r}`;
  }
  return undefined;
}
