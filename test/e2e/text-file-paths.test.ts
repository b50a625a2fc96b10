// Which files textFile reads: globs (brackets, braces, in any segment), literal
// names that contain glob characters, and Hadoop's rule that names starting
// with '.' or '_' are not input, in directory listings and glob matches alike.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Context, KindlingError } from 'kindling';

let root: string;
let ctx: Context;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-paths-'));
  const out = path.join(root, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'part-00000'), 'a0\na1\n');
  fs.writeFileSync(path.join(out, 'part-00001'), 'b0\n');
  fs.writeFileSync(path.join(out, 'part-00002'), 'c0\n');
  fs.writeFileSync(path.join(out, '_SUCCESS'), 'not input\n');
  fs.writeFileSync(path.join(out, '.part-00000.crc'), 'not input\n');
  fs.writeFileSync(path.join(root, 'f[1].txt'), 'literal\n');
  fs.mkdirSync(path.join(root, 'day-1'));
  fs.mkdirSync(path.join(root, 'day-2'));
  fs.writeFileSync(path.join(root, 'day-1', 'log'), 'd1\n');
  fs.writeFileSync(path.join(root, 'day-2', 'log'), 'd2\n');
  fs.writeFileSync(path.join(root, 'day-2', '_tmp'), 'not input\n');
  ctx = new Context({ workers: 1, progress: false });
});

after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function lines(p: string): Promise<string[]> {
  return (await ctx.textFile(p).collect()).sort();
}

describe('textFile paths', () => {
  it('reads a bracket range glob', async () => {
    assert.deepEqual(await lines(path.join(root, 'out', 'part-0000[0-1]')), ['a0', 'a1', 'b0']);
  });

  it('reads a brace glob', async () => {
    assert.deepEqual(await lines(path.join(root, 'out', 'part-0000{0,2}')), ['a0', 'a1', 'c0']);
  });

  it('reads a file whose name contains glob characters literally', async () => {
    assert.deepEqual(await lines(path.join(root, 'f[1].txt')), ['literal']);
  });

  it('skips hidden and underscore files in a star glob', async () => {
    assert.deepEqual(await lines(path.join(root, 'out', '*')), ['a0', 'a1', 'b0', 'c0']);
  });

  it('skips hidden and underscore files in a directory', async () => {
    assert.deepEqual(await lines(path.join(root, 'out')), ['a0', 'a1', 'b0', 'c0']);
  });

  it('reads a glob in a directory segment, listing the matched directories', async () => {
    assert.deepEqual(await lines(path.join(root, 'day-*', 'log')), ['d1', 'd2']);
    assert.deepEqual(await lines(path.join(root, 'day-*')), ['d1', 'd2']);
  });

  it('refuses a glob that matches nothing with INVALID_ARGUMENT naming the path', () => {
    const p = path.join(root, 'out', 'part-9[0-9]');
    assert.throws(
      () => ctx.textFile(p),
      (e: unknown) =>
        e instanceof KindlingError && e.code === 'INVALID_ARGUMENT' && e.message.includes(p),
    );
  });

  it('refuses an unbalanced bracket that names no file with INVALID_ARGUMENT', () => {
    const p = path.join(root, 'out', 'part-[0');
    assert.throws(
      () => ctx.textFile(p),
      (e: unknown) => e instanceof KindlingError && e.code === 'INVALID_ARGUMENT',
    );
  });
});
