// Pair columns, the reduce side's form of a batch of [key, value] records: decodePairColumns
// gives the same keys and values as decodeRecords, a non-pair batch as its records, and damaged
// bytes fail as CHECKPOINT_CORRUPT; a frame's columns carry its index and count checks; a batch
// of records split into columns checks every record as a pair.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { BatchingFrameEncoder } from '../../src/shared/format/batching-frame-encoder.js';
import {
  decodeFrameColumns,
  encodeFrameParts,
  type EncodedFrame,
  type ScannedFrame,
} from '../../src/shared/format/frames.js';
import {
  decodePairColumns,
  decodeRecords,
  encodePairs,
  encodeRecords,
} from '../../src/shared/format/record-codec.js';
import { hashKey } from '../../src/shared/keys.js';
import { splitPairs } from '../../workers/pair-columns.js';

const BATCHES: [string, unknown[]][] = [
  ['int keys and values', Array.from({ length: 100 }, (_, i) => [i % 7, i])],
  ['float keys: -0, NaN, infinities', [-0, 0, NaN, Infinity, -Infinity, 1.5].map((k, i) => [k, i])],
  ['string keys', ['', 'a', '\u0000', '\u0000[n1]', 'é', '😀'].map((k, i) => [k, [i, 'x']])],
  ['[string, number] keys', Array.from({ length: 50 }, (_, i) => [['k' + (i % 5), i % 3], i])],
  [
    'list values',
    [
      [1, [1, 2, 3]],
      [2, []],
      [3, [4]],
    ],
  ],
  [
    'object values',
    [
      [1, { a: 1 }],
      [2, { a: 2 }],
    ],
  ],
  [
    'bigint keys (v8 inside a pair column)',
    [
      [1n, 1],
      [10n ** 30n, 2],
    ],
  ],
  [
    'mixed key kinds',
    [
      [1, 1],
      ['1', 2],
      [1n, 3],
      [null, 4],
      [undefined, 5],
      [[1], 6],
    ],
  ],
];

const asColumns = (records: unknown[]): { keys: unknown[]; values: unknown[] } => ({
  keys: records.map((r) => (r as unknown[])[0]),
  values: records.map((r) => (r as unknown[])[1]),
});

describe('decodePairColumns', () => {
  for (const [name, batch] of BATCHES) {
    it(`gives the keys and values decodeRecords gives: ${name}`, () => {
      const bytes = encodeRecords(batch);
      const decoded = decodePairColumns(bytes, batch.length);
      const records = decodeRecords(bytes, batch.length);
      if (decoded.kind === 'pairs') {
        assert.deepEqual({ keys: decoded.keys, values: decoded.values }, asColumns(records));
      } else {
        assert.deepEqual(decoded.records, records);
      }
      assert.deepEqual(records, batch);
    });
  }

  it('takes a batch of typed pairs as columns, without building its records', () => {
    const decoded = decodePairColumns(
      encodeRecords([
        [1, 'a'],
        [2, 'b'],
      ]),
    );
    assert.deepEqual(decoded, { kind: 'pairs', keys: [1, 2], values: ['a', 'b'] });
  });

  it('gives a batch that is not a pair column as its records', () => {
    const batch = [1, 2, 3];
    assert.deepEqual(decodePairColumns(encodeRecords(batch)), { kind: 'records', records: batch });
    const triples = [[1, 2, 3]];
    assert.deepEqual(decodePairColumns(encodeRecords(triples)), {
      kind: 'records',
      records: triples,
    });
  });

  it('refuses a count other than the expected one, and damaged or trailing bytes', () => {
    const bytes = encodeRecords(Array.from({ length: 10 }, (_, i) => [i, i * 2]));
    const corrupt = (f: () => unknown, why: RegExp): void =>
      assert.throws(
        f,
        (e) => isKindlingError(e) && e.code === 'CHECKPOINT_CORRUPT' && why.test(e.message),
      );
    corrupt(() => decodePairColumns(bytes, 9), /expected 9/);
    corrupt(() => decodePairColumns(bytes.subarray(0, bytes.length - 3)), /needs|bytes/);
    corrupt(() => decodePairColumns(Buffer.concat([bytes, Buffer.from([0])])), /trailing/);
    const badKeys = Buffer.from(bytes);
    badKeys[5] = 99; // the key column's tag
    corrupt(() => decodePairColumns(badKeys), /unknown column tag 99/);
  });
});

