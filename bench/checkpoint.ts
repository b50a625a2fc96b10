// Checkpoint bench: writes and reads back reliable checkpoints of three shapes
// (8M numbers, 2M {id, name, score}, 2M [string, number]) with 'none' and
// 'lz4', and measures in the same run, on the same records and bytes, what
// bounds them: v8.serialize/deserialize (what the record codec replaces), the
// record codec alone, raw lz4, and raw sequential disk write (fdatasync) and
// read. Also a CPU-heavy job with and without checkpoint(). Run as
// `kindling bench checkpoint [--scale F] [--runs N]` (table, JSON and SVG
// under bench/results/).
//
// Targets (issue 3): write and read-back >= 2x the v8-bound records/s of the
// same workers; >= 70% of the disk/lz4 ceiling where the codec is not the
// bottleneck; checkpoint() on a CPU-heavy job <= 1.15x its time without.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { Context, type RDD } from '../src/index.js';
import { lz4Compress, lz4Decompress } from '../native-bindings/lz4.js';
import { decodeRecords, encodeRecords } from '../src/shared/format/record-codec.js';
import {
  best,
  check,
  emit,
  makeRecord,
  round,
  timed,
  type BenchCheck,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';

export type BenchResult = BenchRecord;

type Codec = 'none' | 'lz4';
interface Shape {
  name: 'numbers' | 'objects' | 'pairs';
  records: number;
  /** Builds the RDD in workers (generation is part of every variant, baselines excluded). */
  rdd(ctx: Context, n: number, partitions: number): RDD<unknown>;
  /** The same records on the main thread, batch by batch, for the baselines. */
  make(from: number, to: number): unknown[];
}

const SHAPES: Shape[] = [
  {
    name: 'numbers',
    records: 8_000_000,
    rdd: (ctx, n, p) => ctx.range(0, n, 1, p).map((i) => i * 1.5),
    make: (from, to) => Array.from({ length: to - from }, (_, k) => (from + k) * 1.5),
  },
  {
    name: 'objects',
    records: 2_000_000,
    rdd: (ctx, n, p) =>
      ctx.range(0, n, 1, p).map((i) => ({ id: i, name: `name-${i % 1000}`, score: i * 0.25 })),
    make: (from, to) =>
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k;
        return { id: i, name: `name-${i % 1000}`, score: i * 0.25 };
      }),
  },
  {
    name: 'pairs',
    records: 2_000_000,
    rdd: (ctx, n, p) =>
      ctx.range(0, n, 1, p).map((i) => [`key-${i % 10_000}`, i] as [string, number]),
    make: (from, to) =>
      Array.from({ length: to - from }, (_, k) => [`key-${(from + k) % 10_000}`, from + k]),
  },
];

const PARTITIONS = 8;
const BASELINE_BATCH = 4096;
const CHUNK = 1 << 20;

interface Ceiling {
  v8SerMs: number;
  v8DeserMs: number;
  encodeMs: number;
  decodeMs: number;
  lz4CompressMs: number;
  lz4DecompressMs: number;
  rawBytes: number;
}

