// Records that V8 keeps as unboxed double arrays ([id, rank / n]) pass through the record
// codec and a shuffle's combine and route unconverted. A loop that had seen arrays of other kinds compiled its indexed loads to
// convert each double array it read to a generic one first (boxing every element, ~150 ns a
// record: half of PageRank's map-side combine); the engine reads them with .at() instead
// (batch.ts, asPair). What is asserted is the arrays' representation, through V8's
// %HasDoubleElements, in a child process run with --allow-natives-syntax (workers inherit it).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

async function runChild(
  script: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--allow-natives-syntax', '--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

// The codec, on batches of every kind in turn (so that its loads see them all): records of
// ints, strings, fractions and objects, and pairs whose keys are arrays of each. Key hashing
// and equality (keys.ts, key-table.ts) keep indexed loads: .at() there made V8 inline less of a
// [string, number] join's hashing (20% more CPU), and a key array of fractions is rare.
const dist = (module: string): string =>
  new URL(`../../src/shared/${module}`, import.meta.url).href;
const CODEC = `
import { encodeRecords } from '${dist('format/record-codec.js')}';
const kinds = [
  (i) => [i, i],
  (i) => ['k' + i, i],
  (i) => [[i, i / 3], i / 7],
  (i) => [['k' + i, i], { x: i }],
  (i) => [[i, i], [i / 3]],
];
const isDouble = new Function('a', 'return %HasDoubleElements(a)');
let watched = 0;
let converted = 0;
for (let round = 0; round < 300; round++) {
  for (const make of kinds) {
    const batch = Array.from({ length: 256 }, (_, i) => make(i));
    const doubles = batch.flatMap((r) => [r, r[0], r[1]]).filter((a) => Array.isArray(a) && isDouble(a));
    encodeRecords(batch);
    watched += doubles.length;
    converted += doubles.filter((a) => !isDouble(a)).length;
  }
}
console.log(JSON.stringify({ watched: watched > 0, converted }));
`;

// A job's map-side combine and route, after stages of other kinds: the records a flatMap made
// as double arrays are kept in the worker (one worker: the last job reads them there).
const JOB = `
import { Context } from 'kindling';
const ctx = new Context({ workers: 1, progress: false });
const doubles = (r) => {
  const g = globalThis;
  g.isDouble ??= new Function('a', 'return %HasDoubleElements(a)');
  if (g.isDouble(r)) (g.kept ??= []).push(r);
  return [r];
};
for (let round = 0; round < 3; round++) {
  const n = ctx.range(0, 20000, 1, 2);
  await n.map((i) => ['k' + (i % 100), i]).reduceByKey((a, b) => a + b).count();
  await n.map((i) => [i % 100, { v: i }]).groupByKey().count();
  await n.map((i) => [i % 100, i / 3]).flatMap(doubles).reduceByKey((a, b) => a + b).count();
  await n.map((i) => [i % 100, i / 3]).flatMap(doubles).partitionBy(3).count();
}
const [[kept, converted]] = await ctx
  .parallelize([0], 1)
  .map(() => {
    const kept = globalThis.kept ?? [];
    return [kept.length, kept.filter((r) => !globalThis.isDouble(r)).length];
  })
  .collect();
await ctx.stop();
console.log(JSON.stringify({ kept: kept > 100000, converted }));
`;

test('the record codec reads double arrays without converting them', async () => {
  const { code, stdout, stderr } = await runChild(CODEC);
  assert.equal(code, 0, stderr.slice(0, 2000));
  assert.deepEqual(JSON.parse(stdout), { watched: true, converted: 0 });
});

test("a shuffle's combine and route read double-array records without converting them", async () => {
  const { code, stdout, stderr } = await runChild(JOB);
  assert.equal(code, 0, stderr.slice(0, 2000));
  assert.deepEqual(JSON.parse(stdout), { kept: true, converted: 0 });
});
