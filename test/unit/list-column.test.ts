// LIST columns of the record codec: batches of plain arrays of any lengths round-trip exactly
// through their end offsets and one element column (numbers, strings, pairs, nested lists,
// empty lists), arrays a LIST cannot carry exactly (holes, subclasses) keep the v8 layout, and
// damaged offsets fail as CHECKPOINT_CORRUPT before anything is allocated for them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { ColumnTag, decodeRecords, encodeRecords } from '../../src/shared/format/record-codec.js';
import { MAX_LIST_ELEMENTS } from '../../src/shared/format/list-column.js';
import { lcg } from './random-keys.js';

const roundTrip = (batch: unknown[]): unknown[] =>
  decodeRecords(encodeRecords(batch), batch.length);

describe('LIST columns', () => {
  const rand = lcg(7);
  const cases: [string, unknown[]][] = [
    [
      'int lists of many lengths',
      Array.from({ length: 500 }, (_, i) => Array.from({ length: i % 13 }, (_, j) => i * j)),
    ],
    [
      'float lists with -0, NaN and infinities',
      [[-0, NaN], [Infinity], [], [-Infinity, 0.5, 2 ** 53]],
    ],
    ['string lists', [['a', '', '😀'], [], ['\u0000', 'é']]],
    [
      'lists of pairs',
      [
        [
          [1, 'a'],
          [2, 'b'],
        ],
        [[3, 'c']],
        [],
      ],
    ],
    ['lists of lists', [[[1], [2, 3]], [[]], [[4, 5, 6], [], [7]]]],
    ['lists of mixed elements (v8 inside)', [[1, 'a', null, undefined, 1n, { x: 1 }], [true]]],
    ['every list empty', [[], [], []]],
    [
      'random lengths',
      Array.from({ length: 300 }, () =>
        Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 1e6)),
      ),
    ],
  ];
  for (const [name, batch] of cases) {
    it(`round-trips ${name} as a LIST column`, () => {
      const bytes = encodeRecords(batch);
      assert.equal(bytes[0], ColumnTag.LIST);
      assert.deepEqual(roundTrip(batch), batch);
    });
  }

  it('is the value column of [key, list] pairs (groupByKey output)', () => {
    const batch = [
      [1, [10, 20, 30]],
      [2, [40]],
      [3, []],
    ];
    const bytes = encodeRecords(batch);
    assert.equal(bytes[0], ColumnTag.PAIR);
    assert.deepEqual(roundTrip(batch), batch);
  });

  it('leaves lists of two elements to PAIR, and keeps the ones a LIST would alter in v8', () => {
    assert.equal(
      encodeRecords([
        [1, 2],
        [3, 4],
      ])[0],
      ColumnTag.PAIR,
    );
    // eslint-disable-next-line no-sparse-arrays
    const holes = [[1, , 3], [4]];
    const decoded = roundTrip(holes);
    assert.equal(encodeRecords(holes)[0], ColumnTag.V8);
    assert.equal(1 in (decoded[0] as unknown[]), false, 'the hole is kept');
    class Sub extends Array<number> {}
    const sub = Sub.from([1, 2, 3]);
    // A subclass becomes a plain Array, as v8.serialize makes it.
    assert.equal(encodeRecords([sub, [4]])[0], ColumnTag.LIST);
    const [first] = roundTrip([sub, [4]]) as unknown[][];
    assert.deepStrictEqual(first, [1, 2, 3]);
    assert.equal(Object.getPrototypeOf(first), Array.prototype);
    assert.equal(encodeRecords([[1, 2, 3], 'x'])[0], ColumnTag.V8);
  });

  it('refuses offsets that decrease, run past the elements, or ask for too many elements', () => {
    const bytes = encodeRecords([[1, 2, 3], [4], [5, 6]]);
    // tag, count, pad to 4 (3 bytes), then the u32 ends 3, 4, 6.
    const ends = 8;
    assert.equal(bytes.readUInt32LE(ends), 3);
    const corrupt = (edit: (b: Buffer) => void, why: RegExp): void => {
      const b = Buffer.from(bytes);
      edit(b);
      assert.throws(
        () => decodeRecords(b, 3),
        (e) => isKindlingError(e) && e.code === 'CHECKPOINT_CORRUPT' && why.test(e.message),
      );
    };
    corrupt((b) => b.writeUInt32LE(5, ends), /offsets decrease/);
    corrupt((b) => b.writeUInt32LE(7, ends + 8), /expected 7/);
    corrupt((b) => b.writeUInt32LE(MAX_LIST_ELEMENTS + 1, ends + 8), /at most/);
  });
});
