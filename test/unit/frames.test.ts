// Frames: encode/decode in memory and from file ranges, every kind of damage
// reported as CHECKPOINT_CORRUPT naming file and frame, and batching.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { BatchingFrameEncoder } from '../../src/shared/format/batching-frame-encoder.js';
import type { EncodedFrame } from '../../src/shared/format/frames.js';
import {
  FRAME_HEADER_BYTES,
  Lz4Probe,
  decodeFramesFromBuffer,
  encodeFrame,
  encodeFrameParts,
  encodeFrames,
  encodePairFrames,
  MAX_FRAME_RAW_BYTES,
  readFrames,
  type Codec,
} from '../../src/shared/format/frames.js';

const CODECS: Codec[] = ['none', 'lz4'];
const batchOf = (n: number, from = 0): { id: number; name: string }[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: `name-${from + i}` }));

function assertCorrupt(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isKindlingError(e, 'CHECKPOINT_CORRUPT'), String(e));
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `${e.message} lacks ${p}`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('frames', () => {
  for (const codec of CODECS) {
    it(`decode in memory what was encoded (${codec})`, () => {
      const batches = [batchOf(10), [], [1, 'two', { three: 3n }], batchOf(1000, 10)];
      const buf = Buffer.concat(batches.map((b) => encodeFrame(b, codec)));
      assert.deepStrictEqual(
        [...decodeFramesFromBuffer(buf, codec, { describe: 'test block' })],
        batches,
      );
    });

    it(`read a byte range of a file, frame by frame (${codec})`, () => {
      const file = path.join(dir, `range-${codec}`);
      const frames = [batchOf(5), batchOf(6, 5), batchOf(7, 11)].map((b) => encodeFrame(b, codec));
      fs.writeFileSync(file, Buffer.concat([Buffer.from('prefix'), ...frames]));
      const start = 6 + (frames[0] as Buffer).length;
      const end = start + (frames[1] as Buffer).length + (frames[2] as Buffer).length;
      assert.deepStrictEqual(
        [...readFrames(file, codec, start, end, {})],
        [batchOf(6, 5), batchOf(7, 11)],
      );
      assert.deepStrictEqual([...readFrames(file, codec, start, start, {})], []);
    });

    it(`report a flipped payload byte with the file and frame index (${codec})`, () => {
      const file = path.join(dir, `flip-${codec}`);
      const frames = [batchOf(50), batchOf(50, 50), batchOf(50, 100)].map((b) =>
        encodeFrame(b, codec),
      );
      const bytes = Buffer.concat(frames);
      const at = (frames[0] as Buffer).length + FRAME_HEADER_BYTES + 20;
      bytes[at] = (bytes[at] as number) ^ 0x10;
      fs.writeFileSync(file, bytes);
      const where = { rddId: 3, partitionIndex: 1 };
      assertCorrupt(
        () => [...readFrames(file, codec, 0, bytes.length, where)],
        file,
        '(frame 1)',
        'crc32',
      );
      assert.throws(
        () => [...readFrames(file, codec, 0, bytes.length, where)],
        (e: unknown) => {
          assert.ok(isKindlingError(e));
          assert.deepStrictEqual(e.context, { frame: 1, rddId: 3, partitionIndex: 1, path: file });
          return true;
        },
      );
      assertCorrupt(
        () => [...decodeFramesFromBuffer(bytes, codec, { describe: 'rdd_3_1' })],
        'rdd_3_1',
        '(frame 1)',
      );
    });

    it(`report damaged frame headers and truncation (${codec})`, () => {
      const frame = encodeFrame(batchOf(100), codec);
      const damage = (at: number, value: number): Buffer => {
        const b = Buffer.from(frame);
        b.writeUInt32LE(value, at);
        return b;
      };
      const where = { describe: 'block' };
      assertCorrupt(
        () => [...decodeFramesFromBuffer(damage(0, 99), codec, where)],
        '(frame 0)',
        /records/,
      );
      assertCorrupt(
        () => [...decodeFramesFromBuffer(damage(4, frame.length), codec, where)],
        '(frame 0)',
      );
      assertCorrupt(
        () => [...decodeFramesFromBuffer(damage(8, 2 ** 31), codec, where)],
        'out of range',
      );
      assertCorrupt(
        () => [...decodeFramesFromBuffer(frame.subarray(0, 40), codec, where)],
        'past the end',
      );
      assertCorrupt(
        () => [...decodeFramesFromBuffer(frame.subarray(0, 9), codec, where)],
        'frame header',
      );
      const file = path.join(dir, `short-${codec}`);
      fs.writeFileSync(file, frame.subarray(0, frame.length - 1));
      assertCorrupt(() => [...readFrames(file, codec, 0, frame.length, {})], file, '(frame 0)');
    });
  }

  it('refuses every single-bit flip of a frame header: none decodes to other records', () => {
    const batches: unknown[][] = [
      Array.from({ length: 50 }, (_, i) => i * 1.5),
      Array.from({ length: 50 }, (_, i) => `s${i}`),
      batchOf(50),
    ];
    for (const codec of CODECS) {
      for (const batch of batches) {
        const frame = encodeFrame(batch, codec);
        for (let bit = 0; bit < FRAME_HEADER_BYTES * 8; bit++) {
          const b = Buffer.from(frame);
          b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
          assertCorrupt(() => [...decodeFramesFromBuffer(b, codec, { describe: 'block' })]);
        }
      }
    }
  });

  it('reports a missing file as a corrupt checkpoint that is missing', () => {
    const file = path.join(dir, 'nope');
    assertCorrupt(() => [...readFrames(file, 'lz4', 0, 100, {})], file, 'missing');
  });

  it('stores incompressible payloads raw under lz4 and reads them back', () => {
    const noise = [randomBytes(20000)];
    const frame = encodeFrame(noise, 'lz4');
    assert.equal(frame.readUInt32LE(4), frame.readUInt32LE(8));
    assert.deepStrictEqual([...decodeFramesFromBuffer(frame, 'lz4', {})], [noise]);
  });

  it('stops trying lz4 on frames it cannot shrink, for longer each time, and tries again', () => {
    const writer = new Lz4Probe();
    const noise = (): Buffer[] => [randomBytes(20000)];
    const compressible = [Buffer.alloc(20000, 1)];
    const compressed = (batch: Buffer[]): boolean => {
      const f = encodeFrameParts(batch, 'lz4', writer);
      assert.deepStrictEqual(
        [...decodeFramesFromBuffer(Buffer.concat([f.header, f.payload]), 'lz4', {})],
        [batch],
      );
      return f.payload.length < f.rawLength;
    };
    // Noise makes it skip 1, then 2, then 4 frames; it never wastes a try in between.
    const probe = new Lz4Probe();
    let tries = 0;
    const tried = (): boolean => {
      if (!probe.shouldTry(100)) return false;
      tries++;
      probe.observe(100, 100); // what a frame of noise tells it
      return true;
    };
    const pattern = Array.from({ length: 10 }, tried);
    assert.deepEqual(pattern, [true, false, true, false, false, true, false, false, false, false]);
    assert.equal(tries, 3);
    // Compressible data after the skips is compressed again, and a good frame resets the wait.
    const fresh = new Lz4Probe();
    fresh.observe(100, 100);
    assert.equal(fresh.shouldTry(100), false);
    assert.equal(fresh.shouldTry(100), true);
    fresh.observe(100, 10);
    assert.equal(fresh.shouldTry(100), true);
    assert.equal(compressed(noise()), false);
    assert.equal(compressed(compressible), false); // skipped: stored raw, still read back
    assert.equal(compressed(compressible), true);
    // rawFirstBytes: frames are stored raw until that many bytes have gone by.
    const later = new Lz4Probe(250);
    assert.deepEqual(
      [100, 100, 100, 100].map((n) => later.shouldTry(n)),
      [false, false, false, true],
    );
  });

  it('streams a large file with a bounded read buffer, records not sharing it', () => {
    const file = path.join(dir, 'large');
    const fd = fs.openSync(file, 'w');
    const blob = Buffer.alloc(64 * 1024, 7);
    let size = 0;
    for (let i = 0; i < 640; i++) {
      const frame = encodeFrame([i, blob.toString('latin1'), Buffer.from([i & 255])], 'none');
      fs.writeSync(fd, frame);
      size += frame.length;
    }
    fs.closeSync(fd);
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const kept: unknown[][] = [];
    for (const batch of readFrames(file, 'none', 0, size, {})) {
      kept.push([batch[0], batch[2]]);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
    }
    assert.equal(kept.length, 640);
    // The file is ~40 MiB; the reader holds about one 1 MiB chunk at a time.
    assert.ok(peak < 8 * 2 ** 20, `array buffers grew by ${peak} bytes`);
    kept.forEach(([i, b], k) => {
      assert.equal(i, k);
      assert.deepStrictEqual([...(b as Uint8Array)], [k & 255]);
    });
  });
});

