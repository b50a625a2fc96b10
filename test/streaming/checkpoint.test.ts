// Metadata checkpoints and recovery: file names and retention (Spark's Checkpoint, CheckpointWriter, JobGenerator.doCheckpoint),
// corruption detection, getOrCreate with empty, corrupt and valid directories
// (StreamingContext.getOrCreate), replay of unfinished batches with their recorded files, state restored
// from its checkpoint, incompatible graphs refused, write failures reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  Context,
  ManualClock,
  StreamingContext,
  inspectStreamingCheckpoint,
  isKindlingError,
  type KindlingError,
} from 'kindling';
import { dropFile, readOutputDir, tempDir } from './helpers.js';

type Pair = [string, number];

interface AppOptions {
  /** Batch time whose output operation throws, as a crash in the middle of a batch. */
  crashAt?: number;
  named?: boolean;
  stateless?: boolean;
}

/** A word count over textFileStream in `dir`/in with outputs in `dir`/out, recovered by getOrCreate. */
async function startApp(
  dir: string,
  clock: ManualClock,
  opts: AppOptions = {},
): Promise<{ ssc: StreamingContext; ctx: Context }> {
  let ctx!: Context;
  const ssc = await StreamingContext.getOrCreate(path.join(dir, 'cp'), () => {
    ctx = new Context({ workers: 2, progress: false });
    const s = new StreamingContext(ctx, 1000, { clock });
    const words = s
      .textFileStream(path.join(dir, 'in'))
      .flatMap((l) => l.split(' '))
      .map((w) => [w, 1] as Pair);
    words.reduceByKey((a, b) => a + b).saveAsTextFiles(path.join(dir, 'out', 'counts'));
    if (opts.stateless !== true) {
      const totals = words
        .updateStateByKey(
          (vs: number[], st: number | undefined) => (st ?? 0) + vs.reduce((a, b) => a + b, 0),
        )
        .checkpoint(2000);
      if (opts.named === true) totals.setName('totals');
      totals.saveAsTextFiles(path.join(dir, 'out', 'totals'));
    }
    words.foreachRDD((_rdd, t) => {
      if (t === opts.crashAt) throw new Error(`crash at ${t}`);
    });
    return s;
  });
  await ssc.start();
  return { ssc, ctx };
}

async function stopApp(app: { ssc: StreamingContext; ctx: Context }): Promise<void> {
  await app.ssc.stop({ stopContext: false });
  await app.ctx.stop();
}

/** Drops file f<k> (two lines) before batch k, and runs batches from..to. */
async function feed(dir: string, clock: ManualClock, from: number, to: number): Promise<void> {
  for (let k = from; k <= to; k++) {
    dropFile(path.join(dir, 'in'), `f${k}`, [`a b${k % 3}`, `a c`]);
    await clock.setTime(k * 1000);
  }
}

function outputs(dir: string): Map<string, string[]> {
  const out = path.join(dir, 'out');
  return new Map(
    fs
      .readdirSync(out)
      .sort()
      .map((name) => [name, readOutputDir(path.join(out, name))]),
  );
}

function payload(file: string): {
  pendingMs: number[];
  lastCompletedMs: number | null;
  state: { dir: string; timeMs: number }[];
} {
  const text = fs.readFileSync(file, 'utf8');
  return JSON.parse(text.slice(text.indexOf('\n') + 1)) as ReturnType<typeof payload>;
}

