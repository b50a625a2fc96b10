// Sources and sinks added for Spark parity: objectFile round trips, gzip text output and gzip
// text input (made with zlib), each compared with the records written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Context, KindlingError } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-sources-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string): string => path.join(root, `${name}-${n++}`);

test('saveAsObjectFile and objectFile round-trip records with their types, per partition', async () => {
  const records = Array.from({ length: 500 }, (_, i) => ({
    i,
    big: BigInt(i) * 10n ** 20n,
    when: new Date(i * 1000),
    tags: new Set([`t${i % 3}`]),
    nested: [i, [String(i)]],
  }));
  for (const slices of [1, 4, 9]) {
    const dir = fresh('objects');
    const rdd = ctx.parallelize(records, slices);
    await rdd.saveAsObjectFile(dir);
    assert.ok(fs.existsSync(path.join(dir, '_SUCCESS')));
    const back = ctx.objectFile<(typeof records)[number]>(dir);
    assert.equal(back.getNumPartitions(), slices);
    assert.deepEqual(await back.collect(), records);
    assert.deepEqual(await back.glom().collect(), await rdd.glom().collect());
  }
  await assert.rejects(ctx.parallelize([1]).saveAsObjectFile(root), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => ctx.objectFile(fresh('missing')), { code: 'INVALID_ARGUMENT' });
});

test('objectFile refuses a damaged part file naming it, never returning altered records', async () => {
  const dir = fresh('damaged');
  await ctx
    .parallelize(
      Array.from({ length: 2000 }, (_, i) => `record ${i}`),
      2,
    )
    .saveAsObjectFile(dir);
  const part = path.join(dir, 'part-00001');
  const bytes = fs.readFileSync(part);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  fs.writeFileSync(part, bytes);
  await assert.rejects(ctx.objectFile(dir).collect(), (e: Error) => {
    assert.match(`${e.message} ${String((e.cause as Error | undefined)?.message)}`, /part-00001/);
    return true;
  });
});

test("saveAsTextFile(path, { compression: 'gzip' }) writes gzip parts that read back as text", async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => (i % 5 === 0 ? { i } : `line ${i}`));
  for (const slices of [1, 3, 8]) {
    const dir = fresh('gzip-out');
    await ctx.parallelize(lines, slices).saveAsTextFile(dir, { compression: 'gzip' });
    const parts = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('part-'))
      .sort();
    assert.equal(parts.length, slices);
    assert.ok(parts.every((f) => f.endsWith('.gz')));
    const expected = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    const inflated = parts
      .map((f) => zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8'))
      .join('');
    assert.equal(inflated, expected.map((l) => l + '\n').join(''));
    // textFile reads them back transparently, one partition per .gz file.
    const back = ctx.textFile(dir);
    assert.equal(back.getNumPartitions(), slices);
    assert.deepEqual(await back.collect(), expected);
  }
  // An action: a bad option rejects, as its other argument checks do.
  await assert.rejects(
    ctx.parallelize([1]).saveAsTextFile(fresh('x'), { compression: 'zip' as never }),
    { code: 'INVALID_ARGUMENT' },
  );
});

test('textFile reads .gz files made with zlib, one partition per file, next to plain ones', async () => {
  const dir = fresh('gzip-in');
  fs.mkdirSync(dir);
  const a = Array.from({ length: 4000 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 10 }, (_, i) => `b${i}`);
  fs.writeFileSync(path.join(dir, 'a.txt.gz'), zlib.gzipSync(a.join('\r\n') + '\r\n'));
  fs.writeFileSync(path.join(dir, 'b.txt'), b.join('\n'));
  fs.writeFileSync(path.join(dir, 'c.gz'), zlib.gzipSync(''));
  for (const minPartitions of [1, 6]) {
    const rdd = ctx.textFile(dir, minPartitions);
    assert.deepEqual(await rdd.collect(), [...a, ...b]);
  }
  assert.equal(ctx.textFile(path.join(dir, 'a.txt.gz'), 8).getNumPartitions(), 1);
  fs.writeFileSync(path.join(dir, 'bad.gz'), 'not gzip at all');
  await assert.rejects(ctx.textFile(path.join(dir, 'bad.gz')).collect(), (e: Error) => {
    assert.match(`${e.message} ${String((e.cause as Error | undefined)?.message)}`, /bad\.gz/);
    return true;
  });
});

