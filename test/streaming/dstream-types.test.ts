// Type tests of the DStream API: pair methods (joins, cogroup, groupByKey,
// combineByKey, flatMapValues, the keyed windows) type-check only on
// DStream<[K, V]>, as pair methods of RDD do, and every method's result carries
// the record type. tsc fails the build if an expected error below disappears,
// so this file proves it by compiling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Context, ManualClock, StreamingContext, type DStream, type RDD } from 'kindling';

const ctx = new Context({ workers: 1, progress: false });
after(() => ctx.stop());

function pairOnly(ssc: StreamingContext): void {
  const words: DStream<string> = ssc.queueStream([['a']]);
  const pairs: DStream<[string, number]> = words.map((w): [string, number] => [w, 1]);
  const tags: DStream<[string, boolean]> = words.map((w): [string, boolean] => [w, true]);
  const joined: DStream<[string, [number, boolean]]> = pairs.join(tags);
  const left: DStream<[string, [number, boolean | undefined]]> = pairs.leftOuterJoin(tags, 2);
  const right: DStream<[string, [number | undefined, boolean]]> = pairs.rightOuterJoin(tags);
  const full: DStream<[string, [number | undefined, boolean | undefined]]> =
    pairs.fullOuterJoin(tags);
  const grouped: DStream<[string, [number[], boolean[]]]> = pairs.cogroup(tags, {
    numPartitions: 2,
  });
  const byKey: DStream<[string, number[]]> = pairs.groupByKey();
  const flat: DStream<[string, string]> = pairs.flatMapValues((n) => [String(n)]);
  const combined: DStream<[string, number[]]> = pairs.combineByKey(
    (n) => [n],
    (c: number[], n: number) => [...c, n],
    (a: number[], b: number[]) => [...a, ...b],
  );
  const windowed: DStream<[string, number[]]> = pairs.groupByKeyAndWindow(2000, 1000, 4);
  void [joined, left, right, full, grouped, byKey, flat, combined, windowed];
  // @ts-expect-error join needs a DStream of [key, value] pairs
  void words.join(tags);
  // @ts-expect-error leftOuterJoin needs a DStream of [key, value] pairs
  void words.leftOuterJoin(tags);
  // @ts-expect-error rightOuterJoin needs a DStream of [key, value] pairs
  void words.rightOuterJoin(tags);
  // @ts-expect-error fullOuterJoin needs a DStream of [key, value] pairs
  void words.fullOuterJoin(tags);
  // @ts-expect-error cogroup needs a DStream of [key, value] pairs
  void words.cogroup(tags);
  // @ts-expect-error groupByKey needs a DStream of [key, value] pairs
  void words.groupByKey();
  // @ts-expect-error flatMapValues needs a DStream of [key, value] pairs
  void words.flatMapValues((v: string) => [v]);
  // @ts-expect-error combineByKey needs a DStream of [key, value] pairs
  void words.combineByKey(
    (v: string) => v,
    (c: string) => c,
    (a: string) => a,
  );
  // @ts-expect-error groupByKeyAndWindow needs a DStream of [key, value] pairs
  void words.groupByKeyAndWindow(2000);
  // @ts-expect-error the other stream's keys must be the same type
  void pairs.join(tags.map(([w, b]): [number, boolean] => [w.length, b]));
  // @ts-expect-error the joined values are a number and a boolean
  const wrong: DStream<[string, [number, string]]> = pairs.join(tags);
  void wrong;
}

function everyStream(ssc: StreamingContext): void {
  const nums: DStream<number> = ssc.queueStream([[1, 2]]);
  const words: DStream<string> = nums.map((n) => `w${n}`);
  const both: DStream<string> = nums.transformWith(
    words,
    (a: RDD<number>, b: RDD<string>, timeMs: number) =>
      a
        .map((n) => `${n}`)
        .union(b)
        .filter(() => timeMs > 0),
  );
  const arrays: DStream<number[]> = nums.glom();
  const spread: DStream<number> = nums.repartition(4);
  const total: DStream<number> = nums.reduce((a, b) => a + b);
  const windowTotal: DStream<number> = nums.reduceByWindow((a, b) => a + b, undefined, 2000);
  const counts: DStream<number> = nums.countByWindow(2000);
  const byValue: DStream<[string, number]> = words.countByValueAndWindow(2000, 1000, 2);
  const rdds: RDD<number>[] = nums.slice(0, 1000);
  const guarded: DStream<string> = ssc
    .queueStream<string | null>([['a', null]])
    .filter((x): x is string => x !== null);
  void [both, arrays, spread, total, windowTotal, counts, byValue, rdds, guarded];
  const remembered: DStream<number> = nums.remember(5000);
  void remembered;
  nums.saveAsObjectFiles('out/n', 'bin');
  const lines: DStream<string> = ssc.fileStream('in', {
    newFilesOnly: false,
    filter: (p) => p.endsWith('.txt'),
  });
  void lines;
  const stopped: Promise<boolean> = ssc.awaitTerminationOrTimeout(10);
  void stopped;
  // @ts-expect-error reduce keeps the record type
  void nums.reduce((a: number, b: number) => `${a}${b}`);
  // @ts-expect-error transformWith's function receives the other stream's RDD
  void nums.transformWith(words, (a: RDD<number>, b: RDD<number>) => a.union(b));
  // @ts-expect-error the filter receives the file's path
  void ssc.fileStream('in', { filter: (p: number) => p > 0 });
}

test('pair methods type-check only on DStream<[K, V]> (checked by tsc when this file compiles)', () => {
  assert.equal(typeof pairOnly, 'function');
  // Built without running: every method is checked where the stream is defined.
  pairOnly(new StreamingContext(ctx, 1000, { clock: new ManualClock() }));
});

test('every DStream method carries its record type (checked by tsc when this file compiles)', () => {
  assert.equal(typeof everyStream, 'function');
});

test('the engine internals of DStream are absent from the published declarations', () => {
  const dts = fs.readFileSync(new URL('../../src/streaming/dstream.d.ts', import.meta.url), 'utf8');
  for (const name of [
    'getOrCompute',
    'generated',
    'forgottenThroughMs',
    'clearMetadata',
    'derive',
  ]) {
    const member = new RegExp(`^\\s+(readonly )?${name}[(<?:]`, 'm');
    assert.doesNotMatch(dts, member, `DStream.${name} is internal`);
  }
  assert.match(dts, /\bslice\(fromMs: number, toMs: number\): RDD<T>\[\]/);
});
