// The worker's pipeline in-thread: narrow operations, multi-parent partitions and result
// actions, run through runTask with a hand-built plan (no pool, no control plane).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeRecords } from '../../src/shared/format/record-codec.js';
import type {
  NarrowOp,
  PartitionDesc,
  PlanNode,
  ResultAction,
  StageOutput,
  StagePlan,
  TaskResult,
} from '../../src/shared/protocol.js';
import { BATCH_SIZE } from '../../workers/batch.js';
import { computePartition } from '../../workers/compute.js';
import { fetchBroadcasts, loadPlan } from '../../workers/plan-cache.js';
import { runTask } from '../../workers/run-task.js';
import { TaskContext } from '../../workers/task-context.js';
import { fp, freshId, runTaskOf, scratchDir, success } from './worker-helpers.js';

const tmp = scratchDir('worker-pipeline');
const source = (id: number, kind: 'parallelize' | 'range' = 'parallelize'): PlanNode => ({
  id,
  compute: { kind },
});
const narrowNode = (id: number, parent: number, op: NarrowOp): PlanNode => ({
  id,
  compute: { kind: 'narrow', parent, op },
});
const data = (node: number, records: unknown[], index = 0): PartitionDesc => ({
  kind: 'parallelize',
  node,
  index,
  data: records,
});
const narrow = (node: number, parent: PartitionDesc, startIndex?: number): PartitionDesc =>
  startIndex === undefined
    ? { kind: 'narrow', node, index: parent.index, parent }
    : { kind: 'narrow', node, index: parent.index, parent, startIndex };

function stagePlan(nodes: PlanNode[], output: StageOutput, rootNode: number): StagePlan {
  return { planId: `p${freshId()}`, stageId: 1, rootNode, nodes, output, localDir: tmp };
}

const run = runTaskOf;

function valueOf(result: TaskResult): unknown {
  const { value } = success(result);
  assert.ok(value !== undefined);
  return decodeRecords(value)[0];
}

/** Runs `action` on the last of `nodes`, whose partition is `desc`. */
async function act(nodes: PlanNode[], desc: PartitionDesc, action: ResultAction): Promise<unknown> {
  return valueOf(await run(stagePlan(nodes, { kind: 'result', action }, desc.node), desc));
}

const collect: ResultAction = { kind: 'collect' };

