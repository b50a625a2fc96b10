// What Kindling relies on from Node and that changed between Node 20, 22 and
// 24, checked on whichever Node runs the suite (.ci/node-matrix runs it on each):
// @node-rs/crc32 and lz4-napi's N-API bindings, a worker's heap limit
// through Piscina's resourceLimits, and `node --test` with file arguments.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { crc32 } from '../../native-bindings/crc32.js';
import { lz4Compress, lz4Decompress } from '../../native-bindings/lz4.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe(`Node ${process.version}`, () => {
  it('computes crc32 as zlib and gzip do, and continues a running crc chunk by chunk', () => {
    const text = Buffer.from('The quick brown fox jumps over the lazy dog');
    assert.equal(crc32(text), 0x414fa339);
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(text.subarray(10), crc32(text.subarray(0, 10))), 0x414fa339);
  });

  it('loads the lz4-napi binding and round-trips a block through it', () => {
    const raw = Buffer.concat([randomBytes(4096), Buffer.alloc(1 << 20, 7)]);
    const block = lz4Compress(raw);
    assert.ok(block.length < raw.length / 10, `compressed to ${block.length} bytes`);
    assert.deepEqual(lz4Decompress(block, raw.length), raw);
  });

  it('stops a worker that outgrows its resource limits with ERR_WORKER_OUT_OF_MEMORY, and the pool runs the next task', async () => {
    const pool = new Piscina({
      filename: fixture('grow-task.js'),
      minThreads: 1,
      maxThreads: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    const poolErrors: unknown[] = [];
    pool.on('error', (e: unknown) => poolErrors.push(e));
    try {
      await assert.rejects(pool.run({ kind: 'grow' }), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.equal(Reflect.get(e, 'code'), 'ERR_WORKER_OUT_OF_MEMORY', e.message);
        return true;
      });
      assert.equal(await pool.run({ kind: 'echo', value: 42 }), 42);
    } finally {
      await pool.destroy();
    }
    // Piscina reports the dead worker through the task alone (no 'error' event to crash on).
    assert.deepEqual(poolErrors, []);
  });

  it('runs `node --test --test-concurrency=1` on each file named, as the npm test scripts do', async () => {
    // A test file's children inherit NODE_TEST_CONTEXT; without it the nested run reports as a top level one.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--test',
          '--test-concurrency=1',
          '--test-reporter=tap',
          fixture('runner-a.js'),
          fixture('runner-b.js'),
        ],
        { env, timeout: 60_000 },
        (err, stdout, stderr) =>
          err === null ? resolve(stdout) : reject(new Error(stderr || stdout)),
      );
    });
    assert.match(out, /^ok \d+ - runner fixture a passes$/m);
    assert.match(out, /^ok \d+ - runner fixture b passes$/m);
    assert.match(out, /^# tests 2$/m);
    assert.match(out, /^# pass 2$/m);
  });
});
