import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import {
  assertValidKey,
  compareKeys,
  hashKey,
  keyOf,
  sameMapKey,
  sortWith,
} from '../../src/shared/keys.js';

// A small deterministic generator, so a failure reproduces.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomKey(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth < 2 ? 9 : 8));
  switch (pick) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rand() < 0.5;
    case 3:
      return [0, -0, NaN, Infinity, -Infinity, 1.5, -2][Math.floor(rand() * 7)];
    case 4:
      return Math.floor(rand() * 10) - 5;
    case 5:
      return BigInt(Math.floor(rand() * 10) - 5);
    case 6:
      return ['', 'a', 'b', 'ab', '\u0000', '\u0000a', 'é'][Math.floor(rand() * 7)];
    case 7:
      return String.fromCharCode(Math.floor(rand() * 128));
    default:
      return Array.from({ length: Math.floor(rand() * 3) }, () => randomKey(rand, depth + 1));
  }
}

const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0);

describe('hashKey', () => {
  it('is a non-negative int32, equal for keys equal by value', () => {
    const pairs: [unknown, unknown][] = [
      [0, -0],
      [NaN, Number('x')],
      [NaN, 0 / 0],
      ['abc', 'ab' + 'c'],
      [10n, BigInt(10)],
      [
        ['a', 1, [true, null]],
        ['a', 1, [true, null]],
      ],
      [[-0], [0]],
    ];
    for (const [a, b] of pairs) {
      assert.equal(hashKey(a), hashKey(b), `${String(a)} vs ${String(b)}`);
      assert.ok(Number.isInteger(hashKey(a)) && hashKey(a) >= 0 && hashKey(a) <= 0x7fffffff);
    }
  });

  it('is deterministic: fixed values that every thread and process must agree on', () => {
    // Pinned so a change of the hash (which would misplace checkpointed partitions) is noticed.
    const keys = [0, 1, 'a', 'hello', true, null, undefined, 5n, ['a', 1]];
    const pinned = [
      773692376, 675489881, 1229274632, 1250600450, 363348463, 167010153, 1020716019, 1762685202,
      1639241845,
    ];
    assert.deepEqual(keys.map(hashKey), pinned);
    assert.notEqual(hashKey(1), hashKey('1'));
    assert.notEqual(hashKey([1]), hashKey(1));
    assert.notEqual(hashKey(['a', 'b']), hashKey(['b', 'a']));
  });

  it('spreads 100k keys over 16 buckets within 10% of even', () => {
    for (const make of [
      (i: number) => i,
      (i: number) => i * 16,
      (i: number) => i + 0.5,
      (i: number) => `key-${i}`,
      (i: number) => ['user', i],
    ]) {
      const buckets = new Array<number>(16).fill(0);
      for (let i = 0; i < 100_000; i++) buckets[hashKey(make(i)) % 16]!++;
      for (const count of buckets)
        assert.ok(Math.abs(count - 6250) <= 625, `bucket ${count} for ${String(make(1))}`);
    }
  });

  it('refuses objects', () => {
    assert.throws(
      () => hashKey({}),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('keyOf', () => {
  it('maps equal keys to the same Map key and different keys to different ones', () => {
    const m = new Map<unknown, number>();
    m.set(keyOf(['a', 1]), 1);
    assert.equal(m.get(keyOf(['a', 1])), 1);
    assert.equal(keyOf(-0), 0);
    assert.ok(Object.is(keyOf(-0), 0));
    assert.equal(keyOf('x'), 'x');
    assert.notEqual(keyOf([1]), keyOf(['1']));
    assert.notEqual(keyOf([[1, 2]]), keyOf([1, 2]));
    assert.notEqual(keyOf(['a,b']), keyOf(['a', 'b']));
    assert.notEqual(keyOf([1n]), keyOf([1]));
  });

  it('can never make a string collide with an array', () => {
    for (const arr of [[], ['a'], [1, 'b'], [['\u0000']]]) {
      const encoded = keyOf(arr);
      assert.equal(typeof encoded, 'string');
      assert.notEqual(keyOf(encoded), encoded, 'the string equal to an array encoding is escaped');
      assert.notEqual(keyOf('\u0000' + (encoded as string)), encoded);
    }
    assert.notEqual(keyOf('\u0000'), keyOf('\u0000\u0000'));
  });

  it('NaN equals NaN and -0 equals 0 alike for sameMapKey, Map, compareKeys and hashKey', () => {
    const same: [unknown, unknown][] = [
      [NaN, NaN],
      [-0, 0],
      [
        [NaN, -0],
        [NaN, 0],
      ],
      [[[NaN]], [[NaN]]],
    ];
    for (const [a, b] of same) {
      assert.ok(sameMapKey(keyOf(a), keyOf(b)), `${String(a)} ~ ${String(b)}`);
      assert.ok(new Map([[keyOf(a), 1]]).has(keyOf(b)));
      assert.equal(compareKeys(a, b), 0);
      assert.equal(hashKey(a), hashKey(b));
    }
    assert.ok(!sameMapKey(keyOf(NaN), keyOf(0)));
    assert.ok(!sameMapKey(keyOf([NaN]), keyOf([0])));
    assert.ok(!sameMapKey(keyOf(1), keyOf('1')));
  });

  it('agrees with compareKeys on random keys', () => {
    const rand = lcg(7);
    for (let i = 0; i < 5000; i++) {
      const a = randomKey(rand);
      const b = randomKey(rand);
      assert.equal(
        keyOf(a) === keyOf(b) || (Number.isNaN(keyOf(a)) && Number.isNaN(keyOf(b))),
        compareKeys(a, b) === 0,
      );
      if (compareKeys(a, b) === 0) assert.equal(hashKey(a), hashKey(b));
    }
  });
});

describe('compareKeys', () => {
  it('orders types: undefined < null < booleans < numbers and bigints < strings < arrays', () => {
    // Array.prototype.sort moves undefined to the end without asking the comparator.
    assert.equal(compareKeys(undefined, null), -1);
    const sorted = [
      null,
      false,
      true,
      -Infinity,
      -1,
      0n,
      0.5,
      1,
      1n,
      2n,
      Infinity,
      NaN,
      '',
      'a',
      'b',
      [],
      [0],
      [0, 1],
      [1],
    ];
    const shuffled = [...sorted].reverse();
    shuffled.sort(compareKeys);
    assert.deepEqual(shuffled, sorted);
  });

  it('is a total order on random keys: antisymmetric and transitive', () => {
    const rand = lcg(42);
    const keys = Array.from({ length: 300 }, () => randomKey(rand));
    for (const a of keys) {
      assert.equal(compareKeys(a, a), 0);
      for (const b of keys) {
        assert.equal(sign(compareKeys(a, b)), 0 - sign(compareKeys(b, a)));
      }
    }
    // Sort indexes: Array.prototype.sort would move undefined keys aside without comparing them.
    const sorted = keys
      .map((_, i) => i)
      .sort((i, j) => compareKeys(keys[i], keys[j]))
      .map((i) => keys[i]);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i; j < sorted.length; j++)
        assert.ok(compareKeys(sorted[i], sorted[j]) <= 0, 'transitive');
    }
  });

  it('compares strings by code unit, like <', () => {
    assert.equal(compareKeys('B', 'a'), -1);
    assert.equal(compareKeys('\uffff', '\u{10000}'), 1);
  });
});

describe('sortWith', () => {
  it('orders undefined elements by the comparator, as compareKeys does, and stays stable', () => {
    const mixed = [3, undefined, 'b', null, 1, undefined, true];
    assert.deepEqual(sortWith([...mixed], compareKeys), [
      undefined,
      undefined,
      null,
      true,
      1,
      3,
      'b',
    ]);
    assert.deepEqual(sortWith([...mixed], (a, b) => compareKeys(b, a)).slice(-2), [
      undefined,
      undefined,
    ]);
    const seen: unknown[] = [];
    const byNumber = (a: number | undefined, b: number | undefined) => {
      seen.push(a, b);
      return (a ?? Infinity) - (b ?? Infinity);
    };
    assert.deepEqual(sortWith([undefined, 2, 1], byNumber), [1, 2, undefined]);
    assert.ok(seen.includes(undefined));
    // Stable: equal elements keep their order.
    const pairs: [number | undefined, string][] = [
      [1, 'a'],
      [undefined, 'b'],
      [1, 'c'],
      [undefined, 'd'],
    ];
    const byFirst = (a: [number | undefined, string], b: [number | undefined, string]) =>
      compareKeys(a[0], b[0]);
    assert.deepEqual(
      sortWith(pairs, byFirst).map(([, s]) => s),
      ['b', 'd', 'a', 'c'],
    );
  });
});

describe('assertValidKey', () => {
  it('accepts by-value keys and refuses objects, functions and symbols, naming where', () => {
    assertValidKey(['a', [1, 2n, null, undefined, true]], 'rdd.reduceByKey');
    for (const bad of [{}, new Date(0), () => 1, Symbol('s'), ['a', {}]]) {
      assert.throws(
        () => assertValidKey(bad, 'rdd.reduceByKey'),
        (e: unknown) =>
          isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes('rdd.reduceByKey'),
      );
    }
  });
});