describe('encodeFrames', () => {
  const decodeAll = (frames: EncodedFrame[]): unknown[] =>
    [
      ...decodeFramesFromBuffer(
        Buffer.concat(frames.flatMap((f) => [f.header, f.payload])),
        'lz4',
        { rddId: 1 },
      ),
    ].flat();

  it('cuts records that encode past MAX_FRAME_RAW_BYTES into frames under it, in order', () => {
    const records = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(300_000, 'x'));
    const frames = encodeFrames(records, 'lz4');
    assert.ok(frames.length >= 3, `${frames.length} frames`);
    for (const f of frames) assert.ok(f.rawLength <= MAX_FRAME_RAW_BYTES, String(f.rawLength));
    assert.deepEqual(decodeAll(frames), records);
    const pairs = encodePairFrames(
      records.map((_, i) => i),
      records,
      'lz4',
    );
    assert.ok(pairs.length >= 3);
    assert.deepEqual(
      decodeAll(pairs),
      records.map((r, i) => [i, r]),
    );
  });

  it('keeps small batches in one frame and a record larger than the bound alone', () => {
    assert.equal(encodeFrames(batchOf(1000), 'none').length, 1);
    const huge = ['a'.repeat(MAX_FRAME_RAW_BYTES + 10), 'b', 'c'];
    const frames = encodeFrames(huge, 'none');
    assert.equal(frames[0]?.records, 1);
    for (const f of frames.slice(1)) assert.ok(f.rawLength <= MAX_FRAME_RAW_BYTES);
    assert.deepEqual(decodeAll(frames), huge);
    assert.deepEqual(encodeFrames([], 'none'), []);
  });
});

