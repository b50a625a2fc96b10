// Shuffles through real files: map tasks bucket and write one file each, reduce tasks read
// their byte range of every map output and aggregate, sort or cogroup; an unreadable map
// output answers fetchFailed naming it.
import { MapOutputTracker } from '../../src/shuffle/map-output-tracker.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Codec } from '../../src/shared/format/frames.js';
import { decodeRecords } from '../../src/shared/format/record-codec.js';
import type {
  AggregatorPlan,
  MapStatus,
  NodeCompute,
  PartitionDesc,
  PlanNode,
  ShuffleBlockRef,
  StageOutput,
  StagePlan,
  TaskResult,
} from '../../src/shared/protocol.js';
import { hashKey } from '../../src/shared/keys.js';
import { fp, freshId, runTaskOf, scratchDir, success } from './worker-helpers.js';

const tmp = scratchDir('worker-shuffle');
const sum: AggregatorPlan = {
  createCombiner: fp('(v) => v'),
  mergeValue: fp('(c, v) => c + v'),
  mergeCombiners: fp('(a, b) => a + b'),
};
const group: AggregatorPlan = {
  createCombiner: fp('(v) => [v]'),
  mergeValue: fp('(c, v) => (c.push(v), c)'),
  mergeCombiners: fp('(a, b) => a.concat(b)'),
};

const run = runTaskOf;

/** Runs the map stage over `partitions` of [k, v] records; returns each map task's status. */
async function mapStage(
  shuffleId: number,
  partitions: unknown[][],
  numPartitions: number,
  opts: { combine?: AggregatorPlan; codec?: Codec; localDir?: string; spillRecords?: number } = {},
): Promise<MapStatus[]> {
  const output: StageOutput = {
    kind: 'shuffleMap',
    shuffleId,
    partitioner: { kind: 'hash', numPartitions },
    codec: opts.codec ?? 'lz4',
    rawFirstBytes: 0,
    spillRecords: opts.spillRecords ?? 1_000_000,
    ...(opts.combine === undefined ? {} : { combine: opts.combine }),
  };
  const plan: StagePlan = {
    planId: `map-${shuffleId}`,
    stageId: shuffleId,
    rootNode: 1,
    nodes: [{ id: 1, compute: { kind: 'parallelize' } }],
    output,
    localDir: opts.localDir ?? tmp,
  };
  const statuses: MapStatus[] = [];
  for (const [index, records] of partitions.entries()) {
    const result = success(await run(plan, { kind: 'parallelize', node: 1, index, data: records }));
    assert.ok(result.mapStatus !== undefined);
    assert.equal(result.metrics.recordsRead, records.length);
    statuses.push(result.mapStatus);
  }
  return statuses;
}

function blocksFor(
  statuses: MapStatus[],
  reduceIndex: number,
  codec: Codec = 'lz4',
): ShuffleBlockRef[] {
  // The main thread's own bookkeeping, spills included.
  const tracker = new MapOutputTracker();
  tracker.registerShuffle(statuses[0]?.shuffleId ?? 0, statuses.length, codec);
  for (const s of statuses) tracker.registerMapOutput(s);
  return tracker.blocksFor(statuses[0]?.shuffleId ?? 0, reduceIndex);
}

/** Collects reduce partition `index` of a 'shuffled' node computed as `compute`. */
async function reduce(
  compute: NodeCompute,
  blocks: ShuffleBlockRef[],
  index: number,
): Promise<TaskResult> {
  const plan: StagePlan = {
    planId: `reduce-${freshId()}`,
    stageId: 100,
    rootNode: 2,
    nodes: [{ id: 2, compute }],
    output: { kind: 'result', action: { kind: 'collect' } },
    localDir: tmp,
  };
  return run(plan, { kind: 'shuffled', node: 2, index, blocks });
}

