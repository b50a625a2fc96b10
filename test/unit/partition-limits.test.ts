// Absurd partition and worker counts are refused at once with INVALID_ARGUMENT
// naming the argument and the documented maximum, before any memory is spent;
// counts within the limits keep Spark's behaviour (more slices than records
// gives empty partitions).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Context, KindlingError } from 'kindling';

// The documented limits (README, ContextOptions.workers).
const MAX_PARTITIONS = 1_000_000;
const MAX_WORKERS = 256;

const ctx = new Context({ workers: 1, progress: false });
after(() => ctx.stop());

function refused(argument: string, max: number): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof KindlingError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.ok(e.message.includes(argument), e.message);
    assert.ok(e.message.includes(max.toLocaleString('en-US')), e.message);
    return true;
  };
}

describe('partition and worker limits', () => {
  it('parallelize refuses more than MAX_PARTITIONS slices', () => {
    assert.throws(
      () => ctx.parallelize([1, 2, 3], 2_000_000),
      refused('numSlices', MAX_PARTITIONS),
    );
    assert.throws(() => ctx.parallelize([1, 2, 3], 1e9), refused('numSlices', MAX_PARTITIONS));
  });

  it('range refuses more than MAX_PARTITIONS slices', () => {
    assert.throws(() => ctx.range(0, 10, 1, 10_000_000), refused('numSlices', MAX_PARTITIONS));
  });

  it('textFile refuses more than MAX_PARTITIONS minPartitions', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-limits-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.txt'), 'x\n');
      assert.throws(
        () => ctx.textFile(path.join(dir, 'a.txt'), 10_000_000),
        refused('minPartitions', MAX_PARTITIONS),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('new Context refuses more than MAX_WORKERS workers', () => {
    assert.throws(() => new Context({ workers: 1e6 }), refused('options.workers', MAX_WORKERS));
    assert.throws(() => new Context({ workers: 257 }), refused('options.workers', MAX_WORKERS));
  });

  it('accepts exactly the maximum, and more slices than records gives empty partitions as in Spark', () => {
    assert.equal(ctx.range(0, 10, 1, MAX_PARTITIONS).getNumPartitions(), MAX_PARTITIONS);
    const rdd = ctx.parallelize([1, 2, 3], 5);
    assert.equal(rdd.getNumPartitions(), 5);
  });
});