describe('BatchingFrameEncoder', () => {
  it('cuts batches of any size into frames near the target size, in order', () => {
    const frames: EncodedFrame[] = [];
    const enc = new BatchingFrameEncoder('lz4', (f) => frames.push(f), { targetBytes: 16 * 1024 });
    const records = batchOf(20000);
    let i = 0;
    for (const size of [1, 3, 7000, 0, 2, 12000, 994]) {
      enc.push(records.slice(i, i + size));
      i += size;
    }
    assert.ok(enc.pendingRecords > 0);
    enc.flush();
    assert.equal(enc.pendingRecords, 0);
    const decoded = frames.flatMap((f) => [
      ...decodeFramesFromBuffer(Buffer.concat([f.header, f.payload]), 'lz4', {}),
    ]);
    assert.deepStrictEqual(decoded.flat(), records);
    const middle = frames.slice(1, -1);
    assert.ok(middle.length > 10);
    for (const f of middle)
      assert.ok(f.rawLength > 8 * 1024 && f.rawLength < 32 * 1024, `${f.rawLength}`);
  });

  it('never puts more than maxRecords records in a frame', () => {
    const counts: number[] = [];
    const enc = new BatchingFrameEncoder('none', (f) => counts.push(f.records), {
      maxRecords: 100,
    });
    enc.push(new Array<boolean>(1050).fill(true));
    enc.flush();
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      1050,
    );
    assert.ok(counts.every((c) => c <= 100));
  });

  it('rejects a non-positive target size', () => {
    assert.throws(
      () => new BatchingFrameEncoder('none', () => {}, { targetBytes: 0 }),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && e.message.includes('targetBytes'),
    );
  });
});
