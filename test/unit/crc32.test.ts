// crc32Combine: the crc of two adjacent pieces from theirs, as crc32 over both computes it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32, crc32Combine } from '../../native-bindings/crc32.js';

describe('crc32Combine', () => {
  it('gives the crc32 of A followed by B for pieces of every length, empty ones included', () => {
    const lengths = [0, 1, 2, 3, 7, 16, 255, 4096, 65_537, 300_001];
    for (const a of lengths) {
      for (const b of lengths) {
        const x = randomBytes(a);
        const y = randomBytes(b);
        const whole = crc32(Buffer.concat([x, y]));
        assert.equal(crc32Combine(crc32(x), crc32(y), b), whole, `${a} + ${b} bytes`);
        assert.equal(crc32(y, crc32(x)), whole);
      }
    }
  });
});
