// inspectCheckpoint verifies every checksum of a checkpoint and reports its
// RDD, partitions, records, bytes, codec and compression ratio; on damage it
// names the first bad file and frame. `kindling inspect` prints it and exits 1
// on a damaged checkpoint.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Context, HashPartitioner } from 'kindling';
import { formatCheckpointReport, inspectCheckpoint } from '../../src/checkpoint/inspect.js';
import { copyCheckpoint, flipByte, range, readJson, removeTempDirs, tempDir } from './helpers.js';
import { kindlingAsNobody, nobody, openToNobody, skipUnlessDeniable } from './unprivileged.js';
import { KINDLING_MAIN as cli, kindling } from '../kindling-cli.js';

const ctx = new Context({ workers: 2, progress: false, checkpointDir: tempDir('inspect-cp') });
const scratch = tempDir('inspect-copies');
openToNobody(scratch);

/** The CLI as a child process: exit code, stdout and stderr, whatever the exit code. */
let lz4Dir = '';
let noneDir = '';
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

before(async () => {
  const rdd = ctx
    .parallelize(
      range(50_000).map((i) => ({ id: i, name: `name-${i % 50}`, score: i % 10 })),
      4,
    )
    .setName('people')
    .map((o) => [o.name, o.score] as [string, number])
    .partitionBy(new HashPartitioner(4));
  rdd.setName('people');
  rdd.checkpoint();
  await rdd.count();
  lz4Dir = rdd.getCheckpointFile() as string;
  const none = new Context({
    workers: 1,
    progress: false,
    checkpointCompression: 'none',
    checkpointDir: tempDir('inspect-none'),
  });
  try {
    const nums = none.range(0, 10_000, 1, 2);
    nums.checkpoint();
    await nums.count();
    noneDir = nums.getCheckpointFile() as string;
  } finally {
    await none.stop();
  }
});

describe('inspectCheckpoint', () => {
  it('reports a sound checkpoint: rdd, partitions, records, bytes, codec, ratio, partitioner', () => {
    const r = inspectCheckpoint(lz4Dir);
    const m = readJson(path.join(lz4Dir, '_manifest.json'));
    assert.equal(r.ok, true);
    assert.equal(r.firstError, null);
    assert.equal(r.rddId, m.rddId);
    assert.equal(r.rddName, 'people');
    assert.equal(r.codec, 'lz4');
    assert.equal(r.numPartitions, 4);
    assert.equal(r.partitioner, 'hash(4)');
    assert.equal(r.records, 50_000);
    assert.equal(r.bytes, m.bytes);
    assert.ok(r.rawBytes > r.bytes, 'repetitive names compress');
    assert.ok((r.compressionRatio ?? 0) > 1);
    assert.deepEqual(
      r.parts.map((p) => [p.file, p.ok]),
      range(4).map((i) => [`part-0000${i}`, true]),
    );
    assert.ok(r.parts.every((p) => p.frames > 0));
    assert.doesNotThrow(() => JSON.stringify(r));
    const text = formatCheckpointReport(r);
    assert.match(text, /people/);
    assert.match(text, /verified/);

    const plain = inspectCheckpoint(noneDir);
    assert.equal(plain.ok, true);
    assert.equal(plain.codec, 'none');
    assert.equal(plain.records, 10_000);
    assert.ok((plain.compressionRatio ?? 2) <= 1);
  });

  it('names the first bad file and frame of a flipped byte', () => {
    const dir = copyCheckpoint(lz4Dir, scratch, 'flip');
    const file = path.join(dir, 'part-00002');
    flipByte(file, Math.floor(fs.statSync(file).size / 2));
    const r = inspectCheckpoint(dir);
    assert.equal(r.ok, false);
    assert.equal(r.firstError?.code, 'CHECKPOINT_CORRUPT');
    assert.equal(r.firstError?.path, file);
    assert.equal(typeof r.firstError?.frame, 'number');
    assert.deepEqual(
      r.parts.map((p) => p.ok),
      [true, true, false, true],
    );
    assert.match(formatCheckpointReport(r), /DAMAGED: .*part-00002 frame \d+/);
  });

  it('names the frame where a truncated file ends', () => {
    const dir = copyCheckpoint(noneDir, scratch, 'truncated');
    const file = path.join(dir, 'part-00001');
    fs.truncateSync(file, fs.statSync(file).size - 100);
    const r = inspectCheckpoint(dir);
    assert.equal(r.firstError?.path, file);
    assert.equal(typeof r.firstError?.frame, 'number');
  });

  it('finds a part file swapped in from another checkpoint by its crc32', () => {
    const dir = copyCheckpoint(noneDir, scratch, 'swapped');
    // Same size and record count, other content: only the whole-file crc tells.
    fs.copyFileSync(path.join(noneDir, 'part-00000'), path.join(dir, 'part-00001'));
    const r = inspectCheckpoint(dir);
    assert.equal(r.ok, false);
    assert.equal(r.firstError?.path, path.join(dir, 'part-00001'));
    assert.match(r.firstError?.message ?? '', /crc32/);
  });

  it('reports missing and extra part files, and a missing manifest', () => {
    const missing = copyCheckpoint(noneDir, scratch, 'missing');
    fs.rmSync(path.join(missing, 'part-00001'));
    assert.equal(inspectCheckpoint(missing).firstError?.path, path.join(missing, 'part-00001'));
    const extra = copyCheckpoint(noneDir, scratch, 'extra');
    fs.copyFileSync(path.join(extra, 'part-00001'), path.join(extra, 'part-00002'));
    const r = inspectCheckpoint(extra);
    assert.deepEqual(r.extraFiles, ['part-00002']);
    assert.equal(r.firstError?.path, path.join(extra, 'part-00002'));
    const bare = copyCheckpoint(noneDir, scratch, 'bare');
    fs.rmSync(path.join(bare, '_manifest.json'));
    assert.equal(inspectCheckpoint(bare).firstError?.code, 'CHECKPOINT_NOT_FOUND');
  });
  it('reports a part file that is a directory and a manifest that is not an object, naming each', () => {
    const partDir = copyCheckpoint(noneDir, scratch, 'part-is-dir');
    const part = path.join(partDir, 'part-00001');
    fs.rmSync(part);
    fs.mkdirSync(part);
    const r = inspectCheckpoint(partDir);
    assert.equal(r.firstError?.code, 'CHECKPOINT_CORRUPT');
    assert.equal(r.firstError?.path, part);
    assert.match(r.firstError?.message ?? '', /directory or other non-file/);
    const nullManifest = copyCheckpoint(noneDir, scratch, 'null-manifest');
    const manifest = path.join(nullManifest, '_manifest.json');
    fs.writeFileSync(manifest, 'null');
    const n = inspectCheckpoint(nullManifest);
    assert.equal(n.firstError?.code, 'CHECKPOINT_CORRUPT');
    assert.equal(n.firstError?.path, manifest);
    assert.ok(n.firstError?.message.includes(manifest), n.firstError?.message);
  });
});

