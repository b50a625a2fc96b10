// Every argument that names a local path also takes a file: URL, as Spark's does (`file:///x`,
// `file:/x`, `file://localhost/x`, or a URL object), and means the same file; a scheme that is
// not supported there is refused with INVALID_ARGUMENT naming the argument, never read as a
// relative folder called `hdfs:`.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Context, KindlingError, ManualClock, StreamingContext } from 'kindling';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling file urls '));
const ctx = new Context({ workers: 2, progress: false });
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh path under the root (its name has a space: a URL of it carries %20). */
function fresh(name: string): string {
  return path.join(fs.mkdtempSync(path.join(root, 'case ')), name);
}

function writeLines(file: string, lines: string[]): string {
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

function invalidArgument(argument: string, ...mentions: string[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT', e.message);
    assert.equal(e.context.argument, argument, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `${e.message} mentions ${m}`);
    return true;
  };
}

describe('file: URLs as paths', () => {
  it('textFile reads a file named by a file: URL in every spelling Spark accepts', async () => {
    const file = writeLines(fresh('in put.txt'), ['a', 'b', 'c']);
    const href = pathToFileURL(file).href; // file:///.../in%20put.txt
    assert.match(href, /%20/);
    for (const spelling of [
      href,
      pathToFileURL(file), // a URL object
      href.replace('file:///', 'file:/'), // Hadoop's own way of printing it
      href.replace('file:///', 'file://localhost/'),
    ]) {
      assert.deepEqual(
        await ctx.textFile(spelling, 3).collect(),
        ['a', 'b', 'c'],
        String(spelling),
      );
    }
  });

  it('textFile takes a directory, a glob and comma-separated file: URLs', async () => {
    const dir = path.dirname(writeLines(fresh('part-1'), ['one']));
    writeLines(path.join(dir, 'part-2'), ['two']);
    const url = pathToFileURL(dir).href;
    assert.deepEqual((await ctx.textFile(url).collect()).sort(), ['one', 'two']);
    assert.deepEqual((await ctx.textFile(`${url}/part-*`).collect()).sort(), ['one', 'two']);
    assert.deepEqual(await ctx.textFile(`${url}/part-?`).collect(), ['one', 'two']);
    assert.deepEqual(await ctx.textFile(`${url}/part-2,${url}/part-1`).collect(), ['two', 'one']);
  });

  it('saveAsTextFile writes to the directory a file: URL names, and it reads back', async () => {
    const out = fresh('out');
    await ctx.parallelize(['x', 'y', 'z'], 2).saveAsTextFile(pathToFileURL(out).href);
    assert.ok(fs.existsSync(path.join(out, '_SUCCESS')), 'the output is at the local path');
    assert.deepEqual(await ctx.textFile(pathToFileURL(out)).collect(), ['x', 'y', 'z']);
    const objects = fresh('objects');
    await ctx.parallelize([{ n: 1 }, { n: 2 }], 2).saveAsObjectFile(pathToFileURL(objects));
    assert.deepEqual(await ctx.objectFile(pathToFileURL(objects).href).collect(), [
      { n: 1 },
      { n: 2 },
    ]);
  });

  it('wholeTextFiles names each file by its local path', async () => {
    const file = writeLines(fresh('whole.txt'), ['w']);
    assert.deepEqual(await ctx.wholeTextFiles(pathToFileURL(file).href).collect(), [[file, 'w\n']]);
  });

  it('a checkpoint directory given as a file: URL holds the checkpoint, and checkpointFile reopens it', async () => {
    const dir = fresh('checkpoints');
    const local = new Context({
      workers: 1,
      progress: false,
      checkpointDir: pathToFileURL(dir).href,
    });
    try {
      const rdd = local.parallelize([1, 2, 3, 4], 2).map((x) => x * 10);
      rdd.checkpoint();
      assert.deepEqual(await rdd.collect(), [10, 20, 30, 40]);
      assert.ok(rdd.isCheckpointed());
      const written = rdd.getCheckpointFile() ?? assert.fail('no checkpoint file');
      assert.ok(written.startsWith(dir + path.sep), `${written} is under ${dir}`);
      assert.deepEqual(
        await local.checkpointFile(pathToFileURL(written)).collect(),
        [10, 20, 30, 40],
      );
      // setCheckpointDir takes one too.
      const other = fresh('more checkpoints');
      local.setCheckpointDir(pathToFileURL(other).href);
      assert.ok(local.getCheckpointDir()?.startsWith(other + path.sep), local.getCheckpointDir());
    } finally {
      await local.stop();
    }
  });

  it('localDir and eventLogDir given as file: URLs are those directories', async () => {
    const scratch = fresh('scratch');
    const events = fresh('events');
    const local = new Context({
      workers: 1,
      progress: false,
      localDir: pathToFileURL(scratch),
      eventLogDir: pathToFileURL(events).href,
    });
    try {
      assert.equal(
        await local
          .parallelize([1, 2, 3], 2)
          .map((x) => [x % 2, x] as [number, number])
          .reduceByKey((a, b) => a + b)
          .count(),
        2,
      );
      assert.ok(fs.readdirSync(scratch).length > 0, 'scratch is under localDir');
    } finally {
      await local.stop();
    }
    assert.ok(
      fs.readdirSync(events).some((n) => n.endsWith('.jsonl')),
      'an event log was written',
    );
  });

  it('a streaming checkpoint, file stream and saveAsTextFiles prefix take file: URLs', async () => {
    const dir = fresh('stream');
    const input = path.join(dir, 'input');
    fs.mkdirSync(input, { recursive: true });
    const clock = new ManualClock(0);
    const ssc = new StreamingContext(ctx, 1000, { clock });
    try {
      ssc.checkpoint(pathToFileURL(path.join(dir, 'checkpoint')).href);
      assert.equal(ssc.getCheckpointDir(), path.join(dir, 'checkpoint'));
      ssc
        .textFileStream(pathToFileURL(input))
        .saveAsTextFiles(pathToFileURL(path.join(dir, 'out')).href);
      await ssc.start();
      writeLines(path.join(input, 'a.txt'), ['s1', 's2']);
      await clock.advance(1000);
      assert.deepEqual(await ctx.textFile(path.join(dir, 'out-1000')).collect(), ['s1', 's2']);
    } finally {
      await ssc.stop({ stopContext: false });
    }
  });

  it('refuses a scheme that is not supported there with INVALID_ARGUMENT naming the argument', async () => {
    assert.throws(
      () => ctx.textFile('hdfs://namenode:8020/data/x.txt'),
      invalidArgument('ctx.textFile path', 'hdfs:'),
    );
    assert.throws(
      () => ctx.textFile(new URL('http://example.com/x.txt')),
      invalidArgument('ctx.textFile path', 'http:'),
    );
    await assert.rejects(
      ctx.parallelize([1]).saveAsTextFile('gs://bucket/out'),
      invalidArgument('rdd.saveAsTextFile path', 'gs:'),
    );
    assert.throws(
      () => ctx.setCheckpointDir('hdfs:/checkpoints'),
      invalidArgument('ctx.setCheckpointDir dir', 'hdfs:'),
    );
    assert.throws(
      () => ctx.checkpointFile('http://host/cp'),
      invalidArgument('ctx.checkpointFile path', 'http:'),
    );
    // Where s3:// has no meaning, it is refused too, and redis:// is only a master.
    assert.throws(
      () => new Context({ localDir: 's3://bucket/scratch' }),
      invalidArgument('options.localDir', 's3:'),
    );
    assert.throws(
      () => new Context({ eventLogDir: 'redis://localhost:6379' }),
      invalidArgument('options.eventLogDir', 'redis:'),
    );
    // A file: URL that names no local file: another host, a relative path.
    assert.throws(
      () => ctx.textFile('file://fileserver/share/x.txt'),
      invalidArgument('ctx.textFile path', 'fileserver'),
    );
    assert.throws(
      () => ctx.textFile('file:x.txt'),
      invalidArgument('ctx.textFile path', 'absolute'),
    );
    assert.throws(
      () => ctx.textFile(42 as unknown as string),
      invalidArgument('ctx.textFile path', 'file: URL'),
    );
  });

  it('keeps s3:// where storage may be on S3, and a relative path with a colon as a path', async () => {
    ctx.setCheckpointDir('s3://my-bucket/checkpoints');
    assert.match(ctx.getCheckpointDir() ?? '', /^s3:\/\/my-bucket\/checkpoints\//);
    ctx.setCheckpointDir(fresh('back to local'));
    const dir = path.dirname(fresh('x'));
    writeLines(path.join(dir, 'a:b.txt'), ['colon']);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assert.deepEqual(await ctx.textFile('a:b.txt').collect(), ['colon']);
    } finally {
      process.chdir(cwd);
    }
  });
});
