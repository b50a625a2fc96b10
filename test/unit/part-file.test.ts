// Part files: writer commit/abort semantics, attempt temp names, verification
// against the whole-file crc, boundaries for shuffle segments, and damage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { encodeFrameParts, readFrames, type Codec } from '../../src/shared/format/frames.js';
import {
  PART_FILE_HEADER_BYTES,
  PartFileWriter,
  readPartFile,
  readPartFileHeader,
  verifyPartFile,
} from '../../src/shared/format/part-file.js';

const CODECS: Codec[] = ['none', 'lz4'];
const rows = (n: number, from = 0): unknown[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, word: `w${(from + i) % 97}`, x: i / 7 }));

function assertCorrupt(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isKindlingError(e, 'CHECKPOINT_CORRUPT'), String(e));
    for (const p of parts) assert.ok(e.message.includes(p), `${e.message} lacks ${p}`);
    return true;
  });
}

const readAll = (file: string): unknown[] => [...readPartFile(file, { rddId: 1 })].flat();

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writePart(file: string, codec: Codec, records: unknown[], tag = 'attempt-0'): void {
  const w = new PartFileWriter(file, codec, tag);
  for (let i = 0; i < records.length; i += 333) w.write(records.slice(i, i + 333));
  w.commit();
}

describe('part files', () => {
  it('keeps the order of small frames and frames of half a write chunk or more', () => {
    // A frame of 512 KiB to 1 MiB (800 KB here) is written out directly, not gathered into the
    // 1 MiB write chunk: the bytes already gathered must go first.
    const file = path.join(dir, 'part-00000');
    const big = Array.from({ length: 2000 }, (_, i) => `${i}:`.padEnd(400, String(i % 10)));
    const w = new PartFileWriter(file, 'none', 'attempt-0');
    w.write(['a', 'b']);
    w.writeFrame(encodeFrameParts(big, 'none'));
    w.write(['c']);
    w.writeFrame(encodeFrameParts(['d'], 'none'));
    w.writeFrame(encodeFrameParts(big, 'none'));
    w.commit();
    assert.deepStrictEqual(readAll(file), ['a', 'b', ...big, 'c', 'd', ...big]);
  });

  for (const codec of CODECS) {
    it(`read back what was written, with stats that match the file (${codec})`, () => {
      const file = path.join(dir, 'part-00000');
      const records = [...rows(50000), 'odd', { nested: [new Map([[1, 2]])] }];
      const w = new PartFileWriter(file, codec, 'task-7.0');
      w.write([]);
      for (let i = 0; i < records.length; i += 1000) w.write(records.slice(i, i + 1000));
      const stats = w.commit();
      assert.deepStrictEqual(readAll(file), records);
      const bytes = fs.readFileSync(file);
      assert.equal(stats.records, records.length);
      assert.equal(stats.bytes, bytes.length);
      assert.equal(stats.crc32, zlib.crc32(bytes));
      assert.equal(stats.finalExisted, false);
      assert.ok(stats.frames > 3);
      const verified = verifyPartFile(file, {});
      assert.deepStrictEqual(
        {
          records: verified.records,
          bytes: verified.bytes,
          frames: verified.frames,
          crc32: verified.crc32,
        },
        { records: stats.records, bytes: stats.bytes, frames: stats.frames, crc32: stats.crc32 },
      );
      assert.ok(verified.rawBytes > 0);
      assert.deepStrictEqual(readPartFileHeader(file), { version: 1, codec });
      assert.deepStrictEqual(fs.readdirSync(dir), ['part-00000']);
    });

    it(`give markBoundary offsets that delimit readable segments (${codec})`, () => {
      const file = path.join(dir, 'shuffle_0_3_9.data');
      const w = new PartFileWriter(file, codec, 'a1');
      const buckets = [rows(10), [], rows(5000, 10), rows(1, 5010)];
      const offsets = [w.markBoundary()];
      assert.equal(offsets[0], PART_FILE_HEADER_BYTES);
      for (const bucket of buckets) {
        w.write(bucket);
        offsets.push(w.markBoundary());
      }
      w.commit();
      buckets.forEach((bucket, r) => {
        const segment = [
          ...readFrames(file, codec, offsets[r] as number, offsets[r + 1] as number, {}),
        ];
        assert.deepStrictEqual(segment.flat(), bucket);
      });
    });

    it(`place a frame encoded beforehand after the records written before it (${codec})`, () => {
      const file = path.join(dir, 'shuffle_0_4_9.data');
      const w = new PartFileWriter(file, codec, 'a1');
      w.write(rows(3));
      w.writeFrame(encodeFrameParts(rows(5000, 3), codec));
      w.write(rows(2, 5003));
      const end = w.markBoundary();
      const stats = w.commit();
      assert.deepStrictEqual([...readFrames(file, codec, PART_FILE_HEADER_BYTES, end, {})].flat(), [
        ...rows(3),
        ...rows(5000, 3),
        ...rows(2, 5003),
      ]);
      assert.equal(stats.records, 5005);
      assert.equal(verifyPartFile(file, {}).records, 5005);
    });

    it(`report a flipped payload byte with the file and frame (${codec})`, () => {
      const file = path.join(dir, 'part-00001');
      writePart(file, codec, rows(30000));
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 0x01;
      fs.writeFileSync(file, bytes);
      assertCorrupt(() => readAll(file), file, '(frame ', 'crc32');
      assertCorrupt(() => verifyPartFile(file, {}), file, '(frame ');
    });

    it(`report truncation anywhere, including at a frame boundary (${codec})`, () => {
      const file = path.join(dir, 'part-00002');
      writePart(file, codec, rows(20000));
      const bytes = fs.readFileSync(file);
      for (const keep of [
        bytes.length - 16,
        bytes.length - 1,
        Math.floor(bytes.length / 2),
        20,
        5,
        0,
      ]) {
        fs.writeFileSync(file, bytes.subarray(0, keep));
        assertCorrupt(() => readAll(file), file);
        assertCorrupt(() => verifyPartFile(file, {}), file);
      }
    });
  }

  it('rejects a bad magic, an unknown version and a damaged header', () => {
    const file = path.join(dir, 'part-00003');
    writePart(file, 'lz4', rows(10));
    const good = fs.readFileSync(file);
    const bad = Buffer.from(good);
    bad.write('XXXX', 0, 'latin1');
    fs.writeFileSync(file, bad);
    assertCorrupt(() => readAll(file), file, 'bad magic');
    const v2 = Buffer.from(good);
    v2.writeUInt16LE(2, 4);
    v2.writeUInt32LE(zlib.crc32(v2.subarray(0, 8)), 8);
    fs.writeFileSync(file, v2);
    assertCorrupt(() => readAll(file), file, 'version 2');
    const flipped = Buffer.from(good);
    flipped[6] = 0;
    fs.writeFileSync(file, flipped);
    assertCorrupt(() => readPartFileHeader(file), 'header crc32');
  });

  it('reports a missing file as missing', () => {
    assertCorrupt(() => readAll(path.join(dir, 'part-00009')), 'part-00009', 'missing');
  });

  it('leaves exactly one final file when two attempts commit the same partition', () => {
    const file = path.join(dir, 'part-00004');
    const first = new PartFileWriter(file, 'lz4', 'attempt-0');
    const second = new PartFileWriter(file, 'lz4', 'attempt-1');
    assert.notEqual(first.tempPath, second.tempPath);
    first.write(rows(100));
    second.write(rows(100));
    const a = first.commit();
    const b = second.commit();
    assert.equal(a.finalExisted, false);
    assert.equal(b.finalExisted, true);
    assert.equal(b.crc32, a.crc32);
    assert.deepStrictEqual(fs.readdirSync(dir), ['part-00004']);
    assert.deepStrictEqual(readAll(file), rows(100));
  });

  it('keeps the committed file when the same partition commits again later', () => {
    const file = path.join(dir, 'part-00005');
    writePart(file, 'none', rows(10), 'a');
    writePart(file, 'none', rows(20), 'b');
    assert.deepStrictEqual(readAll(file), rows(10));
    assert.deepStrictEqual(fs.readdirSync(dir), ['part-00005']);
  });

  it('aborts without leaving files, and abort after commit keeps the file', () => {
    const file = path.join(dir, 'part-00006');
    const w = new PartFileWriter(file, 'lz4', 'attempt-3');
    w.write(rows(5000));
    assert.ok(fs.existsSync(w.tempPath));
    w.abort();
    w.abort();
    assert.deepStrictEqual(fs.readdirSync(dir), []);
    assert.throws(
      () => w.write(rows(1)),
      (e: unknown) => isKindlingError(e, 'INTERNAL'),
    );
    const done = new PartFileWriter(file, 'lz4', 'attempt-4');
    done.write(rows(3));
    done.commit();
    done.abort();
    assert.deepStrictEqual(readAll(file), rows(3));
  });

  it('rejects attempt tags that would leave the directory', () => {
    assert.throws(
      () => new PartFileWriter(path.join(dir, 'p'), 'none', '../x'),
      (e: unknown) => isKindlingError(e, 'INTERNAL') && e.message.includes('"../x"'),
    );
  });
});
