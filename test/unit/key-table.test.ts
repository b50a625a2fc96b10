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
        if (e === undefined) table.add(k, [k, 1]);
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
    table.add(0, 'zero');
    table.add(NaN, 'nan');
    table.add([0, NaN, ['a']], 'array');
    table.add(1, 'number');
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
      if (table.get(k) === undefined) table.add(k, i);
    });
    const plain = new Map(keys.map((k, i) => [keyOf(k), i] as const).reverse());
    assert.equal(table.size, plain.size);
    for (const k of keys) assert.equal(table.get(k), plain.get(keyOf(k)));
  });

  for (const expected of [0, 1000, 50_000]) {
    it(`keeps each key with its value and hashKey in first-seen order as it grows (room made for ${expected})`, () => {
      const table = new KeyTable<number>(expected);
      const keys: unknown[] = [];
      for (let i = 0; i < 50_000; i++) {
        const k = i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : [i, 'a'];
        const h = hashKey(k);
        assert.equal(table.find(k, h), -1);
        assert.equal(table.insert(k, h, i), i);
        keys.push(k);
      }
      assert.deepEqual(table.keys, keys);
      assert.deepEqual(
        table.values(),
        keys.map((_, i) => i),
      );
      assert.deepEqual(table.hashes, keys.map(hashKey));
      for (let i = 0; i < keys.length; i += 7)
        assert.equal(table.find(keys[i], hashKey(keys[i])), i);
    });
  }

  it('refuses a key that does not compare by value, as keyOf does', () => {
    for (const bad of [{}, [1, {}], () => 1, Symbol('s'), [[new Date()]]]) {
      const table = new KeyTable<number>();
      assert.throws(
        () => table.add(bad, 1),
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