test('textFile inflates .deflate files (zlib, as Hadoop DefaultCodec) and refuses the codecs it cannot read, naming the file', async () => {
  const dir = fresh('deflate-in');
  fs.mkdirSync(dir);
  const lines = Array.from({ length: 3000 }, (_, i) => `d${i}`);
  fs.writeFileSync(path.join(dir, 'part.deflate'), zlib.deflateSync(lines.join('\n') + '\n'));
  fs.writeFileSync(path.join(dir, 'plain.txt'), 'p0\np1');
  assert.deepEqual(await ctx.textFile(dir, 4).collect(), [...lines, 'p0', 'p1']);
  assert.equal(ctx.textFile(path.join(dir, 'part.deflate'), 8).getNumPartitions(), 1);
  fs.writeFileSync(path.join(dir, 'bad.deflate'), 'not zlib');
  await assert.rejects(ctx.textFile(path.join(dir, 'bad.deflate')).collect(), /bad\.deflate/);
  // A bzip2 file (its magic and a block header) next to the others: refused, never read as text.
  fs.writeFileSync(path.join(dir, 'more.bz2'), Buffer.from('BZh91AY&SY6]\u0016)', 'latin1'));
  for (const p of [dir, path.join(dir, 'more.bz2')]) {
    assert.throws(
      () => ctx.textFile(p),
      (e: unknown) =>
        e instanceof KindlingError &&
        e.code === 'INVALID_ARGUMENT' &&
        /more\.bz2/.test(e.message) &&
        /\.bz2/.test(e.message),
    );
  }
});

test('wholeTextFiles and binaryFiles give [path, content] for every file, any partitioning', async () => {
  const dir = fresh('whole');
  fs.mkdirSync(dir);
  const files = new Map<string, string>();
  for (let i = 0; i < 7; i++) {
    const file = path.join(dir, `f${i}.txt`);
    const content = `file ${i}\n`.repeat(i * 100) + (i % 2 === 0 ? 'no newline' : '');
    fs.writeFileSync(file, content);
    files.set(file, content);
  }
  fs.writeFileSync(path.join(dir, '_hidden'), 'skipped');
  for (const minPartitions of [1, 3, 20]) {
    const text = await ctx.wholeTextFiles(dir, minPartitions).collect();
    assert.deepEqual(new Map(text), files);
    const bytes = await ctx.binaryFiles(path.join(dir, '*.txt'), minPartitions).collect();
    assert.deepEqual(new Map(bytes.map(([p, b]) => [p, Buffer.from(b).toString('utf8')])), files);
    assert.ok(bytes.every(([, b]) => b instanceof Uint8Array));
  }
  assert.throws(() => ctx.wholeTextFiles(fresh('none')), { code: 'INVALID_ARGUMENT' });
});

test('doubleAccumulator sums fractional updates from workers once per task', async () => {
  const acc = ctx.doubleAccumulator('halves');
  await ctx
    .parallelize(
      Array.from({ length: 100 }, (_, i) => i),
      7,
    )
    .foreach((x, env) => env.acc.add(x / 2), { env: { acc } });
  assert.equal(acc.value, 4950 / 2);
});

test('cancelJobGroup cancels the running jobs of that group only', async () => {
  const started = new Promise<void>((resolve) => {
    const onStart = (): void => {
      ctx.off('jobStart', onStart);
      resolve();
    };
    ctx.on('jobStart', onStart);
  });
  const runIn = async <R>(group: string, action: () => Promise<R>): Promise<R> => {
    ctx.setJobGroup(group, `jobs of ${group}`);
    assert.equal(ctx.getLocalProperty('spark.jobGroup.id'), group);
    return action();
  };
  // A task that never finishes: only cancellation ends this job.
  const stuck = runIn('stuck', () =>
    ctx.parallelize([1], 1).foreach(() => new Promise<void>(() => undefined)),
  );
  await started;
  ctx.cancelJobGroup('other');
  const counted = await runIn('other', () => ctx.parallelize([1, 2, 3], 2).count());
  assert.equal(counted, 3);
  ctx.cancelJobGroup('stuck');
  await assert.rejects(stuck, { code: 'JOB_CANCELLED' });
  assert.equal(await ctx.parallelize([1, 2], 2).count(), 2);
  ctx.setLocalProperty('k', 'v');
  assert.equal(ctx.getLocalProperty('k'), 'v');
  ctx.setLocalProperty('k', undefined);
  assert.equal(ctx.getLocalProperty('k'), undefined);
});

test('binaryRecords cuts every file into fixed-length records, refusing a ragged file', async () => {
  const dir = fresh('records');
  fs.mkdirSync(dir);
  const expected: number[][] = [];
  for (let f = 0; f < 3; f++) {
    const bytes = Uint8Array.from({ length: 4 * (f * 5 + 1) }, (_, i) => (i * 7 + f) % 256);
    fs.writeFileSync(path.join(dir, `r${f}.bin`), bytes);
    for (let at = 0; at < bytes.length; at += 4) expected.push([...bytes.subarray(at, at + 4)]);
  }
  for (const minPartitions of [1, 2, 5]) {
    const records = await ctx.binaryRecords(dir, 4, minPartitions).collect();
    assert.ok(records.every((r) => r instanceof Uint8Array && r.length === 4));
    assert.deepEqual(
      records.map((r) => [...r]),
      expected,
    );
  }
  assert.throws(() => ctx.binaryRecords(dir, 3), { code: 'INVALID_ARGUMENT', message: /r0\.bin/ });
});
