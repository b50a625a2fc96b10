// A device that fills up under a job: every file a task writes (shuffle output and its spills,
// a checkpoint part, a disk cache block, an output part) is on a real 1 MiB tmpfs, so writes
// fail with a real ENOSPC. The job fails with an error naming the device's reason and the
// file; nothing it wrote is left behind; the next job that fits runs. An event log that cannot
// be written never fails the application: it says so as a warning.
//
// Mounting needs root (CI runs as root); elsewhere the tests are skipped, saying so.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Context, KindlingError, StorageLevel, type RDD } from 'kindling';

const device = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-full-'));
const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', device], {
  encoding: 'utf8',
});
const skip =
  mount.status === 0
    ? false
    : `a 1 MiB tmpfs could not be mounted (needs root): ${(mount.stderr || String(mount.error)).trim()}`;

after(() => {
  if (skip === false) spawnSync('umount', [device]);
  fs.rmSync(device, { recursive: true, force: true });
});

/** Files left on the device (directories aside). */
function filesOn(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** Files on the device now that were not in `before`. */
function added(before: string[]): string[] {
  return filesOn(device).filter((f) => !before.includes(f));
}

/** Rejects with the device's ENOSPC, an IO_ERROR naming `what` and a file under `dir`. */
async function assertDiskFull(job: Promise<unknown>, what: string, dir: string): Promise<void> {
  await assert.rejects(job, (e: unknown) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.match(e.message, /no space left on device \(ENOSPC\)/);
    let io: unknown = e;
    while (io instanceof KindlingError && io.code !== 'IO_ERROR') io = io.cause;
    assert.ok(io instanceof KindlingError, `no IO_ERROR behind ${e.message}`);
    assert.equal(io.context.errno, 'ENOSPC');
    assert.ok(io.message.includes(`Cannot write ${what} ${dir}`), io.message);
    return true;
  });
}

/** 400 k records of about 40 bytes: many times what the device holds, compressed or not. */
function big(ctx: Context): RDD<[string, number]> {
  return ctx
    .range(0, 400_000, 1, 4)
    .map((i) => [`key-${i}-padding-padding`, i] as [string, number]);
}

describe('a device that fills up', { skip }, () => {
  let ctx: Context;
  const localDir = path.join(device, 'local');
  before(() => {
    ctx = new Context({ workers: 2, progress: false, localDir, checkpointDir: device });
  });
  after(() => ctx.stop());

  it('under a shuffle fails the job naming the shuffle output, leaves no file, and a job that fits runs next', async () => {
    await assertDiskFull(
      big(ctx)
        .reduceByKey((a, b) => a + b)
        .count(),
      'the shuffle output',
      localDir,
    );
    assert.deepEqual(filesOn(device), []);
    const small = ctx.range(0, 1000, 1, 4).map((i) => [i % 10, 1] as [number, number]);
    assert.equal(await small.reduceByKey((a, b) => a + b).count(), 10);
  });

  // The shuffle files of the job that fitted stay while its RDD can be used again (a GC may
  // remove them at any time): each test looks for files that were not there before it.
  it('under a checkpoint fails the job naming the checkpoint part, and leaves no part', async () => {
    const was = filesOn(device);
    const rdd = big(ctx);
    rdd.checkpoint();
    await assertDiskFull(rdd.count(), 'the checkpoint part', device);
    assert.deepEqual(added(was), []);
  });

  it('under a DISK_ONLY cache fails the job naming the cache block, and leaves no block', async () => {
    const was = filesOn(device);
    const rdd = big(ctx).persist(StorageLevel.DISK_ONLY);
    await assertDiskFull(rdd.count(), 'the cache block', localDir);
    assert.deepEqual(added(was), []);
  });

  it('under saveAsTextFile fails naming the output part, and leaves no output directory', async () => {
    const was = filesOn(device);
    const out = path.join(device, 'out');
    await assertDiskFull(big(ctx).saveAsTextFile(out), 'the output part', device);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(added(was), []);
  });

  it("under the event log lets the application go on, and a warning nobody listens for reaches Node's warnings", async () => {
    const dir = path.join(device, 'events');
    fs.mkdirSync(dir);
    const filler = path.join(device, 'filler');
    fillDevice(filler);
    const warned = new Promise<Error>((resolve) => {
      const onWarning = (w: Error): void => {
        if (w.name !== 'KindlingWarning') return;
        process.off('warning', onWarning);
        resolve(w);
      };
      process.on('warning', onWarning);
    });
    const logged = new Context({ workers: 1, progress: false, eventLogDir: dir });
    try {
      assert.equal(await logged.range(0, 100, 1, 4).count(), 100);
    } finally {
      await logged.stop();
      fs.rmSync(filler);
    }
    const w = await warned;
    assert.match(
      w.message,
      /The event log stopped \(write failed: no space left on device \(ENOSPC\)\)/,
    );
    assert.ok(w.message.includes(dir), w.message);
  });
});

/** Writes `file` until the device has no byte left. */
function fillDevice(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
}
