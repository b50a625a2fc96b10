// Side outputs of a task: cache blocks and checkpoint parts are teed from the pipeline, see the
// whole partition even when the action stops early, are committed only when the task succeeds,
// and a damaged cached block is reported lost and recomputed without duplicating records.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeFramesFromBuffer } from '../../src/shared/format/frames.js';
import { readPartFile } from '../../src/shared/format/part-file.js';
import { decodeRecords } from '../../src/shared/format/record-codec.js';
import type {
  BlockRef,
  PartitionDesc,
  PlanNode,
  ResultAction,
  StagePlan,
  StorageLevelName,
  TaskResult,
} from '../../src/shared/protocol.js';
import { freshId, fp, runTaskOf, scratchDir, success } from './worker-helpers.js';

const tmp = scratchDir('worker-side');
const N = 10_000;
const range: PartitionDesc = { kind: 'range', node: 1, index: 0, start: 0, end: N, step: 1 };
const narrow = (node: number, parent: PartitionDesc): PartitionDesc => ({
  kind: 'narrow',
  node,
  index: 0,
  parent,
});
const expected = Array.from({ length: N }, (_, i) => i * 2);

interface NodeOpts {
  storageLevel?: StorageLevelName;
  checkpoint?: string;
  f?: string;
}

/** range(0, N) -> node 2: map x*2 -> node 3: map x (each optionally persisted/checkpointed). */
function chain(localDir: string, two: NodeOpts, three: NodeOpts): PlanNode[] {
  const node = (id: number, parent: number, o: NodeOpts, f: string): PlanNode => ({
    id,
    compute: { kind: 'narrow', parent, op: { kind: 'map', f: fp(o.f ?? f) } },
    ...(o.storageLevel === undefined ? {} : { storageLevel: o.storageLevel }),
    ...(o.checkpoint === undefined
      ? {}
      : { checkpoint: { dir: path.join(localDir, o.checkpoint), codec: 'lz4' as const } }),
  });
  return [
    { id: 1, compute: { kind: 'range' } },
    node(2, 1, two, '(x) => x * 2'),
    node(3, 2, three, '(x) => x'),
  ];
}

async function run(
  localDir: string,
  nodes: PlanNode[],
  desc: PartitionDesc,
  action: ResultAction = { kind: 'take', n: 1 },
): Promise<TaskResult> {
  const plan: StagePlan = {
    planId: `side-${freshId()}`,
    stageId: 1,
    rootNode: desc.node,
    nodes,
    output: { kind: 'result', action },
    localDir,
  };
  return runTaskOf(plan, desc);
}

const memoryRecords = (buffer: SharedArrayBuffer): unknown[] =>
  [...decodeFramesFromBuffer(new Uint8Array(buffer), 'none', { describe: 'test block' })].flat();