describe('kindling inspect', () => {
  const run = promisify(execFile);

  it('prints a verified checkpoint and exits 0, or JSON with --json', async () => {
    const { stdout } = await run(process.execPath, [cli, 'inspect', lz4Dir]);
    assert.match(stdout, /people/);
    const json = await run(process.execPath, [cli, 'inspect', lz4Dir, '--json']);
    const report = JSON.parse(json.stdout) as { ok: boolean; records: number };
    assert.equal(report.ok, true);
    assert.equal(report.records, 50_000);
  });

  it('exits 1 naming the first bad file and frame', async () => {
    const dir = copyCheckpoint(lz4Dir, scratch, 'cli-flip');
    const file = path.join(dir, 'part-00001');
    flipByte(file, Math.floor(fs.statSync(file).size / 2));
    await assert.rejects(
      run(process.execPath, [cli, 'inspect', dir]),
      (e: { code?: number; stdout?: string; stderr?: string }) => {
        const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
        return e.code === 1 && out.includes(file) && /frame \d+/.test(out);
      },
    );
  });

  it('exits 1 naming a part file that is a directory, as text and as --json, without a raw errno', async () => {
    const dir = copyCheckpoint(noneDir, scratch, 'cli-part-is-dir');
    const part = path.join(dir, 'part-00000');
    fs.rmSync(part);
    fs.mkdirSync(part);
    for (const args of [[], ['--json']]) {
      const out = await kindling('inspect', dir, ...args);
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stderr, /CHECKPOINT_CORRUPT.*part-00000: the part file is a directory/);
      assert.doesNotMatch(out.stdout + out.stderr, /EISDIR|\n\s+at /);
    }
  });

  it(
    'exits 1 with IO_ERROR naming a directory it cannot list',
    { skip: skipUnlessDeniable },
    async () => {
      const dir = copyCheckpoint(noneDir, scratch, 'cli-unlistable');
      fs.chmodSync(dir, 0o311);
      try {
        // Root lists whatever the mode: as root, the CLI runs as nobody (unprivileged.ts).
        const out =
          nobody === undefined
            ? await kindling('inspect', dir)
            : await kindlingAsNobody(nobody, ['inspect', dir]);
        assert.equal(out.code, 1, out.stderr);
        assert.match(
          out.stderr,
          /\[IO_ERROR\]: Cannot list the checkpoint directory .*cli-unlistable: permission denied \(EACCES\)/,
        );
        assert.match(out.stderr, /^kindling: failed \(IO_ERROR\)\n/);
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    },
  );
});
