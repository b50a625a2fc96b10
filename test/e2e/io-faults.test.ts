// Disk and path faults reach the user as KindlingErrors that name the file and
// what is wrong, never as raw Node errors. Faults are real: a full device is
// /dev/full (every write fails with ENOSPC), an I/O error is a write into this
// process's own /proc/self/mem at an unmapped address (EIO), a file system that
// refuses a directory is /proc (tests run as root, so chmod blocks nothing).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, KindlingError } from 'kindling';

const made: string[] = [];
function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kindling-io-${label}-`));
  made.push(dir);
  return dir;
}
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function isKindling(code: string, ...fragments: string[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `${e.message} lacks ${f}`);
    return true;
  };
}

/** Points the manifest's temp file (written before its rename) at `target`. */
function redirectManifest(ctx: Context, checkpointDir: string, rddId: number, target: string) {
  const dir = path.join(checkpointDir, ctx.contextId, `rdd-${rddId}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(target, path.join(dir, `._manifest.json.${process.pid}.tmp`));
  return path.join(dir, '_manifest.json');
}

describe('disk faults while writing a checkpoint manifest', () => {
  it('a full device (ENOSPC) fails the action with IO_ERROR naming the manifest', async () => {
    const cp = tempDir('enospc');
    const ctx = new Context({ workers: 1, checkpointDir: cp, progress: false });
    try {
      const rdd = ctx.range(0, 100, 1, 2);
      rdd.checkpoint();
      const manifest = redirectManifest(ctx, cp, rdd.id, '/dev/full');
      await assert.rejects(
        rdd.count(),
        isKindling('IO_ERROR', manifest, 'no space left on device'),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('a device I/O error (EIO) fails the action with IO_ERROR naming the manifest', async () => {
    const cp = tempDir('eio');
    const ctx = new Context({ workers: 1, checkpointDir: cp, progress: false });
    try {
      const rdd = ctx.range(0, 100, 1, 2);
      rdd.checkpoint();
      const manifest = redirectManifest(ctx, cp, rdd.id, '/proc/self/mem');
      await assert.rejects(rdd.count(), isKindling('IO_ERROR', manifest, 'input/output error'));
    } finally {
      await ctx.stop();
    }
  });
});

describe('directories that cannot be used', () => {
  it('a localDir that is a file, or lies below one, is refused by new Context', () => {
    const file = path.join(tempDir('localdir'), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    assert.throws(
      () => new Context({ localDir: file, progress: false }),
      isKindling('INVALID_ARGUMENT', 'options.localDir', file, 'not a directory'),
    );
    const nested = path.join(file, 'scratch');
    assert.throws(
      () => new Context({ localDir: nested, progress: false }),
      isKindling('INVALID_ARGUMENT', 'options.localDir', file, 'not a directory'),
    );
  });

  it('a localDir that turns into a file after new Context fails jobs with IO_ERROR, and stop() succeeds', async () => {
    const root = tempDir('localdir-late');
    const localDir = path.join(root, 'scratch');
    const ctx = new Context({ workers: 1, localDir, progress: false });
    fs.writeFileSync(localDir, 'x');
    await assert.rejects(ctx.range(0, 10, 1, 2).count(), isKindling('IO_ERROR', localDir));
    await ctx.stop();
  });

  it('a checkpointDir below a file is refused by new Context with INVALID_ARGUMENT', () => {
    const file = path.join(tempDir('cpfile'), 'plain-file');
    fs.writeFileSync(file, 'x');
    assert.throws(
      () => new Context({ checkpointDir: path.join(file, 'cp'), progress: false }),
      isKindling('INVALID_ARGUMENT', 'checkpointDir', file, 'not a directory'),
    );
  });

  it('a checkpointDir on a file system that refuses directories fails with IO_ERROR, not ENOENT', () => {
    // In a child process: Node's recursive mkdir spins forever on /proc, so a
    // regression must not hang the test runner.
    const script =
      `import { Context } from 'kindling';\n` +
      `try { new Context({ checkpointDir: '/proc/kindling-checkpoints', progress: false }); ` +
      `console.log('created'); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.signal, null, 'the child hung creating the directory');
    const out = JSON.parse(child.stdout.trim()) as { name: string; code: string; message: string };
    assert.equal(out.name, 'KindlingError', out.message);
    assert.equal(out.code, 'IO_ERROR');
    assert.match(out.message, /\/proc\/kindling-checkpoints/);
    assert.match(out.message, /refused/);
  });
});

describe('files replaced or racing', () => {
  it('a checkpoint part replaced by a directory fails with CHECKPOINT_CORRUPT naming the part', async () => {
    const cp = tempDir('eisdir');
    const ctx = new Context({ workers: 1, checkpointDir: cp, progress: false });
    try {
      const rdd = ctx.range(0, 100, 1, 2);
      rdd.checkpoint();
      assert.equal(await rdd.count(), 100);
      const dir = rdd.getCheckpointFile() as string;
      const part = fs.readdirSync(dir).find((n) => n.startsWith('part-')) as string;
      fs.rmSync(path.join(dir, part));
      fs.mkdirSync(path.join(dir, part));
      await assert.rejects(
        rdd.collect(),
        isKindling('CHECKPOINT_CORRUPT', path.join(dir, part), 'directory'),
      );
      await assert.rejects(
        async () => ctx.checkpointFile<number>(dir).collect(),
        isKindling('CHECKPOINT_CORRUPT', path.join(dir, part), 'directory'),
      );
    } finally {
      await ctx.stop();
    }
  });

  it('two concurrent saveAsTextFile to one path: one succeeds, the other fails with INVALID_ARGUMENT', async () => {
    const out = path.join(tempDir('save'), 'out');
    const ctx = new Context({ workers: 2, progress: false });
    try {
      const rdd = ctx.range(0, 1000, 1, 4);
      const results = await Promise.allSettled([
        rdd.saveAsTextFile(out),
        rdd.map((x) => x * 2).saveAsTextFile(out),
        rdd.saveAsTextFile(out),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      assert.equal(ok.length, 1);
      for (const r of results) {
        if (r.status === 'rejected') isKindling('INVALID_ARGUMENT', out, 'exist')(r.reason);
      }
      const lines = ctx.textFile(out);
      assert.equal(await lines.count(), 1000);
      assert.deepEqual(
        fs.readdirSync(path.dirname(out)).filter((n) => n !== 'out'),
        [],
        'temp directories are removed',
      );
    } finally {
      await ctx.stop();
    }
  });

  it('a dangling symlink in a textFile directory fails with IO_ERROR naming it', async () => {
    const dir = tempDir('dangling');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'one\ntwo\n');
    fs.symlinkSync(path.join(dir, 'missing.txt'), path.join(dir, 'b.txt'));
    const ctx = new Context({ workers: 1, progress: false });
    try {
      assert.throws(
        () => ctx.textFile(dir),
        isKindling('IO_ERROR', path.join(dir, 'b.txt'), 'symbolic link'),
      );
    } finally {
      await ctx.stop();
    }
  });
});
