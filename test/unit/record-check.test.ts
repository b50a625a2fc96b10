// findLostClass: which records a structured clone would strip of their class, found without
// threads, nested in pairs, objects, Map and Set; built-in types and plain data pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertPlainRecords, findLostClass } from '../../src/shared/format/record-check.js';
import { isKindlingError } from '../../src/shared/errors.js';

class WithGetter {
  constructor(readonly x: number) {}
  get dbl(): number {
    return this.x * 2;
  }
}
class WithMethod {
  twice(): number {
    return 2;
  }
}
class FieldsOnly {
  a = 1;
  inner: unknown = undefined;
}
class Tagged extends Map<string, number> {
  tag(): string {
    return 'x';
  }
}

describe('findLostClass', () => {
  it('names a class with accessors or methods, wherever it sits in a record', () => {
    assert.equal(findLostClass(new WithGetter(1)), 'WithGetter');
    assert.equal(findLostClass(['k', new WithMethod()]), 'WithMethod');
    assert.equal(findLostClass({ a: [1, { b: new WithMethod() }] }), 'WithMethod');
    assert.equal(findLostClass(new Map([['k', new WithGetter(1)]])), 'WithGetter');
    assert.equal(findLostClass(new Set([new WithGetter(1)])), 'WithGetter');
    const holder = new FieldsOnly();
    holder.inner = new WithGetter(2);
    assert.equal(findLostClass(holder), 'WithGetter');
    assert.equal(findLostClass(new Tagged()), 'Tagged');
    assert.equal(findLostClass(Buffer.from('x')), 'Buffer'); // arrives as a Uint8Array
  });

  it('passes plain data and the built-in types a clone rebuilds', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = [1];
    const values: unknown[] = [
      1,
      'x',
      null,
      undefined,
      10n,
      [1, ['a', { b: 2 }]],
      { a: new Date(0), b: new Uint8Array(2), c: new Float64Array(1), d: /x/ },
      new Map([[1, new Set([2])]]),
      new RangeError('r'),
      new FieldsOnly(),
      bare,
    ];
    values.forEach((v, i) => assert.equal(findLostClass(v), undefined, `value ${i}`));
  });

  it('assertPlainRecords names the index of the first bad record', () => {
    assert.throws(
      () => assertPlainRecords([1, { a: 1 }, new WithGetter(3)], 'ctx.parallelize data'),
      (e: unknown) =>
        isKindlingError(e) &&
        e.code === 'INVALID_ARGUMENT' &&
        /ctx\.parallelize data\[2\].*WithGetter/.test(e.message),
    );
  });
});