describe('decodeFrameColumns', () => {
  const frameOf = (records: unknown[], count = records.length): ScannedFrame => {
    const { payload } = encodeFrameParts(records, 'none');
    return { index: 3, records: count, raw: payload };
  };

  it('decodes a frame of pairs as columns', () => {
    const got = decodeFrameColumns(
      frameOf([
        [1, 2],
        [3, 4],
      ]),
      { path: 'f' },
    );
    assert.deepEqual(got, { kind: 'pairs', keys: [1, 3], values: [2, 4] });
  });

  it('names the file and frame when the header count disagrees', () => {
    assert.throws(
      () => decodeFrameColumns(frameOf([[1, 2]], 2), { path: 'shuffle_1_0' }),
      (e) =>
        isKindlingError(e) &&
        e.code === 'CHECKPOINT_CORRUPT' &&
        e.message.includes('shuffle_1_0') &&
        e.context.frame === 3,
    );
  });
});

describe('pair columns with key hashes (a shuffle map side sends them)', () => {
  const keys: unknown[] = Array.from({ length: 40 }, (_, i) => ['k' + (i % 7), i % 3]);
  const values = keys.map((_, i) => i);
  const hashes = keys.map(hashKey);

  it('hands the hashes back with the columns; decodeRecords reads past them', () => {
    const bytes = encodePairs(keys, values, hashes);
    const decoded = decodePairColumns(bytes, keys.length);
    assert.equal(decoded.kind, 'pairs');
    if (decoded.kind !== 'pairs') return;
    assert.deepEqual(decoded.keys, keys);
    assert.deepEqual(decoded.values, values);
    assert.deepEqual([...(decoded.hashes ?? [])], hashes);
    assert.deepEqual(
      decodeRecords(bytes, keys.length),
      keys.map((k, i) => [k, values[i]]),
    );
  });

  it('sends no hashes unless there is one for every key', () => {
    const decoded = decodePairColumns(encodePairs(keys, values, hashes.slice(1)));
    assert.equal(decoded.kind === 'pairs' && decoded.hashes, undefined);
  });

  it("never pairs a key with another key's hash when a writer cuts the keys into frames", () => {
    // Hashes of the keys that are not numbers only, as a shuffle bucket keeps them: with a
    // number among the keys there are fewer hashes than keys, and no frame may take them.
    const mixed: unknown[] = ['a', 'b', 7, 'c', 'd', 'e', ['f', 1], 'g'];
    const frames: EncodedFrame[] = [];
    const encoder = new BatchingFrameEncoder('none', (f) => frames.push(f), { maxRecords: 2 });
    const partial = mixed.filter((k) => typeof k !== 'number').map(hashKey);
    encoder.pushPairs(
      mixed,
      mixed.map((_, i) => i),
      partial,
    );
    encoder.pushPairs(['x', 'y', 'z'], [1, 2, 3], ['x', 'y', 'z'].map(hashKey));
    const decoded = frames.map((f, i) =>
      decodeFrameColumns({ index: i, records: f.records, raw: Buffer.from(f.payload) }, {}),
    );
    const hashed = decoded.filter((d) => d.kind === 'pairs' && d.hashes !== undefined);
    assert.equal(hashed.length, 2, 'the second call sent its hashes, in two frames');
    for (const d of decoded) {
      if (d.kind !== 'pairs' || d.hashes === undefined) continue;
      assert.deepEqual([...d.hashes], d.keys.map(hashKey));
    }
  });

  it('refuses a frame whose hashes are swapped between two keys in its middle', () => {
    const many: unknown[] = Array.from({ length: 300 }, (_, i) => ['k' + i, i]);
    const swapped = many.map(hashKey);
    [swapped[128], swapped[129]] = [swapped[129] as number, swapped[128] as number];
    const raw = encodePairs(
      many,
      many.map(() => 0),
      swapped,
    );
    assert.throws(
      () => decodeFrameColumns({ index: 0, records: many.length, raw }, { path: 'shuffle_4_2' }),
      (e) => isKindlingError(e, 'CHECKPOINT_CORRUPT') && e.message.includes('hashes do not match'),
    );
  });

  it("refuses a frame whose hashes are not its keys' (another version of hashKey)", () => {
    const wrong = hashes.map((h) => (h + 1) & 0x7fffffff);
    const raw = encodePairs(keys, values, wrong);
    assert.throws(
      () => decodeFrameColumns({ index: 2, records: keys.length, raw }, { path: 'shuffle_4_1' }),
      (e) =>
        isKindlingError(e, 'CHECKPOINT_CORRUPT') &&
        e.message.includes('shuffle_4_1') &&
        e.message.includes('hashes do not match'),
    );
  });
});

describe('splitPairs', () => {
  it('splits records into columns, a record longer than a pair keeping its first two', () => {
    assert.deepEqual(
      splitPairs(
        [
          [1, 2],
          ['a', 'b', 'c'],
        ],
        'join',
      ),
      {
        keys: [1, 'a'],
        values: [2, 'b'],
      },
    );
  });

  it('refuses a record that is not a pair, naming where', () => {
    assert.throws(
      () => splitPairs([[1, 2], 3], 'cogroup'),
      (e) =>
        isKindlingError(e) && e.code === 'INVALID_ARGUMENT' && /record of cogroup/.test(e.message),
    );
  });
});
