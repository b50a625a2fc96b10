import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { compareKeys } from '../../src/shared/keys.js';
import { HashPartitioner, RangePartitioner } from '../../src/rdd/partitioner.js';
import { partitionerFromPlan } from '../../src/shared/partitioner-plan.js';

const fakeRdd = { id: 1, getNumPartitions: () => 1 };
const invalid = (argument: string) => (e: unknown) =>
  isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === argument;

describe('HashPartitioner', () => {
  it('puts every key in range, and equal keys together', () => {
    const p = new HashPartitioner(7);
    for (const key of [0, -0, 1, -5, 2.5, NaN, 'a', '', true, null, undefined, 3n, ['a', 1]]) {
      const i = p.getPartition(key);
      assert.ok(Number.isInteger(i) && i >= 0 && i < 7);
    }
    assert.equal(p.getPartition(['x', 1]), p.getPartition(['x', 1]));
    assert.equal(p.getPartition(-0), p.getPartition(0));
  });

  it('equals another hash partitioner with the same count only', () => {
    assert.ok(new HashPartitioner(4).equals(new HashPartitioner(4)));
    assert.ok(!new HashPartitioner(4).equals(new HashPartitioner(5)));
    assert.ok(!new HashPartitioner(4).equals({ kind: 'hash', numPartitions: 4 }));
  });

  it('agrees with the worker function built from its plan', () => {
    const p = new HashPartitioner(13);
    const f = partitionerFromPlan(p.toPlan());
    for (let i = 0; i < 1000; i++) assert.equal(f(`k${i}`), p.getPartition(`k${i}`));
  });

  it('refuses a count that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, NaN, '4'])
      assert.throws(() => new HashPartitioner(n as number), invalid('numPartitions'));
  });
});

describe('RangePartitioner', () => {
  it('computes distinct, sorted bounds from a sample', () => {
    const sample = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const bounds = RangePartitioner.computeBounds(sample, 4);
    assert.deepEqual(bounds, [249, 499, 749]);
    assert.deepEqual(RangePartitioner.computeBounds([1, 1, 1, 1, 2, 2], 4), [1, 2]);
    assert.deepEqual(RangePartitioner.computeBounds([], 4), []);
  });

  it('keeps the total order of keys across partitions, ascending and descending', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `k${(i * 31) % 500}`);
    const bounds = RangePartitioner.computeBounds(keys, 5);
    for (const ascending of [true, false]) {
      const p = new RangePartitioner(5, fakeRdd, ascending);
      p.setBounds(bounds);
      const sorted = [...keys].sort(compareKeys);
      if (!ascending) sorted.reverse();
      const parts = sorted.map((k) => p.getPartition(k));
      for (let i = 1; i < parts.length; i++)
        assert.ok(parts[i - 1]! <= parts[i]!, 'partition indexes follow the sort');
      assert.deepEqual(new Set(parts), new Set([0, 1, 2, 3, 4]));
      const f = partitionerFromPlan(p.toPlan());
      for (const k of keys) assert.equal(f(k), p.getPartition(k));
    }
  });

  it('puts keys equal to a bound in the lower partition, as Spark', () => {
    const p = new RangePartitioner(3, fakeRdd);
    p.setBounds([10, 20]);
    assert.deepEqual(
      [5, 10, 11, 20, 21].map((k) => p.getPartition(k)),
      [0, 0, 1, 1, 2],
    );
  });

  it('uses binary search for many bounds with the same answers', () => {
    const bounds = Array.from({ length: 300 }, (_, i) => i * 10);
    const p = new RangePartitioner(301, fakeRdd);
    p.setBounds(bounds);
    assert.deepEqual(
      [-1, 0, 1, 10, 2995, 5000].map((k) => p.getPartition(k)),
      [0, 0, 1, 1, 300, 300],
    );
  });

  it('equals by kind, count, direction and bounds; by identity before bounds are set', () => {
    const a = new RangePartitioner(3, fakeRdd);
    const b = new RangePartitioner(3, fakeRdd);
    assert.ok(a.equals(a));
    assert.ok(!a.equals(b));
    a.setBounds(['m', ['a', 1]]);
    b.setBounds(['m', ['a', 1]]);
    assert.ok(a.equals(b));
    const c = new RangePartitioner(3, fakeRdd, false);
    c.setBounds(['m', ['a', 1]]);
    assert.ok(!a.equals(c));
    assert.ok(!a.equals(new HashPartitioner(3)));
  });

  it('refuses bad arguments and use before its bounds are known', () => {
    assert.throws(() => new RangePartitioner(0, fakeRdd), invalid('numPartitions'));
    assert.throws(() => new RangePartitioner(2, undefined), invalid('RangePartitioner rdd'));
    assert.throws(() => new RangePartitioner(2, [1, 2]), invalid('RangePartitioner rdd'));
    assert.throws(() => new RangePartitioner(2, { id: 1 }), invalid('RangePartitioner rdd'));
    const p = new RangePartitioner(3, fakeRdd);
    assert.throws(
      () => p.getPartition(1),
      (e: unknown) => isKindlingError(e, 'UNSUPPORTED_OPERATION'),
    );
    assert.throws(() => p.setBounds([2, 1]), invalid('bounds'));
    assert.throws(() => p.setBounds([1, 2, 3]), invalid('bounds'));
    assert.throws(
      () => p.setBounds([{}]),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT'),
    );
  });
});
