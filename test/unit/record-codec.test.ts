// Record codec: every batch round-trips exactly, homogeneous batches take the
// columnar layouts, and damaged bytes fail as CHECKPOINT_CORRUPT.
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import {
  ColumnTag,
  decodeRecords,
  encodePairs,
  encodeRecords,
  isPlainPair,
} from '../../src/shared/format/record-codec.js';

/** mulberry32: small, seeded, good enough to vary test data reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL_NUMBERS = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  1e-300,
  0.1,
];
const SPECIAL_STRINGS = ['', 'a', 'héllo', '日本語', '😀', '\uD800', '\uDC00x', '\uFEFFbom', '\0'];

function randomNumber(rnd: () => number): number {
  const k = rnd();
  if (k < 0.2) return SPECIAL_NUMBERS[Math.floor(rnd() * SPECIAL_NUMBERS.length)] as number;
  if (k < 0.6) return Math.floor(rnd() * 2000) - 1000;
  return (rnd() - 0.5) * 1e12;
}

function randomString(rnd: () => number): string {
  if (rnd() < 0.3) return SPECIAL_STRINGS[Math.floor(rnd() * SPECIAL_STRINGS.length)] as string;
  let s = '';
  const n = Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++)
    s += String.fromCharCode(rnd() < 0.8 ? 32 + rnd() * 95 : rnd() * 0xffff);
  return s;
}

function randomValue(rnd: () => number, depth = 0): unknown {
  const k = Math.floor(rnd() * (depth > 2 ? 8 : 14));
  switch (k) {
    case 0:
    case 1:
      return randomNumber(rnd);
    case 2:
    case 3:
      return randomString(rnd);
    case 4:
      return rnd() < 0.5;
    case 5:
      return null;
    case 6:
      return undefined;
    case 7:
      return BigInt(Math.floor(rnd() * 1e9)) * 10n ** 12n;
    case 8:
      return new Date(Math.floor(rnd() * 2e12));
    case 9:
      return new Map([[randomString(rnd), randomValue(rnd, depth + 1)]]);
    case 10:
      return new Set([randomNumber(rnd), randomString(rnd)]);
    case 11:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    case 12:
      return [randomString(rnd), randomValue(rnd, depth + 1)];
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) o[randomString(rnd)] = randomValue(rnd, depth + 1);
      return o;
    }
  }
}

/** deepStrictEqual compares with Object.is, so -0 and NaN are checked too. */
function roundTrip(records: readonly unknown[]): Buffer {
  const bytes = encodeRecords(records);
  const back = decodeRecords(bytes, records.length);
  assert.deepStrictEqual(back, records);
  return bytes;
}

const tagOf = (bytes: Buffer): number => bytes[0] as number;