test('checkpoint files: checkpoint-<time> and its .bk, at most 10, oldest pruned first, no temp left', async () => {
  const dir = tempDir('files');
  const clock = new ManualClock();
  const app = await startApp(dir, clock);
  await feed(dir, clock, 1, 7);
  await stopApp(app);
  const files = fs
    .readdirSync(path.join(dir, 'cp'))
    .filter((f) => !fs.statSync(path.join(dir, 'cp', f)).isDirectory());
  assert.deepEqual(
    files.sort(),
    [3, 4, 5, 6, 7].flatMap((k) => [`checkpoint-${k}000`, `checkpoint-${k}000.bk`]).sort(),
  );
  // The .bk is the first write of the batch (generated, pending); the main file its completion.
  assert.deepEqual(payload(path.join(dir, 'cp', 'checkpoint-7000.bk')).pendingMs, [7000]);
  assert.equal(payload(path.join(dir, 'cp', 'checkpoint-7000')).lastCompletedMs, 7000);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('getOrCreate: an empty directory creates, a valid one recovers (setup runs both times), all-corrupt is refused', async () => {
  const dir = tempDir('getorcreate');
  const clock = new ManualClock();
  let app = await startApp(dir, clock);
  assert.equal(clock.now(), 0);
  await feed(dir, clock, 1, 2);
  await stopApp(app);

  const later = new ManualClock(); // behind the checkpoint: moved forward to it (JobGenerator.restart)
  app = await startApp(dir, later);
  assert.equal(later.now(), 2000);
  await feed(dir, later, 3, 3);
  await stopApp(app);
  assert.deepEqual(readOutputDir(path.join(dir, 'out', 'totals-3000')), [
    '["a",6]',
    '["b0",1]',
    '["b1",1]',
    '["b2",1]',
    '["c",3]',
  ]);

  const corrupt = tempDir('corrupt');
  fs.mkdirSync(path.join(corrupt, 'cp'));
  fs.writeFileSync(path.join(corrupt, 'cp', 'checkpoint-1000'), 'blablabla');
  let made: Context | undefined;
  await assert.rejects(
    StreamingContext.getOrCreate(path.join(corrupt, 'cp'), () => {
      made = new Context({ workers: 2, progress: false });
      const s = new StreamingContext(made, 1000, { clock: new ManualClock() });
      s.textFileStream(path.join(corrupt, 'in')).print();
      return s;
    }),
    (e) =>
      isKindlingError(e, 'CHECKPOINT_CORRUPT') &&
      /no readable streaming checkpoint/.test(e.message),
  );
  await made?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(corrupt, { recursive: true, force: true });
});

test('getOrCreate refuses a setup that returns a started or stopped StreamingContext: a checkpoint is restored before start', async () => {
  const dir = tempDir('setup-started');
  const clock = new ManualClock();
  const app = await startApp(dir, clock);
  await feed(dir, clock, 1, 1);
  for (const returned of ['active', 'stopped'] as const) {
    if (returned === 'stopped') await app.ssc.stop({ stopContext: false });
    assert.equal(app.ssc.getState(), returned);
    await assert.rejects(
      StreamingContext.getOrCreate(path.join(dir, 'cp'), () => app.ssc),
      (e) =>
        isKindlingError(e, 'INVALID_ARGUMENT') &&
        e.context.argument === 'StreamingContext.getOrCreate result of setup' &&
        e.message.includes(returned),
    );
  }
  await app.ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a damaged newest checkpoint falls back to its .bk, then to older files', async () => {
  const dir = tempDir('fallback');
  const clock = new ManualClock();
  let app = await startApp(dir, clock);
  await feed(dir, clock, 1, 3);
  await stopApp(app);
  const main = path.join(dir, 'cp', 'checkpoint-3000');
  const text = fs.readFileSync(main, 'utf8');
  fs.writeFileSync(main, text.replace('"lastCompletedMs": 3000', '"lastCompletedMs": 3001')); // crc mismatch
  const report = inspectStreamingCheckpoint(path.join(dir, 'cp'));
  assert.equal(report.verified, false);
  assert.match(report.problems.join('\n'), /crc32 mismatch/);
  assert.equal(report.file, `${main}.bk`);
  assert.deepEqual(
    report.pendingBatchesMs,
    [3000],
    'the .bk was written when batch 3000 was generated',
  );
  // Recovery from the .bk replays batch 3000 with the file it had recorded.
  app = await startApp(dir, new ManualClock());
  await app.ssc.stop({ stopContext: false, graceful: true });
  await app.ctx.stop();
  assert.deepEqual(readOutputDir(path.join(dir, 'out', 'totals-3000')), [
    '["a",6]',
    '["b0",1]',
    '["b1",1]',
    '["b2",1]',
    '["c",3]',
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('checkpoint files whose crc holds but whose content is not a checkpoint are refused as CHECKPOINT_CORRUPT naming what is wrong', async () => {
  const dir = tempDir('shape');
  const clock = new ManualClock();
  const app = await startApp(dir, clock, { stateless: true });
  await feed(dir, clock, 1, 1);
  await stopApp(app);
  const cp = path.join(dir, 'cp');
  const files = fs.readdirSync(cp).filter((f) => f.startsWith('checkpoint-'));
  const original = new Map(files.map((f) => [f, fs.readFileSync(path.join(cp, f), 'utf8')]));
  /** Every file rewritten by `edit`, with a header that verifies (as another build would write it). */
  const rewrite = (edit: (data: Record<string, unknown>) => unknown): void => {
    for (const [f, text] of original) {
      const data = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
      const payload = JSON.stringify(edit(data));
      const header = {
        format: 'kindling-streaming-checkpoint',
        version: 1,
        crc32: zlib.crc32(payload).toString(16).padStart(8, '0'),
        bytes: Buffer.byteLength(payload),
      };
      fs.writeFileSync(path.join(cp, f), `${JSON.stringify(header)}\n${payload}\n`);
    }
  };
  const cases: [string, (data: Record<string, unknown>) => unknown, RegExp][] = [
    ['no streams', ({ streams: _, ...rest }) => rest, /streams is not an array/],
    ['no sources', ({ sources: _, ...rest }) => rest, /sources is not an array/],
    ['a null payload', () => null, /the payload is not an object/],
    [
      'a source position without its lists',
      (data) => ({
        ...data,
        sources: (data.sources as { position: object }[]).map((s) => ({ ...s, position: {} })),
      }),
      /the position of textFileStream#0: dir is not a directory path/,
    ],
  ];
  const ctx = new Context({ workers: 1, progress: false });
  for (const [what, edit, problem] of cases) {
    rewrite(edit);
    await assert.rejects(
      StreamingContext.getOrCreate(cp, () => {
        const s = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
        s.textFileStream(path.join(dir, 'in')).print();
        return s;
      }),
      (e) => isKindlingError(e, 'CHECKPOINT_CORRUPT') && problem.test(e.message),
      what,
    );
  }
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a directory in place of the newest checkpoint file is skipped on recovery, and the checkpoint writes go on', async () => {
  const dir = tempDir('dir-in-place');
  const clock = new ManualClock();
  let app = await startApp(dir, clock);
  await feed(dir, clock, 1, 3);
  await stopApp(app);
  const cp = path.join(dir, 'cp');
  fs.rmSync(path.join(cp, 'checkpoint-3000'));
  fs.mkdirSync(path.join(cp, 'checkpoint-3000', 'inside'), { recursive: true });
  app = await startApp(dir, clock); // from checkpoint-3000.bk: batch 3000 is replayed
  const errors: unknown[] = [];
  app.ssc.on('error', (e) => errors.push(e));
  await feed(dir, clock, 4, 5);
  await stopApp(app);
  assert.deepEqual(errors, [], 'every metadata write succeeded');
  assert.deepEqual(payload(path.join(cp, 'checkpoint-5000')).lastCompletedMs, 5000);
  assert.ok(!fs.existsSync(path.join(cp, '.checkpoint-temp')), 'no temp file left');
  assert.deepEqual(readOutputDir(path.join(dir, 'out', 'totals-5000')), [
    '["a",10]',
    '["b0",1]',
    '["b1",2]',
    '["b2",2]',
    '["c",5]',
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const stateless of [true, false]) {
  const what = stateless ? 'map + reduceByKey' : 'updateStateByKey';
  test(`recovery with ${what}: an interrupted batch is replayed with its recorded files, files that arrive while down are read once`, async () => {
    const dir = tempDir('recovery');
    const clock = new ManualClock();
    let app = await startApp(dir, clock, { stateless, crashAt: 4000 });
    await feed(dir, clock, 1, 3);
    dropFile(path.join(dir, 'in'), 'f4', ['a b1', 'a c']);
    await assert.rejects(clock.setTime(4000), /crash at 4000/);
    await stopApp(app);
    dropFile(path.join(dir, 'in'), 'f5', ['a b2', 'a c']); // arrives while down
    const restarted = new ManualClock();
    app = await startApp(dir, restarted, { stateless });
    const completed: [number, boolean][] = [];
    app.ssc.on('batchCompleted', (e) => completed.push([e.batchTimeMs, e.replayed]));
    await restarted.setTime(5000);
    await feed(dir, restarted, 6, 7);
    await stopApp(app);
    assert.deepEqual(completed.slice(0, 1), [[4000, true]], 'batch 4000 is replayed');
    assert.ok(
      !fs.readdirSync(path.join(dir, 'out')).some((n) => n.startsWith('.')),
      'no temp directories left',
    );

    // f5 arrived while down, yet the replayed batch 4000 reads only its recorded f4; f5 goes to
    // batch 5000. The reference gets the same files per batch, without interruption.
    const reference = tempDir('reference');
    const refClock = new ManualClock();
    const ref = await startApp(reference, refClock, { stateless });
    await feed(reference, refClock, 1, 7);
    await stopApp(ref);
    const got = outputs(dir);
    const expected = outputs(reference);
    assert.deepEqual([...got.keys()], [...expected.keys()]);
    for (const [name, lines] of expected) assert.deepEqual(got.get(name), lines, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(reference, { recursive: true, force: true });
  });
}

test('old state checkpoints are deleted once no metadata file refers to them', async () => {
  const dir = tempDir('cleanup');
  const clock = new ManualClock();
  let app = await startApp(dir, clock);
  await feed(dir, clock, 1, 4);
  await stopApp(app);
  const restarted = new ManualClock();
  app = await startApp(dir, restarted);
  await feed(dir, restarted, 5, 16);
  await stopApp(app);
  const cp = path.join(dir, 'cp');
  const referenced = new Set(
    fs
      .readdirSync(cp)
      .filter((f) => f.startsWith('checkpoint-'))
      .flatMap((f) => payload(path.join(cp, f)).state.map((s) => s.dir)),
  );
  const onDisk = fs
    .readdirSync(cp)
    .filter((f) => fs.statSync(path.join(cp, f)).isDirectory())
    .flatMap((ctxDir) =>
      fs.readdirSync(path.join(cp, ctxDir)).map((r) => path.join(cp, ctxDir, r)),
    );
  assert.deepEqual(onDisk.sort(), [...referenced].sort());
  assert.ok(onDisk.length <= 4, `${onDisk.length} of 8 state checkpoints kept`);
  assert.equal(
    fs.readdirSync(cp).filter((f) => fs.statSync(path.join(cp, f)).isDirectory()).length,
    1,
    "the first run's directory is gone",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a stateful operator of the checkpoint without a counterpart is refused, naming it; setName keeps a moved one', async () => {
  const dir = tempDir('incompatible');
  const clock = new ManualClock();
  const app = await startApp(dir, clock, { named: true });
  await feed(dir, clock, 1, 2);
  await stopApp(app);
  const ctx = new Context({ workers: 2, progress: false });
  await assert.rejects(
    StreamingContext.getOrCreate(path.join(dir, 'cp'), () => {
      const s = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
      s.textFileStream(path.join(dir, 'in')).print();
      return s;
    }),
    (e: KindlingError) =>
      isKindlingError(e, 'STREAMING_CHECKPOINT_INCOMPATIBLE') &&
      e.context.operator === 'totals' &&
      /totals/.test(e.message),
  );
  // A queueStream cannot be part of a recovered graph (as in Spark).
  const moved = await StreamingContext.getOrCreate(path.join(dir, 'cp'), () => {
    const s = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
    const extra = s.queueStream<number>([]);
    void extra;
    return s;
  }).catch((e: KindlingError) => e);
  assert.ok(
    isKindlingError(moved, 'STREAMING_CHECKPOINT_INCOMPATIBLE') &&
      /queueStream doesn't support checkpointing/.test(moved.message),
  );
  // The same named operator at another place in the graph recovers.
  const recovered = await StreamingContext.getOrCreate(path.join(dir, 'cp'), () => {
    const s = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
    const words = s
      .textFileStream(path.join(dir, 'in'))
      .flatMap((l) => l.split(' '))
      .filter((w) => w !== '')
      .map((w) => [w, 1] as Pair);
    words
      .updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length)
      .setName('totals')
      .print();
    words.print();
    return s;
  });
  await recovered.stop({ stopContext: false });
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a checkpoint whose file source read another directory is refused, naming the source and both directories', async () => {
  const dir = tempDir('other-dir');
  const clock = new ManualClock();
  const app = await startApp(dir, clock, { stateless: true });
  await feed(dir, clock, 1, 2);
  await stopApp(app);
  // Another app's code on the same checkpoint: its source reads elsewhere, where a file of
  // a name the checkpoint recorded as read would otherwise be skipped or replayed.
  const other = path.join(dir, 'other-in');
  dropFile(other, 'f1', ['x y']);
  const ctx = new Context({ workers: 1, progress: false });
  await assert.rejects(
    StreamingContext.getOrCreate(path.join(dir, 'cp'), () => {
      const s = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
      s.textFileStream(other).print();
      return s;
    }),
    (e: KindlingError) =>
      isKindlingError(e, 'STREAMING_CHECKPOINT_INCOMPATIBLE') &&
      e.context.operator === 'textFileStream#0' &&
      e.message.includes(path.join(dir, 'in')) &&
      e.message.includes(other),
  );
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a metadata write that keeps failing is reported as an error event and the stream goes on', async () => {
  const dir = tempDir('writefail');
  const clock = new ManualClock();
  const app = await startApp(dir, clock, { stateless: true });
  const errors: KindlingError[] = [];
  app.ssc.on('error', (e) => errors.push(e));
  await feed(dir, clock, 1, 1);
  // A non-empty directory where the temp file goes makes every attempt fail.
  fs.mkdirSync(path.join(dir, 'cp', '.checkpoint-temp', 'blocker'), { recursive: true });
  await feed(dir, clock, 2, 2);
  fs.rmSync(path.join(dir, 'cp', '.checkpoint-temp'), { recursive: true });
  await feed(dir, clock, 3, 3);
  await stopApp(app);
  assert.equal(errors.length, 2, 'both writes of batch 2000 were reported');
  assert.ok(
    errors.every(
      (e) =>
        isKindlingError(e, 'STREAMING_CHECKPOINT_WRITE_FAILED') &&
        /after 3 attempts/.test(e.message),
    ),
  );
  assert.ok(fs.existsSync(path.join(dir, 'cp', 'checkpoint-3000')));
  assert.ok(fs.existsSync(path.join(dir, 'out', 'counts-2000')), 'the batch itself ran');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('inspectStreamingCheckpoint reports the grid, progress, sources and verified state sizes', async () => {
  const dir = tempDir('inspect');
  const clock = new ManualClock();
  const app = await startApp(dir, clock);
  await feed(dir, clock, 1, 4);
  await stopApp(app);
  const report = inspectStreamingCheckpoint(path.join(dir, 'cp'));
  assert.equal(report.verified, true, report.problems.join('\n'));
  assert.equal(report.batchIntervalMs, 1000);
  assert.equal(report.lastBatchMs, 4000);
  assert.equal(report.lastCompletedBatchMs, 4000);
  assert.deepEqual(report.pendingBatchesMs, []);
  assert.equal(report.sources[0]?.kind, 'textFileStream');
  assert.deepEqual(report.sources[0]?.batches?.['4000'], ['f4']);
  const state = report.state.find((s) => s.stateful);
  assert.equal(state?.batchTimeMs, 4000);
  assert.ok((state?.records ?? 0) > 0 && (state?.bytes ?? 0) > 0 && state?.verified === true);
  fs.rmSync(dir, { recursive: true, force: true });
});