/** Every file under dir, recursively, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('tees', () => {
  it('a memory block holds the whole partition although take(1) stopped early', async () => {
    const dir = mkdtempSync(path.join(tmp, 'mem-'));
    const result = success(
      await run(dir, chain(dir, { storageLevel: 'MEMORY_ONLY' }, {}), narrow(3, narrow(2, range))),
    );
    assert.deepEqual(decodeRecords(result.value!)[0], [0]);
    assert.equal(result.side.blocks.length, 1);
    const block = result.side.blocks[0]!;
    assert.equal(block.blockId, 'rdd_2_0');
    assert.equal(block.level, 'MEMORY_ONLY');
    assert.equal(block.records, N);
    assert.equal(block.bytes, block.buffer!.byteLength);
    assert.deepEqual(memoryRecords(block.buffer!), expected);
  });

  it('a disk block and a checkpoint part, one downstream of the other, are both complete', async () => {
    const dir = mkdtempSync(path.join(tmp, 'disk-'));
    const nodes = chain(dir, { checkpoint: 'ckpt' }, { storageLevel: 'DISK_ONLY' });
    const result = success(await run(dir, nodes, narrow(3, narrow(2, range))));
    const [block] = result.side.blocks;
    assert.equal(block?.path, path.join(dir, 'blocks', 'rdd_3_0'));
    assert.deepEqual([...readPartFile(block.path, {})].flat(), expected);
    const [part] = result.side.checkpoints;
    assert.deepEqual(
      { ...part, crc32: 0, bytes: 0, rawBytes: 0 },
      { rddId: 2, partitionIndex: 0, records: N, crc32: 0, bytes: 0, rawBytes: 0 },
    );
    // Before compression: at least a 4-byte int a record.
    assert.ok((part?.rawBytes ?? 0) >= 4 * N, `rawBytes ${part?.rawBytes}`);
    assert.deepEqual([...readPartFile(path.join(dir, 'ckpt', 'part-00000'), {})].flat(), expected);
    assert.deepEqual(filesUnder(dir), ['blocks/rdd_3_0', 'ckpt/part-00000']);
  });

  it('a checkpointed parent of a coalesce left unread by take(1) is still written whole', async () => {
    const dir = mkdtempSync(path.join(tmp, 'coalesce-'));
    const nodes: PlanNode[] = [
      {
        id: 1,
        compute: { kind: 'parallelize' },
        checkpoint: { dir: path.join(dir, 'c'), codec: 'none' },
      },
      { id: 2, compute: { kind: 'coalesce', parent: 1 }, storageLevel: 'MEMORY_ONLY' },
    ];
    const desc: PartitionDesc = {
      kind: 'coalesce',
      node: 2,
      index: 0,
      parents: [0, 1].map((index) => ({
        kind: 'parallelize',
        node: 1,
        index,
        data: [index * 10, index * 10 + 1],
      })),
    };
    const result = success(await run(dir, nodes, desc));
    assert.deepEqual(memoryRecords(result.side.blocks[0]!.buffer!), [0, 1, 10, 11]);
    assert.deepEqual(
      result.side.checkpoints.map((c) => [c.partitionIndex, c.records]),
      [
        [0, 2],
        [1, 2],
      ],
    );
  });

  it('a failing user function aborts every writer and leaves no file', async () => {
    const dir = mkdtempSync(path.join(tmp, 'fail-'));
    const nodes = chain(
      dir,
      { checkpoint: 'ckpt', storageLevel: 'DISK_ONLY' },
      { f: '(x) => { if (x === 9000) throw new Error("late failure"); return x; }' },
    );
    const result = await run(dir, nodes, narrow(3, narrow(2, range)), { kind: 'count' });
    assert.equal(result.kind, 'failure');
    if (result.kind !== 'failure') return;
    assert.equal(result.rddId, 3);
    assert.deepEqual(result.side.blocks, []);
    assert.deepEqual(result.side.checkpoints, []);
    assert.deepEqual(filesUnder(dir), []);
  });

  it('a failure while draining after take(1) also aborts', async () => {
    const dir = mkdtempSync(path.join(tmp, 'drainfail-'));
    const nodes = chain(
      dir,
      {
        storageLevel: 'DISK_ONLY',
        f: '(x) => { if (x === 9000) throw new Error("x"); return x; }',
      },
      {},
    );
    const result = await run(dir, nodes, narrow(3, narrow(2, range)));
    assert.equal(result.kind, 'failure');
    assert.deepEqual(filesUnder(dir), []);
  });
});

describe('cached partitions', () => {
  async function cachedBlock(): Promise<SharedArrayBuffer> {
    const dir = mkdtempSync(path.join(tmp, 'cache-'));
    const result = success(
      await run(dir, chain(dir, { storageLevel: 'MEMORY_ONLY' }, {}), narrow(2, range), {
        kind: 'count',
      }),
    );
    return result.side.blocks[0]!.buffer!;
  }
  const cached = (block: BlockRef): PartitionDesc => ({
    kind: 'cached',
    node: 2,
    index: 0,
    block,
    fallback: narrow(2, range),
  });

  it('a memory block is read instead of computing, and checkpointed from there', async () => {
    const buffer = await cachedBlock();
    const dir = mkdtempSync(path.join(tmp, 'read-'));
    // Node 2's function would throw if it ran: the records must come from the block.
    const nodes = chain(
      dir,
      {
        storageLevel: 'MEMORY_ONLY',
        checkpoint: 'ckpt',
        f: '() => { throw new Error("computed"); }',
      },
      {},
    );
    const block: BlockRef = { kind: 'memory', blockId: 'rdd_2_0', buffer, codec: 'none' };
    const result = success(await run(dir, nodes, narrow(3, cached(block)), { kind: 'collect' }));
    assert.deepEqual(decodeRecords(result.value!)[0], expected);
    assert.deepEqual(result.side.blocks, [], 'a block read from cache is not written again');
    assert.equal(result.side.checkpoints[0]?.records, N);
    assert.deepEqual(result.side.lostBlocks, []);
  });

  it('a block damaged midway is reported lost and recomputed without duplicates', async () => {
    const buffer = await cachedBlock();
    const bytes = new Uint8Array(buffer);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // in the last frame
    const dir = mkdtempSync(path.join(tmp, 'lost-'));
    const nodes = chain(dir, { storageLevel: 'MEMORY_ONLY' }, {});
    const block: BlockRef = { kind: 'memory', blockId: 'rdd_2_0', buffer, codec: 'none' };
    const result = success(await run(dir, nodes, narrow(3, cached(block)), { kind: 'collect' }));
    assert.deepEqual(decodeRecords(result.value!)[0], expected);
    assert.deepEqual(result.side.lostBlocks, ['rdd_2_0']);
    assert.equal(result.side.blocks[0]?.records, N, 'the recomputed partition is cached again');
  });

  it('a missing disk block is recomputed', async () => {
    const dir = mkdtempSync(path.join(tmp, 'missing-'));
    const block: BlockRef = { kind: 'disk', blockId: 'rdd_2_0', path: path.join(dir, 'nope') };
    const result = success(
      await run(dir, chain(dir, {}, {}), narrow(3, cached(block)), { kind: 'count' }),
    );
    assert.equal(decodeRecords(result.value!)[0], N);
    assert.deepEqual(result.side.lostBlocks, ['rdd_2_0']);
    assert.equal(existsSync(path.join(dir, 'nope')), false);
  });
});