describe('record codec', () => {
  it('round-trips random nested values of every kind, one batch per seed', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      roundTrip(Array.from({ length: Math.floor(rnd() * 50) }, () => randomValue(rnd)));
    }
  });

  it('round-trips homogeneous batches of every columnar shape in columns', () => {
    const rnd = prng(42);
    const n = 500;
    const shapes: [string, unknown[], number][] = [
      ['floats', Array.from({ length: n }, () => randomNumber(rnd)), ColumnTag.F64],
      ['ints', Array.from({ length: n }, (_, i) => i - 250), ColumnTag.I32],
      [
        'strings',
        Array.from({ length: n }, () => randomString(rnd).replace(/[\uD800-\uDFFF]/g, 'x')),
        ColumnTag.STR,
      ],
      ['booleans', Array.from({ length: n }, () => rnd() < 0.5), ColumnTag.BOOL],
      ['nulls', new Array<null>(n).fill(null), ColumnTag.NULL],
      ['undefineds', new Array<undefined>(n).fill(undefined), ColumnTag.UNDEFINED],
      [
        'objects',
        Array.from({ length: n }, (_, i) => ({
          id: i,
          name: `n${i}`,
          score: rnd(),
          ok: i % 2 === 0,
        })),
        ColumnTag.OBJECT,
      ],
      ['pairs', Array.from({ length: n }, (_, i) => [`k${i % 7}`, i * 0.5]), ColumnTag.PAIR],
      [
        'pairs of objects',
        Array.from({ length: n }, (_, i) => [i, { a: i, b: [i, `${i}`] }]),
        ColumnTag.PAIR,
      ],
      [
        'pairs with mixed values',
        Array.from({ length: n }, (_, i) => [i, randomValue(rnd)]),
        ColumnTag.PAIR,
      ],
    ];
    for (const [name, records, tag] of shapes) {
      assert.equal(tagOf(roundTrip(records)), tag, name);
    }
  });

  it('falls back to v8 for near-homogeneous batches and still round-trips them', () => {
    const rnd = prng(7);
    const base = (): unknown[] => Array.from({ length: 100 }, (_, i) => ({ id: i, name: `n${i}` }));
    const spoilers: unknown[] = [
      1,
      'x',
      null,
      { id: 1 },
      { name: 'a', id: 1 },
      { id: 1, name: 'a', extra: true },
      new Date(5),
      [1, 2],
    ];
    for (const spoiler of spoilers) {
      const records = base();
      records.splice(Math.floor(rnd() * records.length), 0, spoiler);
      assert.equal(tagOf(roundTrip(records)), ColumnTag.V8, String(spoiler));
    }
    // v8 rebuilds a null-prototype object as a plain one; the batch still falls back.
    const nullProto = base();
    nullProto.push(Object.assign(Object.create(null) as object, { id: 1, name: 'a' }));
    const nullBytes = encodeRecords(nullProto);
    assert.equal(tagOf(nullBytes), ColumnTag.V8);
    assert.deepStrictEqual(decodeRecords(nullBytes).at(-1), { id: 1, name: 'a' });
    const numbers: unknown[] = Array.from({ length: 50 }, (_, i) => i);
    numbers.push(undefined);
    assert.equal(tagOf(roundTrip(numbers)), ColumnTag.V8);
    assert.equal(tagOf(roundTrip([1n, 2n])), ColumnTag.V8);
    // Arrays of other lengths than two are lists (list-column.ts), not pairs.
    assert.equal(tagOf(roundTrip([[1], [1, 2, 3]])), ColumnTag.LIST);
    // A hole is not an undefined: v8 keeps it.
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is tested
    const holey = [undefined, , undefined];
    const back = decodeRecords(encodeRecords(holey));
    assert.equal(1 in back, false);
    const holeInPair: unknown[] = [[1, 2], [3]];
    (holeInPair[1] as unknown[]).length = 2;
    assert.equal(tagOf(roundTrip(holeInPair)), ColumnTag.V8);
  });

  it('keeps -0, NaN and the special doubles exactly', () => {
    const records = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      2 ** 53 + 2,
    ];
    const back = decodeRecords(encodeRecords(records)) as number[];
    records.forEach((v, i) => assert.ok(Object.is(back[i], v), `index ${i}: ${back[i]} vs ${v}`));
    assert.ok(Object.is((decodeRecords(encodeRecords([1, -0])) as number[])[1], -0));
    assert.equal(tagOf(encodeRecords([1, 2, -0])), ColumnTag.F64);
  });

  it('keeps lone surrogates, including two halves that pair up across records', () => {
    assert.equal(tagOf(roundTrip(['a', '\uD800'])), ColumnTag.V8);
    const halves = ['\uD83D', '\uDE00', 'x', '\uFEFF'];
    assert.equal(tagOf(roundTrip(halves)), ColumnTag.STR);
    const back = decodeRecords(encodeRecords(halves)) as string[];
    assert.equal(back[0]?.length, 1);
    assert.equal(back[0]?.charCodeAt(0), 0xd83d);
  });

  it('rebuilds objects with an own __proto__ key without touching their prototype', () => {
    const records = [
      JSON.parse('{"__proto__": 1, "a": 2}'),
      JSON.parse('{"__proto__": 3, "a": 4}'),
    ] as object[];
    const back = decodeRecords(encodeRecords(records)) as object[];
    assert.deepStrictEqual(back, records);
    assert.equal(Object.getPrototypeOf(back[0]), Object.prototype);
    assert.deepStrictEqual(Object.keys(back[1] as object), ['__proto__', 'a']);
  });

  it('turns class instances into plain objects, as v8.serialize does', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const back = decodeRecords(encodeRecords([new Point(1, 2)]));
    assert.deepStrictEqual(back, [{ x: 1, y: 2 }]);
  });

  it('returns values that do not share memory with the input bytes', () => {
    const bytes = encodeRecords([Buffer.from('abc'), new Uint8Array([1, 2, 3])]);
    const back = decodeRecords(bytes) as Uint8Array[];
    bytes.fill(0);
    assert.deepStrictEqual([...(back[1] as Uint8Array)], [1, 2, 3]);
    assert.equal(Buffer.from(back[0] as Uint8Array).toString(), 'abc');
  });

  it('round-trips an empty batch', () => {
    assert.deepStrictEqual(decodeRecords(encodeRecords([])), []);
  });

  it('encodes keys and values kept apart as the pairs they make', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = prng(seed);
      const n = Math.floor(rnd() * 40);
      // Half the seeds homogeneous columns (the typed layouts), half anything (v8 columns).
      const kind = Math.floor(rnd() * 3);
      const pick = (): unknown =>
        seed % 2 === 0 ? randomValue(rnd) : kind === 0 ? randomNumber(rnd) : randomString(rnd);
      const keys = Array.from({ length: n }, pick);
      const values = Array.from({ length: n }, pick);
      const pairs = keys.map((k, i) => [k, values[i]]);
      const bytes = encodePairs(keys, values);
      assert.deepStrictEqual(decodeRecords(bytes, n), pairs, `seed ${seed}`);
      // The same layout as the pairs' own (v8 may lay out a column's array differently).
      assert.equal(tagOf(bytes), tagOf(encodeRecords(pairs)), `seed ${seed}`);
    }
  });

  it('takes only two-element arrays without holes for a pair column', () => {
    class Pair extends Array<unknown> {}
    const subclass = Pair.from([1, 2]);
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    const holey = [1, ,];
    assert.equal(isPlainPair([1, 2]), true);
    assert.equal(isPlainPair([undefined, undefined]), true);
    assert.equal(isPlainPair(holey), false);
    assert.equal(isPlainPair(new Array(2)), false);
    assert.equal(isPlainPair([1, 2, 3]), false);
    // A subclass is carried as v8.serialize carries it: as a plain Array.
    assert.equal(isPlainPair(subclass), true);
    const [decoded] = decodeRecords(encodeRecords([subclass]), 1) as unknown[][];
    assert.deepStrictEqual(decoded, [1, 2]);
    assert.equal(Object.getPrototypeOf(decoded), Array.prototype);
    assert.equal(
      Object.getPrototypeOf((v8.deserialize(v8.serialize([subclass])) as unknown[][])[0]),
      Array.prototype,
    );
    assert.equal(isPlainPair({ 0: 1, 1: 2, length: 2 }), false);
    const mixed = [[1, 'a'], holey, [2, 'b']];
    assert.deepStrictEqual(decodeRecords(encodeRecords(mixed), 3), mixed);
  });

  it('raises CHECKPOINT_CORRUPT, never another error, on damaged bytes', () => {
    const rnd = prng(99);
    const batches = [
      Array.from({ length: 64 }, (_, i) => ({ id: i, s: `v${i}`, f: i / 3 })),
      Array.from({ length: 64 }, (_, i) => [`k${i}`, i]),
      Array.from({ length: 64 }, () => randomValue(rnd)),
      Array.from({ length: 64 }, (_, i) => i % 3 === 0),
    ];
    let failures = 0;
    for (let trial = 0; trial < 400; trial++) {
      const records = batches[trial % batches.length] as unknown[];
      const bytes = Buffer.from(encodeRecords(records));
      const at = Math.floor(rnd() * bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(rnd() * 255));
      try {
        decodeRecords(trial % 2 === 0 ? bytes : bytes.subarray(0, at), records.length);
      } catch (e) {
        assert.ok(isKindlingError(e, 'CHECKPOINT_CORRUPT'), `trial ${trial}: ${String(e)}`);
        failures++;
      }
    }
    assert.ok(failures > 100, `only ${failures} of 400 damaged batches were detected`);
  });
});