export async function runCheckpointBench(opts: BenchOptions): Promise<BenchResult[]> {
  const workers = opts.workers;
  const out: BenchResult[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-cp-'));
  try {
    for (const shape of SHAPES) {
      const n = Math.max(PARTITIONS, Math.round(shape.records * opts.scale));
      const base = measureBaselines(shape, n);
      const variants: BenchResult[] = [];
      for (let run = 1; run <= opts.runs; run++) {
        for (const codec of ['none', 'lz4'] as const) {
          variants.push(...(await writeAndRead(shape, n, codec, workers, run, root, opts)));
        }
        const disk = rawDisk(
          path.join(root, 'raw'),
          best(variants, `${shape.name} write none`).bytes,
        );
        variants.push(
          emit(
            opts,
            makeRecord({
              bench: 'checkpoint',
              variant: `${shape.name} raw disk write`,
              run,
              records: n,
              bytes: disk.bytes,
              workers: 1,
              wallMs: disk.writeMs,
            }),
          ),
        );
        variants.push(
          emit(
            opts,
            makeRecord({
              bench: 'checkpoint',
              variant: `${shape.name} raw disk read`,
              run,
              records: n,
              bytes: disk.bytes,
              workers: 1,
              wallMs: disk.readMs,
            }),
          ),
        );
      }
      out.push(
        ...variants,
        ...baselineRecords(shape.name, n, base, opts),
        ...checks(shape.name, n, base, variants, workers, opts),
      );
    }
    out.push(...(await cpuHeavy(workers, root, opts)));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out;
}

async function writeAndRead(
  shape: Shape,
  n: number,
  codec: Codec,
  workers: number,
  run: number,
  root: string,
  opts: BenchOptions,
): Promise<BenchResult[]> {
  const cpDir = path.join(root, `${shape.name}-${codec}-${run}`);
  const writer = new Context({
    workers,
    progress: false,
    checkpointDir: cpDir,
    checkpointCompression: codec,
    localDir: path.join(root, 'local'),
  });
  let dir: string;
  let bytes: number;
  let writeMs: number;
  const extra: BenchResult[] = [];
  try {
    // Warm the pool first so that thread start-up is not charged to the write.
    await writer.range(0, workers * 2, 1, workers * 2).count();
    // The same job without checkpoint: generating the records is not the write's cost.
    const plain = await timed(() => shape.rdd(writer, n, PARTITIONS).count());
    extra.push(
      emit(
        opts,
        makeRecord({
          bench: 'checkpoint',
          variant: `${shape.name} compute only`,
          run,
          records: n,
          bytes: 0,
          workers,
          wallMs: plain.ms,
        }),
      ),
    );
    const rdd = shape.rdd(writer, n, PARTITIONS);
    rdd.checkpoint();
    const t = await timed(() => rdd.count());
    writeMs = t.ms;
    dir = rdd.getCheckpointFile() as string;
    bytes = (
      JSON.parse(fs.readFileSync(path.join(dir, '_manifest.json'), 'utf8')) as { bytes: number }
    ).bytes;
  } finally {
    await writer.stop();
  }
  // Read back in a new context, as a later process would.
  const reader = new Context({ workers, progress: false, localDir: path.join(root, 'local') });
  let readMs: number;
  try {
    await reader.range(0, workers * 2, 1, workers * 2).count();
    // Two passes: the first pays for JIT and module warm-up in fresh workers (reported as
    // 'read cold'); the second is the read throughput. The page cache is warm for both.
    const cold = await timed(() => reader.checkpointFile(dir).count());
    extra.push(
      emit(
        opts,
        makeRecord({
          bench: 'checkpoint',
          variant: `${shape.name} read cold ${codec}`,
          run,
          records: n,
          bytes,
          workers,
          wallMs: cold.ms,
        }),
      ),
    );
    const t = await timed(() => reader.checkpointFile(dir).count());
    if (t.value !== n || cold.value !== n)
      throw new RangeError(`read back ${t.value} of ${n} records`);
    readMs = t.ms;
  } finally {
    await reader.stop();
  }
  fs.rmSync(cpDir, { recursive: true, force: true });
  return [
    ...extra,
    emit(
      opts,
      makeRecord({
        bench: 'checkpoint',
        variant: `${shape.name} write ${codec}`,
        run,
        records: n,
        bytes,
        workers,
        wallMs: writeMs,
      }),
    ),
    emit(
      opts,
      makeRecord({
        bench: 'checkpoint',
        variant: `${shape.name} read ${codec}`,
        run,
        records: n,
        bytes,
        workers,
        wallMs: readMs,
      }),
    ),
  ];
}

/** Single-thread times on the main thread over the same records, in batches as the engine makes them. */
function measureBaselines(shape: Shape, n: number): Ceiling {
  const batches: unknown[][] = [];
  for (let from = 0; from < n; from += BASELINE_BATCH)
    batches.push(shape.make(from, Math.min(n, from + BASELINE_BATCH)));
  const time = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  let serialized: Buffer[] = [];
  const v8SerMs = time(() => {
    serialized = batches.map((b) => v8.serialize(b));
  });
  const v8DeserMs = time(() => {
    for (const s of serialized) v8.deserialize(s);
  });
  serialized = [];
  // The record codec on frames of the engine's size (batches pooled to about 256 KiB).
  let encoded: Buffer[] = [];
  const encodeMs = time(() => {
    encoded = batches.map((b) => encodeRecords(b));
  });
  const decodeMs = time(() => {
    for (const e of encoded) decodeRecords(e);
  });
  const raw = Buffer.concat(encoded);
  encoded = [];
  const chunks: Buffer[] = [];
  for (let at = 0; at < raw.length; at += 256 * 1024)
    chunks.push(raw.subarray(at, Math.min(raw.length, at + 256 * 1024)));
  let packed: Buffer[] = [];
  const lz4CompressMs = time(() => {
    packed = chunks.map((c) => lz4Compress(c));
  });
  const lz4DecompressMs = time(() => {
    packed.forEach((p, i) => lz4Decompress(p, (chunks[i] as Buffer).length));
  });
  return {
    v8SerMs,
    v8DeserMs,
    encodeMs,
    decodeMs,
    lz4CompressMs,
    lz4DecompressMs,
    rawBytes: raw.length,
  };
}

/** Sequential write of `bytes` in 1 MiB writes then fdatasync, and a sequential read back. */
function rawDisk(file: string, bytes: number): { bytes: number; writeMs: number; readMs: number } {
  const chunk = Buffer.alloc(CHUNK);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const t0 = performance.now();
  const fd = fs.openSync(file, 'w');
  for (let done = 0; done < bytes; done += CHUNK)
    fs.writeSync(fd, chunk, 0, Math.min(CHUNK, bytes - done));
  fs.fdatasyncSync(fd);
  fs.closeSync(fd);
  const writeMs = performance.now() - t0;
  const t1 = performance.now();
  const rfd = fs.openSync(file, 'r');
  while (fs.readSync(rfd, chunk, 0, CHUNK, null) > 0);
  fs.closeSync(rfd);
  const readMs = performance.now() - t1;
  fs.rmSync(file, { force: true });
  return { bytes, writeMs, readMs };
}

function baselineRecords(shape: string, n: number, b: Ceiling, opts: BenchOptions): BenchResult[] {
  const rec = (variant: string, ms: number, bytes: number): BenchResult =>
    emit(
      opts,
      makeRecord({
        bench: 'checkpoint',
        variant: `${shape} ${variant}`,
        run: 1,
        records: n,
        bytes,
        workers: 1,
        wallMs: ms,
      }),
    );
  return [
    rec('v8.serialize', b.v8SerMs, b.rawBytes),
    rec('v8.deserialize', b.v8DeserMs, b.rawBytes),
    rec('codec encode', b.encodeMs, b.rawBytes),
    rec('codec decode', b.decodeMs, b.rawBytes),
    rec('raw lz4 compress', b.lz4CompressMs, b.rawBytes),
    rec('raw lz4 decompress', b.lz4DecompressMs, b.rawBytes),
  ];
}

/**
 * The checks of one shape. v8-bound: the single-thread v8 rate times the
 * workers (a perfectly scaling v8 engine). Ceiling: records over the slowest
 * of disk (same bytes) and lz4 (spread over the workers), applied only where
 * the record codec (also spread over the workers) is faster than that ceiling.
 */
function checks(
  shape: string,
  n: number,
  b: Ceiling,
  variants: BenchResult[],
  workers: number,
  opts: BenchOptions,
): BenchResult[] {
  const out: BenchResult[] = [];
  for (const dir of ['write', 'read'] as const) {
    const v8Ms = (dir === 'write' ? b.v8SerMs : b.v8DeserMs) / workers;
    const codecMs = (dir === 'write' ? b.encodeMs : b.decodeMs) / workers;
    const diskMs = best(variants, `${shape} raw disk ${dir}`).wallMs;
    // Writes are timed end to end (records generated and written in one job); the write's
    // own cost is that minus the same job without checkpoint (best runs of each).
    const computeMs = dir === 'write' ? best(variants, `${shape} compute only`).wallMs : 0;
    for (const codec of ['none', 'lz4'] as const) {
      const whole = best(variants, `${shape} ${dir} ${codec}`);
      const mine = { ...whole, wallMs: Math.max(1, whole.wallMs - computeMs) };
      const lz4Ms =
        codec === 'lz4' ? (dir === 'write' ? b.lz4CompressMs : b.lz4DecompressMs) / workers : 0;
      // Disk bytes of this variant: raw disk was timed on the 'none' size; scale to this one.
      const diskForMine = (diskMs * mine.bytes) / best(variants, `${shape} raw disk ${dir}`).bytes;
      const ceilingMs = Math.max(diskForMine, lz4Ms);
      const cs: BenchCheck[] = [
        check(
          `${shape} ${dir} ${codec} vs v8-bound (${workers} workers)`,
          v8Ms / mine.wallMs,
          'x',
          '>= 2',
        ),
      ];
      if (codecMs < ceilingMs) {
        cs.push(
          check(
            `${shape} ${dir} ${codec} vs min(raw disk, raw lz4)`,
            ceilingMs / mine.wallMs,
            'x',
            '>= 0.7',
          ),
        );
      }
      const net =
        dir === 'write'
          ? `net of compute ${round(computeMs)} ms (end to end ${round(whole.wallMs)} ms); `
          : '';
      const note =
        net +
        (codecMs < ceilingMs
          ? `ceiling ${round(ceilingMs)} ms (disk ${round(diskForMine)}, lz4 ${round(lz4Ms)}), codec ${round(codecMs)} ms`
          : `codec-bound: codec ${round(codecMs)} ms > ceiling ${round(ceilingMs)} ms (disk ${round(diskForMine)}, lz4 ${round(lz4Ms)}); ceiling check n/a`);
      out.push(
        emit(opts, {
          ...makeRecord({
            bench: 'checkpoint',
            variant: `${shape} ${dir} ${codec} (best)`,
            run: 0,
            records: n,
            bytes: mine.bytes,
            workers,
            wallMs: mine.wallMs,
          }),
          note,
          checks: cs,
        }),
      );
    }
  }
  return out;
}

/** A CPU-heavy map with and without checkpoint(): the checkpoint must cost <= 15%. */
async function cpuHeavy(workers: number, root: string, opts: BenchOptions): Promise<BenchResult[]> {
  const n = Math.max(PARTITIONS, Math.round(400_000 * opts.scale));
  const ctx = new Context({
    workers,
    progress: false,
    checkpointDir: path.join(root, 'cpu'),
    localDir: path.join(root, 'local'),
  });
  const runs: BenchResult[] = [];
  try {
    await ctx.range(0, workers * 2, 1, workers * 2).count();
    const heavy = (): RDD<number> =>
      ctx.range(0, n, 1, PARTITIONS).map((x) => {
        let acc = x;
        for (let k = 0; k < 2000; k++) acc = Math.sin(acc) + k * 1e-9;
        return acc;
      });
    // Interleaved (ABBA) so that load from other processes falls on both variants alike.
    for (let run = 1; run <= Math.max(2, opts.runs); run++) {
      for (const marked of run % 2 === 1 ? [false, true] : [true, false]) {
        const rdd = heavy();
        if (marked) rdd.checkpoint();
        const t = await timed(() => rdd.count());
        const variant = marked ? 'cpu-heavy with checkpoint()' : 'cpu-heavy without';
        runs.push(
          emit(
            opts,
            makeRecord({
              bench: 'checkpoint',
              variant,
              run,
              records: n,
              bytes: marked ? n * 8 : 0,
              workers,
              wallMs: t.ms,
            }),
          ),
        );
      }
    }
  } finally {
    await ctx.stop();
  }
  const ratio =
    best(runs, 'cpu-heavy with checkpoint()').wallMs / best(runs, 'cpu-heavy without').wallMs;
  const summary = {
    ...best(runs, 'cpu-heavy with checkpoint()'),
    variant: 'cpu-heavy with checkpoint() (best)',
    run: 0,
    checks: [check('cpu-heavy checkpoint() / without', ratio, 'x', '<= 1.15')],
  };
  return [...runs, emit(opts, summary)];
}

// ---- table, JSON and SVG when run directly ----------------------------------------