describe('narrow operations', () => {
  it('map, filter and flatMap pass env as the last argument', async () => {
    const nodes = [
      source(1, 'range'),
      narrowNode(2, 1, { kind: 'map', f: fp('(x, env) => x * env.k', { k: 3 }) }),
      narrowNode(3, 2, { kind: 'filter', f: fp('(x, env) => x % env.m === 0', { m: 2 }) }),
      narrowNode(4, 3, { kind: 'flatMap', f: fp('(x) => [x, -x]') }),
    ];
    const range: PartitionDesc = { kind: 'range', node: 1, index: 0, start: 0, end: 5, step: 1 };
    const desc = narrow(4, narrow(3, narrow(2, range)));
    assert.deepEqual(await act(nodes, desc, collect), [0, -0, 6, -6, 12, -12]);
  });

  it('range counts by step in either direction without drifting', async () => {
    const nodes = [source(1, 'range')];
    const up: PartitionDesc = { kind: 'range', node: 1, index: 0, start: 0, end: 1, step: 0.1 };
    assert.equal(((await act(nodes, up, collect)) as number[]).length, 10);
    const down: PartitionDesc = { kind: 'range', node: 1, index: 0, start: 10, end: 0, step: -3 };
    assert.deepEqual(await act(nodes, down, collect), [10, 7, 4, 1]);
    const big: PartitionDesc = { kind: 'range', node: 1, index: 0, start: 0, end: 10_000, step: 1 };
    assert.equal(await act(nodes, big, { kind: 'count' }), 10_000);
  });

  it('pair operations: keyBy, mapValues, flatMapValues, keys, values', async () => {
    const nodes = [
      source(1),
      narrowNode(2, 1, { kind: 'keyBy', f: fp('(s) => s.length') }),
      narrowNode(3, 2, { kind: 'mapValues', f: fp('(s) => s.toUpperCase()') }),
      narrowNode(4, 3, { kind: 'flatMapValues', f: fp('(s) => s.split("")') }),
      narrowNode(5, 4, { kind: 'keys' }),
      narrowNode(6, 4, { kind: 'values' }),
    ];
    const base = narrow(4, narrow(3, narrow(2, data(1, ['ab', 'c']))));
    assert.deepEqual(await act(nodes, base, collect), [
      [2, 'A'],
      [2, 'B'],
      [1, 'C'],
    ]);
    assert.deepEqual(await act(nodes, narrow(5, base), collect), [2, 2, 1]);
    assert.deepEqual(await act(nodes, narrow(6, base), collect), ['A', 'B', 'C']);
  });

  it('mapPartitions sees one flat iterable and its output is re-batched', async () => {
    const n = 3 * BATCH_SIZE + 5;
    const plan = stagePlan(
      [
        source(1, 'range'),
        narrowNode(2, 1, {
          kind: 'mapPartitionsWithIndex',
          f: fp(
            'function* (index, it, env) { for (const x of it) { yield x + env.add; yield index; } }',
            {
              add: 1,
            },
          ),
        }),
      ],
      { kind: 'result', action: collect },
      2,
    );
    const desc = narrow(2, { kind: 'range', node: 1, index: 7, start: 0, end: n, step: 1 });
    const ctx = new TaskContext(
      await loadPlan(plan),
      { stageId: 1, partitionIndex: 7, taskId: 0, attempt: 0 },
      desc,
    );
    const batches = [...computePartition(ctx, desc)];
    assert.ok(batches.every((b) => b.length <= BATCH_SIZE));
    const flat = batches.flat();
    assert.equal(flat.length, 2 * n);
    assert.deepEqual(flat.slice(0, 4), [1, 7, 2, 7]);
  });

  it('sample and sampleByKey with replacement stream the copies of a record in batches', async () => {
    const ops: NarrowOp[] = [
      { kind: 'sample', withReplacement: true, fraction: 5 * BATCH_SIZE, seed: 3 },
      { kind: 'sampleByKey', withReplacement: true, fractions: [[1, 5 * BATCH_SIZE]], seed: 3 },
    ];
    for (const op of ops) {
      const plan = stagePlan(
        [source(1), narrowNode(2, 1, op)],
        { kind: 'result', action: collect },
        2,
      );
      const desc = narrow(2, data(1, [[1, 'a']]));
      const ctx = new TaskContext(
        await loadPlan(plan),
        { stageId: 1, partitionIndex: 0, taskId: 0, attempt: 0 },
        desc,
      );
      const batches = [...computePartition(ctx, desc)];
      assert.ok(batches.length > 1, `${op.kind}: ${batches.length} batch`);
      assert.ok(batches.every((b) => b.length <= BATCH_SIZE));
      const copies = batches.flat().length;
      assert.ok(Math.abs(copies - 5 * BATCH_SIZE) < 1000, `${op.kind}: ${copies} copies`);
    }
  });

  it('flatMap and flatMapValues refuse a function that returns no iterable', async () => {
    for (const kind of ['flatMap', 'flatMapValues'] as const) {
      const nodes = [source(1), narrowNode(2, 1, { kind, f: fp('(x) => 7') })];
      const result = await run(
        stagePlan(nodes, { kind: 'result', action: collect }, 2),
        narrow(2, data(1, [[1, 2]])),
      );
      assert.equal(result.kind, 'failure');
      assert.match(
        result.kind === 'failure' ? result.error.message : '',
        new RegExp(`result of the ${kind} function: expected an iterable, received 7`),
      );
    }
  });

  it('mapPartitions refuses a function that returns no iterable', async () => {
    const nodes = [source(1), narrowNode(2, 1, { kind: 'mapPartitions', f: fp('() => 42') })];
    const result = await run(
      stagePlan(nodes, { kind: 'result', action: collect }, 2),
      narrow(2, data(1, [1])),
    );
    assert.equal(result.kind, 'failure');
    assert.match(
      result.kind === 'failure' ? result.error.message : '',
      /expected an iterable, received 42/,
    );
  });

  it('glom makes one array of the whole partition', async () => {
    const nodes = [source(1, 'range'), narrowNode(2, 1, { kind: 'glom' })];
    const desc = narrow(2, { kind: 'range', node: 1, index: 0, start: 0, end: 5000, step: 1 });
    const value = (await act(nodes, desc, collect)) as number[][];
    assert.equal(value.length, 1);
    assert.equal(value[0]!.length, 5000);
  });

  it('sample is deterministic per seed and partition, and near its fraction', async () => {
    const nodes = (withReplacement: boolean): PlanNode[] => [
      source(1, 'range'),
      narrowNode(2, 1, { kind: 'sample', withReplacement, fraction: 0.3, seed: 42 }),
    ];
    const desc = (index: number) =>
      narrow(2, { kind: 'range', node: 1, index, start: 0, end: 20_000, step: 1 });
    const a = (await act(nodes(false), desc(0), collect)) as number[];
    const b = (await act(nodes(false), desc(0), collect)) as number[];
    const c = (await act(nodes(false), desc(1), collect)) as number[];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(Math.abs(a.length - 6000) < 400, `sampled ${a.length}`);
    assert.equal(new Set(a).size, a.length);
    const w = (await act(nodes(true), desc(0), collect)) as number[];
    assert.ok(Math.abs(w.length - 6000) < 400, `sampled ${w.length}`);
    assert.ok(new Set(w).size < w.length, 'with replacement repeats some records');
  });

  it('zipWithIndex numbers from the partition start index', async () => {
    const nodes = [source(1), narrowNode(2, 1, { kind: 'zipWithIndex' })];
    assert.deepEqual(await act(nodes, narrow(2, data(1, ['a', 'b']), 10), collect), [
      ['a', 10],
      ['b', 11],
    ]);
  });

  it('combineByKey aggregates inside the partition', async () => {
    const aggregator = {
      createCombiner: fp('(v) => [v]'),
      mergeValue: fp('(c, v) => (c.push(v), c)'),
      mergeCombiners: fp('(a, b) => a.concat(b)'),
    };
    const nodes = [source(1), narrowNode(2, 1, { kind: 'combineByKey', aggregator })];
    const desc = narrow(
      2,
      data(1, [
        ['a', 1],
        [['x', 1], 2],
        ['a', 3],
        [['x', 1], 4],
      ]),
    );
    assert.deepEqual(await act(nodes, desc, collect), [
      ['a', [1, 3]],
      [
        ['x', 1],
        [2, 4],
      ],
    ]);
  });
});