async function collectReduce(
  compute: NodeCompute,
  blocks: ShuffleBlockRef[],
  index: number,
): Promise<unknown[]> {
  const result = success(await reduce(compute, blocks, index));
  return decodeRecords(result.value!)[0] as unknown[];
}

const words = (n: number, offset: number): [string, number][] =>
  Array.from({ length: n }, (_, i) => [`w${(i * 7 + offset) % 13}`, 1]);

function expectedCounts(parts: [string, number][][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of parts.flat()) m.set(k, (m.get(k) ?? 0) + v);
  return m;
}

describe('shuffle write and read', () => {
  const parts = [words(5000, 0), words(3000, 5), words(0, 0)];

  for (const [combine, spillRecords] of [
    [true, 1_000_000],
    [false, 1_000_000],
    [true, 7],
    [false, 700],
  ] as const) {
    it(`reduceByKey sums every key once across reduce partitions (map-side combine ${combine}, spill every ${spillRecords})`, async () => {
      const statuses = await mapStage(freshId(), parts, 3, {
        ...(combine ? { combine: sum } : {}),
        spillRecords,
      });
      for (const s of statuses) assert.equal(s.offsets.length, 4);
      const spilled = statuses.some((s) => (s.spills?.length ?? 0) > 0);
      assert.equal(spilled, spillRecords < 1000, 'a small buffer spills to extra files');
      const seen = new Map<string, number>();
      for (let r = 0; r < 3; r++) {
        const out = (await collectReduce(
          { kind: 'shuffled', aggregator: sum, mapSideCombine: combine },
          blocksFor(statuses, r),
          r,
        )) as [string, number][];
        for (const [k, v] of out) {
          assert.equal(hashKey(k) % 3, r, `key ${k} in reduce partition ${r}`);
          assert.ok(!seen.has(k));
          seen.set(k, v);
        }
      }
      assert.deepEqual(seen, expectedCounts(parts));
    });
  }

  for (const spillRecords of [1_000_000, 7000]) {
    it(`groupByKey keeps every key's values in map order when buckets outgrow a frame (spill every ${spillRecords})`, async () => {
      // Far more than BATCH_SIZE records a bucket: some are encoded while the task still runs.
      const big = (n: number, from: number): [number, number][] =>
        Array.from({ length: n }, (_, i) => [(from + i) % 11, from + i]);
      const data = [big(30_000, 0), big(9000, 30_000), []];
      const statuses = await mapStage(freshId(), data, 2, { spillRecords });
      assert.equal(
        statuses.some((s) => (s.spills?.length ?? 0) > 0),
        spillRecords < 30_000,
      );
      const expected = new Map<number, number[]>();
      for (const [k, v] of data.flat()) expected.set(k, [...(expected.get(k) ?? []), v]);
      const got = new Map<number, number[]>();
      for (let r = 0; r < 2; r++) {
        const out = (await collectReduce(
          { kind: 'shuffled', aggregator: group, mapSideCombine: false },
          blocksFor(statuses, r),
          r,
        )) as [number, number[]][];
        for (const [k, vs] of out) {
          assert.equal(hashKey(k) % 2, r);
          got.set(k, vs);
        }
      }
      assert.deepEqual(got, expected);
    });
  }

  it('groupByKey without an aggregator at the map side groups all values', async () => {
    const data = [
      [
        ['a', 1],
        [['k', 2], 2],
      ],
      [
        ['a', 3],
        [['k', 2], 4],
        ['b', 5],
      ],
    ];
    const statuses = await mapStage(freshId(), data, 1, { codec: 'none' });
    const out = await collectReduce(
      { kind: 'shuffled', aggregator: group, mapSideCombine: false },
      blocksFor(statuses, 0, 'none'),
      0,
    );
    assert.deepEqual(out, [
      ['a', [1, 3]],
      [
        ['k', 2],
        [2, 4],
      ],
      ['b', [5]],
    ]);
  });

  it('a sorted shuffle orders keys stably, ascending or descending', async () => {
    const data = [
      [
        [3, 'a'],
        [1, 'b'],
      ],
      [
        [2, 'c'],
        [1, 'd'],
        [10, 'e'],
      ],
    ];
    const statuses = await mapStage(freshId(), data, 1);
    const asc = await collectReduce(
      { kind: 'shuffled', mapSideCombine: false, sort: { ascending: true } },
      blocksFor(statuses, 0),
      0,
    );
    assert.deepEqual(asc, [
      [1, 'b'],
      [1, 'd'],
      [2, 'c'],
      [3, 'a'],
      [10, 'e'],
    ]);
    const desc = await collectReduce(
      { kind: 'shuffled', mapSideCombine: false, sort: { ascending: false } },
      blocksFor(statuses, 0),
      0,
    );
    assert.deepEqual(
      desc.map((p) => (p as unknown[])[1]),
      ['e', 'a', 'c', 'b', 'd'],
    );
  });

  it('cogroup joins a shuffled input with a narrow one by key', async () => {
    const statuses = await mapStage(
      freshId(),
      [
        [
          ['x', 1],
          ['y', 2],
          ['x', 3],
        ],
      ],
      1,
    );
    const plan: StagePlan = {
      planId: `cogroup-${freshId()}`,
      stageId: 200,
      rootNode: 3,
      nodes: [
        { id: 1, compute: { kind: 'parallelize' } },
        { id: 3, compute: { kind: 'cogrouped', narrowParents: [null, 1] } },
      ],
      output: { kind: 'result', action: { kind: 'collect' } },
      localDir: tmp,
    };
    const desc: PartitionDesc = {
      kind: 'cogrouped',
      node: 3,
      index: 0,
      inputs: [
        { kind: 'shuffle', blocks: blocksFor(statuses, 0) },
        {
          kind: 'narrow',
          parent: {
            kind: 'parallelize',
            node: 1,
            index: 0,
            data: [
              ['x', 'L'],
              ['z', 'M'],
            ],
          },
        },
      ],
    };
    const out = decodeRecords(success(await run(plan, desc)).value!)[0];
    assert.deepEqual(out, [
      ['x', [[1, 3], ['L']]],
      ['y', [[2], []]],
      ['z', [[], ['M']]],
    ]);
  });

  it('a missing or damaged map output answers fetchFailed with its shuffle and map index', async () => {
    const shuffleId = freshId();
    const statuses = await mapStage(shuffleId, [words(100, 0), words(100, 1)], 1);
    const damaged = statuses[1]!.path;
    const bytes = readFileSync(damaged);
    const at = bytes.length - 30;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const result = await reduce(
      { kind: 'shuffled', mapSideCombine: false },
      blocksFor(statuses, 0),
      0,
    );
    assert.equal(result.kind, 'fetchFailed');
    if (result.kind !== 'fetchFailed') return;
    assert.equal(result.shuffleId, shuffleId);
    assert.equal(result.mapIndex, 1);
    assert.match(result.error.message, /Cannot read shuffle/);

    rmSync(statuses[0]!.path);
    const missing = await reduce(
      { kind: 'shuffled', mapSideCombine: false },
      blocksFor(statuses, 0),
      0,
    );
    assert.equal(missing.kind === 'fetchFailed' ? missing.mapIndex : -1, 0);
  });

  it('a map output the tracker lacks answers fetchFailed naming shuffle and map, never an empty read', async () => {
    const shuffleId = freshId();
    const statuses = await mapStage(shuffleId, [words(100, 0)], 1);
    const tracker = new MapOutputTracker();
    tracker.registerShuffle(shuffleId, 2, 'lz4');
    tracker.registerMapOutput(statuses[0]!);
    const result = await reduce(
      { kind: 'shuffled', mapSideCombine: false },
      tracker.blocksFor(shuffleId, 0),
      0,
    );
    assert.equal(result.kind, 'fetchFailed');
    if (result.kind !== 'fetchFailed') return;
    assert.deepEqual([result.shuffleId, result.mapIndex, result.path], [shuffleId, 1, undefined]);
    assert.match(result.error.message, new RegExp(`shuffle ${shuffleId} map output 1 .*missing`));
  });

  it('a fetch failure caught by user code still answers fetchFailed, not a short result', async () => {
    const shuffleId = freshId();
    const statuses = await mapStage(shuffleId, [words(100, 0)], 1);
    const tracker = new MapOutputTracker();
    tracker.registerShuffle(shuffleId, 2, 'lz4');
    tracker.registerMapOutput(statuses[0]!);
    const swallow = fp('function* (records) { try { yield* records; } catch { /* ignored */ } }');
    const plan: StagePlan = {
      planId: `swallow-${shuffleId}`,
      stageId: 100,
      rootNode: 3,
      nodes: [
        { id: 2, compute: { kind: 'shuffled', mapSideCombine: false } },
        {
          id: 3,
          compute: { kind: 'narrow', parent: 2, op: { kind: 'mapPartitions', f: swallow } },
        },
      ],
      output: { kind: 'result', action: { kind: 'count' } },
      localDir: tmp,
    };
    const blocks = tracker.blocksFor(shuffleId, 0);
    const result = await run(plan, {
      kind: 'narrow',
      node: 3,
      index: 0,
      parent: { kind: 'shuffled', node: 2, index: 0, blocks },
    });
    assert.equal(result.kind, 'fetchFailed');
    assert.equal(result.kind === 'fetchFailed' ? result.mapIndex : -1, 1);
  });

  it('a range whose frames are each valid but not the ones written fails its checksum', async () => {
    const shuffleId = freshId();
    // Same shapes, different values: the frames have the same length and valid crcs.
    const statuses = await mapStage(shuffleId, [[['a', 1]], [['a', 2]]], 1, { codec: 'none' });
    const [first, second] = [statuses[0]!, statuses[1]!];
    const [start, end] = [first.offsets[0]!, first.offsets[1]!];
    assert.deepEqual([second.offsets[0], second.offsets[1]], [start, end]);
    const target = readFileSync(first.path);
    readFileSync(second.path).copy(target, start, start, end);
    writeFileSync(first.path, target);
    const result = await reduce(
      { kind: 'shuffled', mapSideCombine: false },
      blocksFor(statuses, 0, 'none'),
      0,
    );
    assert.equal(result.kind, 'fetchFailed');
    if (result.kind !== 'fetchFailed') return;
    assert.deepEqual([result.mapIndex, result.path], [0, first.path]);
    assert.match(result.error.message, /crc32 .* when written/);
  });

  it('a map task that fails leaves no temp file behind', async () => {
    const localDir = mkdtempSync(path.join(tmp, 'fail-'));
    const output: StageOutput = {
      kind: 'shuffleMap',
      shuffleId: 1,
      partitioner: { kind: 'hash', numPartitions: 2 },
      codec: 'lz4',
      rawFirstBytes: 0,
      spillRecords: 1_000_000,
    };
    const nodes: PlanNode[] = [
      { id: 1, compute: { kind: 'parallelize' } },
      {
        id: 2,
        compute: {
          kind: 'narrow',
          parent: 1,
          op: { kind: 'map', f: fp('(x) => { if (x[1] > 1) throw new Error("boom"); return x; }') },
        },
      },
    ];
    const plan: StagePlan = { planId: 'fail', stageId: 1, rootNode: 2, nodes, output, localDir };
    const parent: PartitionDesc = {
      kind: 'parallelize',
      node: 1,
      index: 0,
      data: [
        ['a', 1],
        ['b', 2],
      ],
    };
    const result = await run(plan, { kind: 'narrow', node: 2, index: 0, parent });
    assert.equal(result.kind, 'failure');
    assert.deepEqual(readdirSync(localDir), []);
  });
});
