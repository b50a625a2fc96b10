// fileStream (newFilesOnly, filter), saveAsObjectFiles and awaitTerminationOrTimeout:
// files already present read once by the first batch and never again after a
// restart, a filter that sees absolute paths, a listed file gone before it is read,
// one object-file directory per batch readable with ctx.objectFile, and Spark's
// true/false/throw contract of awaitTerminationOrTimeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Context, ManualClock, StreamingContext, isKindlingError } from 'kindling';
import { collectBatches, dropFile, tempDir } from './helpers.js';

const ctx = new Context({ workers: 2, progress: false });
const dirs: string[] = [];
after(async () => {
  await ctx.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(label: string): string {
  const d = tempDir(label);
  dirs.push(d);
  return d;
}

test('fileStream with newFilesOnly false reads the files already there in the first batch; textFileStream and the default do not', async () => {
  const root = dir('present');
  const input = path.join(root, 'in');
  dropFile(input, 'old1.txt', ['o1']);
  dropFile(input, 'old2.txt', ['o2a', 'o2b']);
  dropFile(input, '_meta', ['never']);
  dropFile(input, '.hidden', ['never']);
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const all = collectBatches(ssc.fileStream(input, { newFilesOnly: false }));
  const fresh = collectBatches(ssc.fileStream(input));
  const text = collectBatches(ssc.textFileStream(input));
  await ssc.start();
  await clock.advance(1000);
  dropFile(input, 'new.txt', ['n']);
  await clock.advance(1000);
  await clock.advance(1000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(all.get(1000), ['o1', 'o2a', 'o2b']);
  assert.deepEqual(all.get(2000), ['n']);
  assert.deepEqual(all.get(3000), []);
  for (const s of [fresh, text]) {
    assert.deepEqual(s.get(1000), []);
    assert.deepEqual(s.get(2000), ['n']);
  }
});

test('fileStream with newFilesOnly false does not read the present files again after a restart', async () => {
  const root = dir('restart');
  const input = path.join(root, 'in');
  dropFile(input, 'old.txt', ['o']);
  const seen: string[][] = [];
  const app = async (clock: ManualClock): Promise<StreamingContext> =>
    StreamingContext.getOrCreate(path.join(root, 'cp'), () => {
      const s = new StreamingContext(ctx, 1000, { clock });
      s.fileStream(input, { newFilesOnly: false }).foreachRDD(async (rdd) => {
        seen.push((await rdd.collect()).sort());
      });
      return s;
    });
  const clock = new ManualClock();
  let ssc = await app(clock);
  await ssc.start();
  await clock.advance(2000);
  await ssc.stop({ stopContext: false });
  dropFile(input, 'while-down.txt', ['d']);
  const later = new ManualClock();
  ssc = await app(later);
  await ssc.start();
  await later.setTime(4000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(
    seen,
    [['o'], [], ['d'], []],
    'old.txt once, the file that came while down once',
  );
});

test('a fileStream filter sees each new file’s absolute path on the main thread and narrows what is read', async () => {
  const root = dir('filter');
  const input = path.join(root, 'in');
  fs.mkdirSync(input, { recursive: true });
  const asked: string[] = [];
  const wanted = '.csv'; // captured: the filter runs on the main thread
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const csv = collectBatches(
    ssc.fileStream(input, {
      newFilesOnly: false,
      filter: (p) => {
        asked.push(p);
        return p.endsWith(wanted);
      },
    }),
  );
  dropFile(input, 'a.csv', ['1,2']);
  dropFile(input, 'b.txt', ['skip']);
  await ssc.start();
  await clock.advance(1000);
  dropFile(input, 'c.csv', ['3,4']);
  dropFile(input, '.d.csv', ['hidden']);
  await clock.advance(1000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(csv.get(1000), ['1,2']);
  assert.deepEqual(csv.get(2000), ['3,4'], 'a hidden file stays out whatever the filter says');
  assert.ok(asked.every((p) => path.isAbsolute(p) && path.dirname(p) === input));
  assert.deepEqual([...new Set(asked.map((p) => path.basename(p)))].sort(), [
    'a.csv',
    'b.txt',
    'c.csv',
  ]);
});

test('fileStream options are checked where the stream is defined; a filter that returns no boolean fails the batch', async () => {
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  const input = path.join(dir('options'), 'in');
  assert.throws(
    // @ts-expect-error newFilesOnly is a boolean
    () => ssc.fileStream(input, { newFilesOnly: 'no' }),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'ssc.fileStream opts.newFilesOnly',
  );
  assert.throws(
    // @ts-expect-error a typo in an options object
    () => ssc.fileStream(input, { newFileOnly: false }),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && /newFileOnly/.test(e.message),
  );
  assert.throws(
    // @ts-expect-error the filter is a function of the path
    () => ssc.fileStream(input, { filter: /\.csv$/ }),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'ssc.fileStream opts.filter',
  );
  assert.throws(
    () => ssc.fileStream(''),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === 'ssc.fileStream dir',
  );

  const clock = new ManualClock();
  const running = new StreamingContext(ctx, 1000, { clock });
  dropFile(input, 'x.txt', ['x']);
  const notBoolean = ((p: string) => p.length) as unknown as (p: string) => boolean;
  running.fileStream(input, { newFilesOnly: false, filter: notBoolean }).print();
  await running.start();
  await assert.rejects(
    clock.advance(1000),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'result of the fileStream filter',
  );
  await running.stop({ stopContext: false });
});

test('a file stream of a path that is a file is refused where defined; its directory replaced by a file fails the batch naming it', async () => {
  const root = dir('not-a-dir');
  const file = path.join(root, 'data.txt');
  fs.writeFileSync(file, 'x\n');
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  for (const make of [() => ssc.textFileStream(file), () => ssc.fileStream(file)]) {
    assert.throws(make, (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(file));
  }
  // A directory that is missing is not an error: it may be created later.
  const input = path.join(root, 'in');
  const clock = new ManualClock();
  const running = new StreamingContext(ctx, 1000, { clock });
  const batches = collectBatches(running.textFileStream(input));
  await running.start();
  await clock.advance(1000);
  assert.deepEqual(batches.get(1000), []);
  fs.writeFileSync(input, 'not a directory\n');
  await assert.rejects(
    clock.advance(1000),
    (e) =>
      isKindlingError(e, 'IO_ERROR') &&
      e.context.path === input &&
      e.context.batchTimeMs === 2000 &&
      /ENOTDIR/.test(e.message),
  );
  await running.stop({ stopContext: false });
});

test('a file a batch listed, deleted before the batch reads it, fails the batch at once with IO_ERROR naming it', async () => {
  const input = path.join(dir('vanished'), 'in');
  const file = path.join(input, 'gone.txt');
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc.textFileStream(input).foreachRDD(async (rdd) => {
    // The batch has listed the file and defined its RDD; no task has read it yet.
    fs.rmSync(file, { force: true });
    await rdd.count();
  });
  // The failed attempts by partition: the file's partitions may each start before the job fails.
  const failedAttempts = new Map<number, number>();
  const countFailed = (e: { successful: boolean; partitionIndex: number }): void => {
    if (!e.successful)
      failedAttempts.set(e.partitionIndex, (failedAttempts.get(e.partitionIndex) ?? 0) + 1);
  };
  ctx.on('taskEnd', countFailed);
  try {
    await ssc.start();
    dropFile(input, 'gone.txt', ['x']);
    await assert.rejects(
      clock.advance(1000),
      (e) =>
        isKindlingError(e, 'IO_ERROR') &&
        e.context.path === file &&
        e.context.batchTimeMs === 1000 &&
        e.message.includes(`Cannot read the input file ${file}`) &&
        /\(ENOENT\)/.test(e.message),
    );
    assert.ok(failedAttempts.size > 0, 'a task read the file');
    for (const [partition, attempts] of failedAttempts)
      assert.equal(attempts, 1, `the task of partition ${partition} ran once, not retried`);
  } finally {
    ctx.off('taskEnd', countFailed);
    await ssc.stop({ stopContext: false });
  }
});

test('saveAsObjectFiles writes one complete directory per batch that ctx.objectFile reads back with the records’ types', async () => {
  const root = dir('objects');
  const batches = [
    [
      { at: new Date(5), tags: new Set(['a']) },
      { at: new Date(6), tags: new Set<string>() },
    ],
    [],
    [{ at: new Date(7), tags: new Set(['b', 'c']) }],
  ];
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const records = ssc.queueStream(batches.map((b) => [...b]));
  records.saveAsObjectFiles(path.join(root, 'out', 'events'), 'bin');
  records.map((r) => r.at.getTime()).saveAsObjectFiles(path.join(root, 'out', 'times'));
  await ssc.start();
  await clock.advance(3000);
  await ssc.stop({ stopContext: false });
  assert.deepEqual(fs.readdirSync(path.join(root, 'out')).sort(), [
    'events-1000.bin',
    'events-2000.bin',
    'events-3000.bin',
    'times-1000',
    'times-2000',
    'times-3000',
  ]);
  for (const [i, batch] of batches.entries()) {
    const t = (i + 1) * 1000;
    const back = await ctx
      .objectFile<{ at: Date; tags: Set<string> }>(path.join(root, 'out', `events-${t}.bin`))
      .collect();
    assert.deepEqual(back, batch, `batch ${t} read back whole, Dates and Sets kept`);
    const times = await ctx.objectFile<number>(path.join(root, 'out', `times-${t}`)).collect();
    assert.deepEqual(
      times,
      batch.map((r) => r.at.getTime()),
    );
  }
  assert.throws(
    () => records.saveAsObjectFiles(''),
    (e) =>
      isKindlingError(e, 'INVALID_ARGUMENT') &&
      e.context.argument === 'dstream.saveAsObjectFiles prefix',
  );
});

test('awaitTerminationOrTimeout resolves false on timeout, true once stopped, and rejects with the stream’s error', async () => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc.queueStream([[1]]).print();
  await ssc.start();
  assert.equal(await ssc.awaitTerminationOrTimeout(5), false, 'still running after 5 ms');
  const waiting = ssc.awaitTerminationOrTimeout(2 ** 40);
  await ssc.stop({ stopContext: false });
  assert.equal(await waiting, true, 'a timeout past setTimeout’s range still waits for the stop');
  assert.equal(await ssc.awaitTerminationOrTimeout(0), true);
  for (const bad of [-1, Number.NaN, '10']) {
    await assert.rejects(
      // @ts-expect-error a JavaScript caller may pass anything
      ssc.awaitTerminationOrTimeout(bad),
      (e) =>
        isKindlingError(e, 'INVALID_ARGUMENT') &&
        e.context.argument === 'ssc.awaitTerminationOrTimeout timeoutMs',
    );
  }

  const failingClock = new ManualClock();
  const failing = new StreamingContext(ctx, 1000, { clock: failingClock });
  failing.queueStream([[1]]).foreachRDD(() => {
    throw new Error('sink down');
  });
  await failing.start();
  const failure = failing.awaitTerminationOrTimeout(60_000);
  await assert.rejects(failingClock.advance(1000), (e) =>
    isKindlingError(e, 'STREAMING_BATCH_FAILED'),
  );
  await assert.rejects(failure, (e) => isKindlingError(e) && /sink down/.test(e.message));
  await failing.stop({ stopContext: false });
});