describe('multi-parent partitions', () => {
  it('union computes the parent the descriptor names', async () => {
    const nodes: PlanNode[] = [
      source(1),
      source(2),
      { id: 3, compute: { kind: 'union', parents: [1, 2] } },
    ];
    const desc: PartitionDesc = { kind: 'union', node: 3, index: 1, parent: data(2, ['second']) };
    assert.deepEqual(await act(nodes, desc, collect), ['second']);
  });

  it('coalesce concatenates its parents in order', async () => {
    const nodes: PlanNode[] = [source(1), { id: 2, compute: { kind: 'coalesce', parent: 1 } }];
    const desc: PartitionDesc = {
      kind: 'coalesce',
      node: 2,
      index: 0,
      parents: [data(1, [1, 2], 0), data(1, [], 1), data(1, [3], 2)],
    };
    assert.deepEqual(await act(nodes, desc, collect), [1, 2, 3]);
  });

  it('cartesian pairs every left record with every right record', async () => {
    const nodes: PlanNode[] = [
      source(1),
      source(2),
      { id: 3, compute: { kind: 'cartesian', left: 1, right: 2 } },
    ];
    const desc: PartitionDesc = {
      kind: 'cartesian',
      node: 3,
      index: 0,
      left: data(1, [1, 2]),
      right: data(2, ['x', 'y']),
    };
    assert.deepEqual(await act(nodes, desc, collect), [
      [1, 'x'],
      [1, 'y'],
      [2, 'x'],
      [2, 'y'],
    ]);
  });
});

