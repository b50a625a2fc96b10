// Type tests for the methods added for Spark parity: numeric methods type-check only on
// RDD<number>, cogroup's arity shapes its result, keyfunc sees the key type. tsc fails the
// build if an expected error below disappears, so this file proves it by compiling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Context, fn, type RDD, type StatCounter } from 'kindling';

const ctx = new Context({ workers: 1, progress: false });
after(() => ctx.stop());

interface Parsed {
  word: string;
  length: number;
}

function typedFunctionRefs(): void {
  const lines: RDD<string> = ctx.parallelize(['a']);
  // As `typeof import('./parse.js').parse` would be: the caller types the export.
  type Parse = (line: string) => Parsed;
  const typed: RDD<Parsed> = lines.map(fn<Parse>('./parse.js', 'parse'));
  const untyped: RDD<unknown> = lines.map(fn('./parse.js', 'parse'));
  void [typed, untyped];
  // @ts-expect-error the typed export returns Parsed, not number
  const wrong: RDD<number> = lines.map(fn<Parse>('./parse.js', 'parse'));
  void wrong;
}

function numericOnly(): void {
  const nums: RDD<number> = ctx.parallelize([1, 2, 3]);
  const words: RDD<string> = ctx.parallelize(['a']);
  const total: Promise<number> = nums.sum();
  const s: Promise<StatCounter> = nums.stats();
  const even: Promise<[number[], number[]]> = nums.histogram(4);
  const given: Promise<number[]> = nums.histogram([0, 1, 2]);
  void [total, s, even, given];
  // @ts-expect-error sum needs an RDD of numbers
  void words.sum();
  // @ts-expect-error stats needs an RDD of numbers
  void words.stats();
  // @ts-expect-error histogram needs an RDD of numbers
  void words.histogram(3);
}

function cogroupArity(): void {
  const a = ctx.parallelize<[string, number]>([['k', 1]]);
  const b = ctx.parallelize<[string, string]>([['k', 'x']]);
  const c = ctx.parallelize<[string, boolean]>([['k', true]]);
  const two: RDD<[string, [number[], string[]]]> = a.cogroup(b);
  const three: RDD<[string, [number[], string[], boolean[]]]> = a.cogroup(b, c, 4);
  const four: RDD<[string, [number[], string[], boolean[], number[]]]> = a.cogroup(b, c, a);
  const many: RDD<[string, unknown[][]]> = a.groupWith(b, c, a, b);
  void [two, three, four, many];
  // @ts-expect-error the second group holds strings
  const wrong: RDD<[string, [number[], number[]]]> = a.cogroup(b);
  void wrong;
  // @ts-expect-error cogroup takes at most three other RDDs (groupWith takes any number)
  void a.cogroup(b, c, a, b);
}

function sortByKeyKeyfunc(): void {
  const pairs = ctx.parallelize<[string, number]>([['B', 1]]);
  const sorted: RDD<[string, number]> = pairs.sortByKey(true, {
    keyfunc: (k) => k.toLowerCase(),
  });
  const withEnv = pairs.sortByKey(false, { keyfunc: (k, env) => k.length * env.s, env: { s: 2 } });
  void [sorted, withEnv];
  // @ts-expect-error the key is a string
  void pairs.sortByKey(true, { keyfunc: (k: number) => k });
}

