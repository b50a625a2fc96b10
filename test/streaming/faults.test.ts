// Streaming under faults: a stream that reported its death stops (no more
// batches, state 'stopped'); textFileStream reads a file renamed over a name it
// has already read, once, also across recovery; start() without await and
// without a needed checkpoint directory never crashes the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Context, ManualClock, StreamingContext, isKindlingError } from 'kindling';
import { dropFile, tempDir } from './helpers.js';

test('a metadata checkpoint write failure with no error listener stops the stream', async () => {
  const dir = tempDir('deadstop');
  const ctx = new Context({ workers: 1, progress: false });
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  ssc.checkpoint(path.join(dir, 'cp'));
  const ran: number[] = [];
  const started: number[] = [];
  ssc.on('batchStarted', (e) => started.push(e.batchTimeMs));
  ssc.queueStream([[1], [2], [3], [4]]).foreachRDD((_rdd, t) => void ran.push(t));
  await ssc.start();
  const terminated = ssc.awaitTermination();
  await clock.setTime(1000);
  assert.deepEqual(ran, [1000]);
  // A non-empty directory where the temp file goes makes every write attempt fail.
  fs.mkdirSync(path.join(dir, 'cp', '.checkpoint-temp', 'blocker'), { recursive: true });
  await clock.setTime(2000).catch(() => undefined);
  await assert.rejects(terminated, (e) => isKindlingError(e, 'STREAMING_CHECKPOINT_WRITE_FAILED'));
  assert.equal(ssc.getState(), 'stopped');
  fs.rmSync(path.join(dir, 'cp', '.checkpoint-temp'), { recursive: true });
  await clock.setTime(4000).catch(() => undefined);
  assert.deepEqual(ran, [1000], 'no output runs after the stream reported its death');
  assert.deepEqual(started, [1000, 2000], 'no batch starts after the failed one');
  await ssc.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('textFileStream reads a new file renamed over a name it has already read', async () => {
  const dir = tempDir('samename');
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  const ctx = new Context({ workers: 1, progress: false });
  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const batches = new Map<number, string[]>();
  ssc.textFileStream(input).foreachRDD(async (rdd, t) => {
    batches.set(t, (await rdd.collect()).sort());
  });
  await ssc.start();
  dropFile(input, 'data.txt', ['first']);
  await clock.setTime(1000);
  await clock.setTime(2000);
  dropFile(input, 'data.txt', ['second', 'longer']);
  await clock.setTime(3000);
  await clock.setTime(4000);
  await ssc.stop();
  assert.deepEqual(batches.get(1000), ['first']);
  assert.deepEqual(batches.get(2000), [], 'an unchanged file is read once');
  assert.deepEqual(batches.get(3000), ['longer', 'second']);
  assert.deepEqual(batches.get(4000), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a file renamed over a read name while the process was down is read after recovery, once', async () => {
  const dir = tempDir('samename-recover');
  const input = path.join(dir, 'in');
  const cp = path.join(dir, 'cp');
  fs.mkdirSync(input);
  const clock = new ManualClock();
  const batches = new Map<number, string[]>();
  const build = () => {
    const ctx = new Context({ workers: 1, progress: false });
    const ssc = new StreamingContext(ctx, 1000, { clock });
    ssc.textFileStream(input).foreachRDD(async (rdd, t) => {
      batches.set(t, (await rdd.collect()).sort());
    });
    return ssc;
  };
  const first = await StreamingContext.getOrCreate(cp, build);
  await first.start();
  dropFile(input, 'data.txt', ['first']);
  await clock.setTime(1000);
  await first.stop();
  dropFile(input, 'data.txt', ['second', 'longer']);
  const second = await StreamingContext.getOrCreate(cp, build);
  await second.start();
  await clock.setTime(2000);
  await clock.setTime(3000);
  await second.stop();
  assert.deepEqual(batches.get(1000), ['first']);
  assert.deepEqual(batches.get(2000), ['longer', 'second']);
  assert.deepEqual(batches.get(3000), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('start() without await and without a needed checkpoint directory does not crash the process', () => {
  const script = `
import { Context, StreamingContext } from 'kindling';
const ctx = new Context({ workers: 1, progress: false });
const ssc = new StreamingContext(ctx, 1000);
ssc.queueStream([[['a', 1]]]).updateStateByKey((vs, s) => (s ?? 0) + vs.length).print();
ssc.start();
ssc.awaitTermination().then(
  () => console.log('terminated without error'),
  (e) => console.log('failed ' + e.code),
).finally(() => ctx.stop());
`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'failed CHECKPOINT_DIR_NOT_SET');
  assert.equal(child.stderr, '');
});

test('a checkpoint written before file versions were recorded still recovers, reading no file twice', async () => {
  const dir = tempDir('oldposition');
  const input = path.join(dir, 'in');
  const cp = path.join(dir, 'cp');
  fs.mkdirSync(input);
  const clock = new ManualClock();
  const batches = new Map<number, string[]>();
  const build = () => {
    const ctx = new Context({ workers: 1, progress: false });
    const ssc = new StreamingContext(ctx, 1000, { clock });
    ssc.textFileStream(input).foreachRDD(async (rdd, t) => {
      batches.set(t, (await rdd.collect()).sort());
    });
    return ssc;
  };
  const first = await StreamingContext.getOrCreate(cp, build);
  await first.start();
  dropFile(input, 'a.txt', ['a']);
  await clock.setTime(1000);
  await first.stop();
  // Rewrite every checkpoint file as an older build wrote it: source positions without versions.
  for (const name of fs.readdirSync(cp).filter((n) => n.startsWith('checkpoint-'))) {
    const file = path.join(cp, name);
    const text = fs.readFileSync(file, 'utf8');
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    const data = JSON.parse(text.slice(text.indexOf('\n') + 1)) as {
      sources: { position: Record<string, unknown> }[];
    };
    for (const s of data.sources) delete s.position.versions;
    const payload = JSON.stringify(data, null, 2);
    header.crc32 = zlib.crc32(payload).toString(16).padStart(8, '0');
    header.bytes = Buffer.byteLength(payload);
    fs.writeFileSync(file, `${JSON.stringify(header)}\n${payload}\n`);
  }
  dropFile(input, 'b.txt', ['b']);
  const second = await StreamingContext.getOrCreate(cp, build);
  await second.start();
  await clock.setTime(2000);
  await second.stop();
  assert.deepEqual(batches.get(1000), ['a']);
  assert.deepEqual(batches.get(2000), ['b']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a streaming checkpoint directory below a file is refused with INVALID_ARGUMENT naming the file', async () => {
  const dir = tempDir('cpfile');
  const file = path.join(dir, 'plain-file');
  fs.writeFileSync(file, 'x');
  const ctx = new Context({ workers: 1, progress: false });
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  assert.throws(
    () => ssc.checkpoint(path.join(file, 'cp')),
    (e) => isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes(file),
  );
  await ctx.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