describe('result actions', () => {
  const nodes = [source(1)];
  const desc = data(1, [5, 3, 9, 3, 1]);

  it('count, countByValue and take', async () => {
    assert.equal(await act(nodes, desc, { kind: 'count' }), 5);
    assert.deepEqual(await act(nodes, desc, { kind: 'countByValue' }), [
      [5, 1],
      [3, 2],
      [9, 1],
      [1, 1],
    ]);
    assert.deepEqual(await act(nodes, desc, { kind: 'take', n: 2 }), [5, 3]);
    assert.deepEqual(await act(nodes, desc, { kind: 'take', n: 0 }), []);
  });

  it('reduce tells an empty partition from a value', async () => {
    const f = fp('(a, b) => a + b');
    assert.deepEqual(await act(nodes, desc, { kind: 'reduce', f }), { value: 21 });
    assert.deepEqual(await act(nodes, data(1, []), { kind: 'reduce', f }), { empty: true });
  });

  it('fold and aggregate start each partition from a copy of zero', async () => {
    const zero = { sum: 0, items: [] as number[] };
    const seqOp = fp('(acc, x) => { acc.sum += x; acc.items.push(x); return acc; }');
    assert.deepEqual(await act(nodes, desc, { kind: 'aggregate', zero, seqOp }), {
      sum: 21,
      items: [5, 3, 9, 3, 1],
    });
    assert.deepEqual(zero, { sum: 0, items: [] });
    assert.equal(
      await act(nodes, desc, { kind: 'aggregate', zero: 1, seqOp: fp('(a, b) => a * b') }),
      405,
    );
  });

  it('takeOrdered keeps the n smallest, or largest when reversed, by compare or by key', async () => {
    const many = data(
      1,
      Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000),
    );
    assert.deepEqual(
      await act(nodes, many, {
        kind: 'takeOrdered',
        n: 3,
        order: { kind: 'natural' },
        reverse: false,
      }),
      [0, 1, 2],
    );
    assert.deepEqual(
      await act(nodes, many, {
        kind: 'takeOrdered',
        n: 2,
        order: { kind: 'natural' },
        reverse: true,
      }),
      [4999, 4998],
    );
    const byLastDigit = fp('(a, b) => (a % 10) - (b % 10) || a - b');
    assert.deepEqual(
      await act(nodes, data(1, [19, 21, 30, 12]), {
        kind: 'takeOrdered',
        n: 2,
        order: { kind: 'compare', f: byLastDigit },
        reverse: false,
      }),
      [30, 21],
    );
    const lastDigit = fp('(x) => x % 10');
    assert.deepEqual(
      await act(nodes, data(1, [19, 21, 30, 12]), {
        kind: 'takeOrdered',
        n: 2,
        order: { kind: 'key', f: lastDigit },
        reverse: true,
      }),
      [19, 12],
    );
  });

  it('sampleKeys samples keys and counts records', async () => {
    const pairs = data(
      1,
      Array.from({ length: 1000 }, (_, i) => [i, 'v']),
    );
    const value = (await act(nodes, pairs, { kind: 'sampleKeys', size: 20, seed: 1 })) as {
      count: number;
      sample: number[];
    };
    assert.equal(value.count, 1000);
    assert.equal(value.sample.length, 20);
    assert.equal(new Set(value.sample).size, 20);
    assert.ok(
      value.sample.some((k) => k >= 500),
      'the reservoir replaces early keys',
    );
  });

  it('lookup finds values by key equality by value', async () => {
    const pairs = data(1, [
      [['a', 1], 'x'],
      [['a', 2], 'y'],
      [['a', 1], 'z'],
    ]);
    assert.deepEqual(await act(nodes, pairs, { kind: 'lookup', key: ['a', 1] }), ['x', 'z']);
  });

  it('foreach adds to accumulators, returned as one delta per accumulator', async () => {
    const f = fp('(x, env) => env.acc.add(x)', { acc: null }, [
      { path: ['acc'], handle: { kind: 'accumulator', id: 7, type: 'long' } },
    ]);
    const other = fp(
      '(x) => x',
      [null],
      [{ path: ['0'], handle: { kind: 'accumulator', id: 8, type: 'long' } }],
    );
    const plan = stagePlan(
      [source(1), narrowNode(2, 1, { kind: 'map', f: other })],
      { kind: 'result', action: { kind: 'foreach', f } },
      2,
    );
    const result = await run(plan, narrow(2, desc));
    assert.equal(result.kind, 'success');
    assert.deepEqual(result.kind === 'success' ? result.side.accumulators : [], [
      { id: 8, delta: 0 },
      { id: 7, delta: 21 },
    ]);
  });

  it('foreachPartition is awaited', async () => {
    const f = fp(
      'async (it, env) => { let s = 0; for (const x of it) s += x; await new Promise((r) => setTimeout(r, 5)); env.acc.add(s); }',
      { acc: null },
      [{ path: ['acc'], handle: { kind: 'accumulator', id: 1, type: 'long' } }],
    );
    const result = await run(
      stagePlan(nodes, { kind: 'result', action: { kind: 'foreachPartition', f } }, 1),
      desc,
    );
    assert.deepEqual(result.kind === 'success' ? result.side.accumulators : [], [
      { id: 1, delta: 21 },
    ]);
  });

  it('broadcast values are read synchronously through env', async () => {
    const f = fp('(x, env) => x + env.b.value.offset', { b: null }, [
      { path: ['b'], handle: { kind: 'broadcast', id: 3 } },
    ]);
    const plan = stagePlan(
      [source(1), narrowNode(2, 1, { kind: 'map', f })],
      { kind: 'result', action: collect },
      2,
    );
    const loaded = await loadPlan(plan);
    assert.deepEqual(loaded.broadcastIds, [3]);
    let fetches = 0;
    const control = {
      getPlan: () => Promise.reject(new TypeError('unused')),
      getBroadcast: (id: number) => (fetches++, Promise.resolve({ offset: id * 100 })),
    };
    await fetchBroadcasts(control, loaded.broadcastIds);
    await fetchBroadcasts(control, loaded.broadcastIds);
    assert.equal(fetches, 1);
    const req = {
      kind: 'task' as const,
      planId: plan.planId,
      stageId: 1,
      partitionIndex: 0,
      taskId: 99,
      attempt: 0,
      desc: narrow(2, data(1, [1, 2])),
    };
    assert.deepEqual(valueOf(await runTask(req, () => Promise.resolve(loaded))), [301, 302]);
  });

  it('saveAsTextFile writes one line per record, JSON for non-strings, bigint as digits', async () => {
    const dir = mkdtempSync(path.join(tmp, 'text-'));
    const records = data(1, ['plain', 42, { n: 10n, s: 'x' }, [1, 'é']], 3);
    assert.equal(await act(nodes, records, { kind: 'saveAsTextFile', dir }), 4);
    assert.deepEqual(readdirSync(dir), ['part-00003']);
    assert.equal(
      readFileSync(path.join(dir, 'part-00003'), 'utf8'),
      'plain\n42\n{"n":"10","s":"x"}\n[1,"é"]\n',
    );
  });
});