function rddMethods(): void {
  const nums: RDD<number> = ctx.parallelize([1, 2, 3]);
  const words: RDD<string> = nums.map((x) => `w${x}`);
  const zipped: RDD<[number, string]> = nums.zip(words);
  const lengths: RDD<number> = nums.zipPartitions(words, (a, b) => [[...a].length + [...b].length]);
  const three: RDD<string> = nums.zipPartitions(words, nums, function* (a, b, c) {
    for (const x of a) yield `${x}${[...b].length}${[...c].length}`;
  });
  const grouped: RDD<[boolean, number[]]> = nums.groupBy((x) => x > 1, 2);
  const parts: RDD<number>[] = nums.randomSplit([1, 1], 3);
  const piped: RDD<string> = nums.pipe('cat');
  const most: Promise<number> = nums.max();
  const byKey: Promise<string> = words.min((w) => w.length);
  const agg: Promise<{ n: number }> = nums.treeAggregate(
    { n: 0 },
    (acc, x) => ({ n: acc.n + x }),
    (a, b) => ({ n: a.n + b.n }),
    3,
  );
  const it: AsyncIterable<number> = nums.toLocalIterator();
  const pairs = ctx.parallelize<[string, number]>([['a', 1]]);
  const asMap: Promise<Map<string, number>> = pairs.collectAsMap();
  const sampled: RDD<[string, number]> = pairs.sampleByKey(false, { a: 0.5 });
  const ranged: RDD<[string, number]> = pairs.filterByRange('a', 'b');
  void [
    zipped,
    lengths,
    three,
    grouped,
    parts,
    piped,
    most,
    byKey,
    agg,
    it,
    asMap,
    sampled,
    ranged,
  ];
  // @ts-expect-error zip's pairs hold a string second
  const wrongZip: RDD<[number, number]> = nums.zip(words);
  // @ts-expect-error filterByRange's bounds are keys of the RDD
  void pairs.filterByRange(1, 2);
  // @ts-expect-error collectAsMap needs an RDD of [key, value] pairs
  void nums.collectAsMap();
  void wrongZip;
}

interface Hit {
  url: string;
}

function filterTypeGuards(): void {
  const maybe: RDD<Hit | null> = ctx.parallelize<Hit | null>([{ url: 'a' }, null]);
  const hits: RDD<Hit> = maybe.filter((x): x is Hit => x !== null);
  const kept: RDD<Hit | null> = maybe.filter((x) => x !== null);
  const withEnv: RDD<Hit> = maybe.filter((x, env): x is Hit => x !== null && env.on, {
    env: { on: true },
  });
  void [hits, kept, withEnv];
  // TypeScript infers a guard from `x !== null` too (5.5+); a plain boolean does not narrow.
  const inferred: RDD<Hit> = maybe.filter((x) => x !== null);
  void inferred;
  // @ts-expect-error without a type guard the record type stays Hit | null
  const notNarrowed: RDD<Hit> = maybe.filter((x) => Boolean(x));
  void notNarrowed;
}

test('filter with a type guard narrows the record type (checked by tsc when this file compiles)', () => {
  assert.equal(typeof filterTypeGuards, 'function');
});

test('fn<typeof f>(module, name) types what the RDD holds (checked by tsc when this file compiles)', () => {
  assert.equal(typeof typedFunctionRefs, 'function');
});

test('the added RDD methods are typed (checked by tsc when this file compiles)', () => {
  assert.equal(typeof rddMethods, 'function');
});

test('numeric methods type-check only on RDD<number> (checked by tsc when this file compiles)', () => {
  assert.equal(typeof numericOnly, 'function');
});

test("cogroup's arity shapes its result type (checked by tsc when this file compiles)", () => {
  assert.equal(typeof cogroupArity, 'function');
});

test("sortByKey's keyfunc receives the key type (checked by tsc when this file compiles)", () => {
  assert.equal(typeof sortByKeyKeyfunc, 'function');
});

test('internal members are absent from the published declarations', () => {
  // The build strips @internal members (tsconfig stripInternal), so users cannot reach them.
  const dts = (file: string): string =>
    fs.readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8');
  const context = dts('context.d.ts');
  for (const name of ['runJob', 'runInJobGroup', 'newRddId', 'markForCheckpoint']) {
    assert.doesNotMatch(context, new RegExp(`\\b${name}\\b`), `Context.${name} is internal`);
  }
  assert.match(context, /\bcancelJobGroup\b/);
  const rdd = dts('rdd/rdd.d.ts');
  for (const name of ['impl', 'checkpointData', 'storageLevel', 'getDependenciesForScheduling']) {
    assert.doesNotMatch(rdd, new RegExp(`\\b${name}\\b`), `RDD.${name} is internal`);
  }
  assert.match(rdd, /\bgetStorageLevel\b/);
});
