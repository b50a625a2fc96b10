// Property tests of the record codec on the batches its columnar layouts
// take: objects of one random shape and [key, value] pairs whose columns hold
// random nested values (typed where a column happens to be homogeneous, v8
// where not), round-tripped exactly through the codec and through lz4 frames.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFramesFromBuffer, encodeFrame } from '../../src/shared/format/frames.js';
import { ColumnTag, decodeRecords, encodeRecords } from '../../src/shared/format/record-codec.js';

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

type Gen = (rnd: () => number, depth: number) => unknown;
const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const scalars: Gen[] = [
  (r) => pick(r, [0, -0, NaN, Infinity, -Infinity, 1.5, -(2 ** 31), 2 ** 31, 2 ** 53 + 2]),
  (r) => Math.floor(r() * 1e6) - 5e5,
  (r) => (r() - 0.5) * 1e9,
  (r) => pick(r, ['', 'a', 'é', '日本', '😀', '\uD800', 'x'.repeat(300)]),
  (r) => `s${Math.floor(r() * 1000)}`,
  (r) => r() < 0.5,
  () => null,
  () => undefined,
  (r) => BigInt(Math.floor(r() * 1e9)) - 500_000_000n,
  (r) => new Date(Math.floor(r() * 2e12)),
];

function anyValue(rnd: () => number, depth: number): unknown {
  const k = rnd();
  if (depth > 3 || k < 0.5) return pick(rnd, scalars)(rnd, depth);
  if (k < 0.6) return [anyValue(rnd, depth + 1), anyValue(rnd, depth + 1)];
  if (k < 0.7) return Array.from({ length: Math.floor(rnd() * 5) }, () => anyValue(rnd, depth + 1));
  if (k < 0.8) return new Map([[anyValue(rnd, depth + 1), anyValue(rnd, depth + 1)]]);
  if (k < 0.85) return new Set([anyValue(rnd, depth + 1)]);
  if (k < 0.9) return new Float64Array([rnd(), -0]);
  return randomObject(rnd, depth + 1, randomKeys(rnd));
}

function randomKeys(rnd: () => number): string[] {
  const keys = new Set<string>();
  const n = 1 + Math.floor(rnd() * 6);
  while (keys.size < n)
    keys.add(
      pick(rnd, ['id', 'name', 'score', '', '0', 'k-y', 'ünï', `f${Math.floor(rnd() * 50)}`]),
    );
  return [...keys];
}

function randomObject(
  rnd: () => number,
  depth: number,
  keys: string[],
  columns?: Gen[],
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  keys.forEach(
    (k, i) =>
      (o[k] = columns === undefined ? anyValue(rnd, depth) : (columns[i] as Gen)(rnd, depth)),
  );
  return o;
}

/** A column generator: one scalar kind (typed layout), a nested shape, or anything (v8). */
function columnGen(rnd: () => number, depth: number): Gen {
  const k = rnd();
  if (k < 0.4 || depth > 2) return pick(rnd, scalars);
  if (k < 0.6) {
    const keys = randomKeys(rnd);
    const cols = keys.map(() => columnGen(rnd, depth + 1));
    return (r, d) => randomObject(r, d + 1, keys, cols);
  }
  if (k < 0.8) {
    const [a, b] = [columnGen(rnd, depth + 1), columnGen(rnd, depth + 1)];
    return (r, d) => [a(r, d + 1), b(r, d + 1)];
  }
  return anyValue;
}

function roundTrip(records: unknown[]): Buffer {
  const bytes = encodeRecords(records);
  assert.deepStrictEqual(decodeRecords(bytes, records.length), records);
  return bytes;
}

describe('record codec on nested columnar batches', () => {
  it('round-trips objects of one random shape with random nested columns', () => {
    let columnar = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const keys = randomKeys(rnd);
      const cols = keys.map(() => columnGen(rnd, 0));
      const n = 1 + Math.floor(rnd() * 200);
      const bytes = roundTrip(Array.from({ length: n }, () => randomObject(rnd, 0, keys, cols)));
      if (bytes[0] === ColumnTag.OBJECT) columnar++;
    }
    assert.ok(columnar > 250, `only ${columnar} of 300 batches took the object layout`);
  });

  it('round-trips [key, value] pairs with random nested values', () => {
    let columnar = 0;
    for (let seed = 1000; seed < 1300; seed++) {
      const rnd = prng(seed);
      const [key, value] = [columnGen(rnd, 1), columnGen(rnd, 0)];
      const n = 1 + Math.floor(rnd() * 200);
      const bytes = roundTrip(Array.from({ length: n }, () => [key(rnd, 1), value(rnd, 0)]));
      if (bytes[0] === ColumnTag.PAIR) columnar++;
    }
    assert.ok(columnar > 250, `only ${columnar} of 300 batches took the pair layout`);
  });

  it('round-trips the same batches through lz4 and raw frames', () => {
    for (let seed = 2000; seed < 2100; seed++) {
      const rnd = prng(seed);
      const gen = columnGen(rnd, 0);
      const batches = Array.from({ length: 3 }, () =>
        Array.from({ length: Math.floor(rnd() * 300) }, () => gen(rnd, 0)),
      );
      for (const codec of ['lz4', 'none'] as const) {
        const buf = Buffer.concat(batches.map((b) => encodeFrame(b, codec)));
        assert.deepStrictEqual(
          [...decodeFramesFromBuffer(buf, codec, { describe: `seed ${seed}` })],
          batches,
        );
      }
    }
  });
});
