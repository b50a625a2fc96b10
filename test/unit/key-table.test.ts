import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { KeyTable, keysEqual } from '../../src/shared/key-table.js';
import { hashKey, keyOf, type MapKey } from '../../src/shared/keys.js';
import { lcg, randomKey } from './random-keys.js';

// keyOf's equality as a Map applies it: SameValueZero (NaN equals NaN).
const sameKey = (a: unknown, b: unknown): boolean => {
  const x = keyOf(a);
  const y = keyOf(b);
  return x === y || (x !== x && y !== y);
};

describe('KeyTable', () => {
  it('groups random keys exactly as a Map on keyOf does, in first-seen order', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = lcg(seed);
      const table = new KeyTable<[unknown, number]>();
      const plain = new Map<MapKey, [unknown, number]>();
      for (let i = 0; i < 500; i++) {
        const k = randomKey(rand);
        const e = table.get(k);
        if (e === undefined) table.insert(k, [k, 1]);
        else e[1]++;
        const p = plain.get(keyOf(k));
        if (p === undefined) plain.set(keyOf(k), [k, 1]);
        else p[1]++;
      }
      assert.equal(table.size, plain.size, `seed ${seed}`);
      assert.deepEqual(
        table.values().map(([k, n]) => [keyOf(k), n]),
        [...plain.values()].map(([k, n]) => [keyOf(k), n]),
        `seed ${seed}`,
      );
    }
  });

  it('finds -0 under 0, NaN under NaN, and keeps 1 and 1n and "1" apart', () => {
    const table = new KeyTable<string>();
    table.insert(0, 'zero');
    table.insert(NaN, 'nan');
    table.insert([0, NaN, ['a']], 'array');
    table.insert(1, 'number');
    assert.equal(table.get(-0), 'zero');
    assert.equal(table.get(0 / 0), 'nan');
    assert.equal(table.get([-0, NaN, ['a']]), 'array');
    assert.equal(table.get(1n), undefined);
    assert.equal(table.get('1'), undefined);
    assert.equal(table.get([1]), undefined);
    assert.equal(table.get([0, NaN, 'a']), undefined);
  });

  it('tells keys apart whose arrays collide on hashKey', () => {
    // Force collisions: many array keys, far more than one per hash bucket is likely to hold
    // once the table is checked against keyOf for every one of them.
    const table = new KeyTable<number>();
    const keys = Array.from({ length: 20_000 }, (_, i) => [i % 7, 'x' + (i >> 3)]);
    keys.forEach((k, i) => {
      if (table.get(k) === undefined) table.insert(k, i);
    });
    const plain = new Map(keys.map((k, i) => [keyOf(k), i] as const).reverse());
    assert.equal(table.size, plain.size);
    for (const k of keys) assert.equal(table.get(k), plain.get(keyOf(k)));
  });

  for (const expected of [0, 1000, 50_000]) {
    it(`keeps each key with its value in first-seen order as it grows (room made for ${expected})`, () => {
      const table = new KeyTable<number>(expected);
      const keys: unknown[] = [];
      for (let i = 0; i < 50_000; i++) {
        const k = i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : [i, 'a'];
        assert.equal(table.find(k), -1);
        assert.equal(table.insert(k, i), i);
        keys.push(k);
      }
      assert.deepEqual(table.keys, keys);
      assert.deepEqual(
        table.values(),
        keys.map((_, i) => i),
      );
      for (let i = 0; i < keys.length; i++) assert.equal(table.find(keys[i]), i);
      for (let i = 0; i < keys.length; i++) assert.equal(table.hashKeyOf(i), hashKey(keys[i]));
    });
  }

  // Integer keys land by their own low bits: strides that share them, negative keys, the int32
  // limits and the numbers just past them must still all be told apart and found.
  for (const [name, keyAt] of [
    ['strides of 2^16', (i: number) => i * 65_536],
    ['strides of 2^20, negative too', (i: number) => (i % 2 === 0 ? 1 : -1) * i * 1_048_576],
    ['sequential ids with floats between', (i: number) => (i % 2 === 0 ? i : i + 0.5)],
    [
      'int32 limits and past them',
      (i: number) => [2 ** 31 - 1 - i, -(2 ** 31) + i, 2 ** 31 + i][i % 3] as number,
    ],
    ['random int32', (i: number) => Math.imul(i + 1, 0x9e3779b1)],
  ] as const) {
    it(`finds every integer key and no other: ${name}`, () => {
      const table = new KeyTable<number>();
      const plain = new Map<number, number>();
      for (let i = 0; i < 30_000; i++) {
        const k = keyAt(i);
        const at = table.find(k);
        assert.equal(at, plain.has(k) ? plain.get(k) : -1, `key ${k}`);
        if (at < 0) {
          plain.set(k, table.size);
          table.insert(k, i);
        }
      }
      for (const [k, at] of plain) assert.equal(table.find(k), at, `key ${k}`);
      for (const k of [0.25, 2 ** 40, -1.5, NaN])
        if (!plain.has(k)) assert.equal(table.find(k), -1);
    });
  }

  it('inserts the right key when another find came between its find and its insert', () => {
    const table = new KeyTable<string>();
    assert.equal(table.find(1), -1);
    assert.equal(table.find('a'), -1);
    table.insert(1, 'one');
    table.insert('a', 'a');
    table.insert(1, 'uno');
    assert.deepEqual(table.keys, [1, 'a']);
    assert.deepEqual(table.values(), ['uno', 'a']);
    assert.equal(table.get(-0 + 1), 'uno');
  });

  it('refuses a key that does not compare by value, as keyOf does', () => {
    for (const bad of [{}, [1, {}], () => 1, Symbol('s'), [[new Date()]]]) {
      const table = new KeyTable<number>();
      assert.throws(
        () => table.insert(bad, 1),
        (e: unknown) => isKindlingError(e) && e.code === 'INVALID_ARGUMENT',
      );
      assert.throws(() => keyOf(bad));
      assert.equal(table.size, 0);
    }
  });
});

describe('keysEqual', () => {
  it('agrees with keyOf equality on random pairs of keys', () => {
    const rand = lcg(7);
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey(rand);
      const b = rand() < 0.3 ? structuredClone(a) : randomKey(rand);
      assert.equal(keysEqual(a, b), sameKey(a, b), `${String(a)} vs ${String(b)}`);
    }
  });
});
