// An input file listed when the RDD was defined that a task cannot read (deleted, replaced by a
// directory) fails the action at once with IO_ERROR naming the file, the RDD and the partition:
// every attempt would read the same file, so none is retried (maxTaskFailures is 4 here).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Context, KindlingError, type RDD } from 'kindling';

const ctx = new Context({ workers: 2, progress: false, maxTaskFailures: 4 });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-vanished-'));
after(async () => {
  await ctx.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const attempts: { partitionIndex: number; successful: boolean }[] = [];
ctx.on('taskEnd', (e) =>
  attempts.push({ partitionIndex: e.partitionIndex, successful: e.successful }),
);

/** A new directory holding `files`. */
function inputDir(label: string, files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(root, `${label}-`));
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** The action fails with IO_ERROR naming `file`, the RDD and `partitionIndex`, after one attempt. */
async function failsAtOnce(
  action: () => Promise<unknown>,
  rdd: RDD<unknown>,
  file: string,
  partitionIndex: number,
  why: RegExp,
): Promise<void> {
  attempts.length = 0;
  await assert.rejects(action(), (e: unknown) => {
    assert.ok(e instanceof KindlingError, `expected a KindlingError, got ${String(e)}`);
    assert.equal(e.code, 'IO_ERROR', e.message);
    assert.ok(e.message.includes(`Cannot read the input file ${file}`), e.message);
    assert.match(e.message, why);
    assert.match(e.message, new RegExp(`RDD ${rdd.id}\\b.* partition ${partitionIndex}, `));
    assert.equal(e.context.path, file);
    assert.equal(e.context.rddId, rdd.id);
    assert.equal(e.context.partitionIndex, partitionIndex);
    assert.equal(e.context.attempt, 1);
    return true;
  });
  const failed = attempts.filter((a) => a.partitionIndex === partitionIndex && !a.successful);
  assert.equal(failed.length, 1, 'the failing task ran once, not retried');
}

test('a textFile input deleted after the RDD is defined fails the action at once with IO_ERROR', async () => {
  const dir = inputDir('deleted', { 'a.txt': 'a1\na2\n', 'b.txt': 'b1\nb2\n' });
  // One partition a file: a.txt's is 0, b.txt's 1.
  const lines = ctx.textFile(dir, 1);
  assert.equal(lines.getNumPartitions(), 2);
  const gone = path.join(dir, 'b.txt');
  fs.rmSync(gone);
  await failsAtOnce(() => lines.collect(), lines, gone, 1, /no such file or directory \(ENOENT\)/);
  // Read again once it is back: the RDD itself was not damaged.
  fs.writeFileSync(gone, 'b1\nb2\n');
  assert.deepEqual(await lines.collect(), ['a1', 'a2', 'b1', 'b2']);
});

test('a textFile input replaced by a directory fails the action at once with IO_ERROR', async () => {
  const dir = inputDir('replaced', { 'a.txt': 'a1\na2\n', 'b.txt': 'b1\nb2\n' });
  const lines = ctx.textFile(dir, 1).map((l) => l.toUpperCase());
  const replaced = path.join(dir, 'a.txt');
  fs.rmSync(replaced);
  fs.mkdirSync(replaced);
  // The map fused on top of it still names the textFile's RDD, whose input it is.
  const source = lines.dependencies()[0]?.rdd as RDD<unknown>;
  await failsAtOnce(() => lines.count(), source, replaced, 0, /not a file \(EISDIR\)/);
});

test('a compressed textFile input and a wholeTextFiles input deleted fail at once with IO_ERROR', async () => {
  const dir = inputDir('gz', { 'a.txt.gz': gzipSync('a1\na2\n') });
  const gz = ctx.textFile(dir);
  const gzFile = path.join(dir, 'a.txt.gz');
  fs.rmSync(gzFile);
  await failsAtOnce(() => gz.collect(), gz, gzFile, 0, /\(ENOENT\)/);

  const wholeDir = inputDir('whole', { 'a.txt': 'a', 'b.txt': 'b' });
  const whole = ctx.wholeTextFiles(wholeDir, 2);
  const wholeFile = path.join(wholeDir, 'b.txt');
  fs.rmSync(wholeFile);
  await failsAtOnce(() => whole.collect(), whole, wholeFile, 1, /\(ENOENT\)/);
});