describe('task failures', () => {
  it('a throwing user function fails the task naming the RDD whose function threw', async () => {
    const nodes = [
      source(1),
      narrowNode(2, 1, {
        kind: 'map',
        f: fp('(x) => { if (x === 2) throw new RangeError("bad " + x); return x; }'),
      }),
      narrowNode(3, 2, { kind: 'map', f: fp('(x) => x') }),
    ];
    const result = await run(
      stagePlan(nodes, { kind: 'result', action: collect }, 3),
      narrow(3, narrow(2, data(1, [1, 2]))),
    );
    assert.equal(result.kind, 'failure');
    if (result.kind !== 'failure') return;
    assert.equal(result.rddId, 2);
    assert.equal(result.error.name, 'RangeError');
    assert.equal(result.error.message, 'bad 2');
    assert.match(result.error.stack ?? '', /RangeError: bad 2/);
  });

  it('a result that cannot be cloned fails with RESULT_NOT_CLONEABLE naming the value', async () => {
    const nodes = [source(1), narrowNode(2, 1, { kind: 'map', f: fp('(x) => () => x') })];
    const result = await run(
      stagePlan(nodes, { kind: 'result', action: collect }, 2),
      narrow(2, data(1, [1])),
    );
    assert.equal(result.kind, 'failure');
    if (result.kind !== 'failure') return;
    assert.equal(result.error.kindling?.code, 'RESULT_NOT_CLONEABLE');
    assert.match(result.error.message, /could not be cloned/);
    assert.deepEqual(result.error.kindling?.context, { rddId: 2, partitionIndex: 0 });
  });

  it('a thrown non-Error is reported with its printed value', async () => {
    const nodes = [source(1), narrowNode(2, 1, { kind: 'map', f: fp('() => { throw "nope"; }') })];
    const result = await run(
      stagePlan(nodes, { kind: 'result', action: collect }, 2),
      narrow(2, data(1, [1])),
    );
    assert.equal(result.kind === 'failure' ? result.error.message : '', 'nope');
  });
});
