// What a result task computes from its partition (the function Spark's runJob applies to each
// partition's iterator). Every action returns a plain value the main thread combines across
// partitions; user functions get env last; accumulators of foreach count like any other.

import type { OrderPlan, ResultAction } from '../src/shared/protocol.js';
import { compareKeys, keyOf, sameMapKey, sortWith, type MapKey } from '../src/shared/keys.js';
import { asNumber, asPair, flatten, type Batches } from './batch.js';
import { seededRandom } from './random.js';
import type { TaskContext } from './task-context.js';
import { saveAsTextPart } from './text-output.js';
import { saveAsObjectPart } from './object-output.js';
import { hllRegisters } from './hll.js';

export async function runResultAction(
  ctx: TaskContext,
  action: ResultAction,
  input: Batches,
): Promise<unknown> {
  const batches = counted(ctx, input);
  switch (action.kind) {
    case 'collect': {
      const out: unknown[] = [];
      for (const batch of batches) for (const x of batch) out.push(x);
      return out;
    }
    case 'count':
    case 'drain': {
      let n = 0;
      for (const batch of batches) n += batch.length;
      return n;
    }
    case 'countByValue':
      return countByValue(batches);
    case 'countByKey':
      return countByValue(keysOf(batches));
    case 'take':
      return take(batches, action.n);
    case 'reduce': {
      const f = ctx.fn(action.f);
      const env = ctx.env(action.f);
      // A plain accumulator and a flag: no allocation per record on this hot path.
      let seen = false;
      let acc: unknown;
      for (const batch of batches) {
        let i = 0;
        if (!seen && batch.length > 0) {
          acc = batch[0];
          seen = true;
          i = 1;
        }
        for (; i < batch.length; i++) acc = f(acc, batch[i], env);
      }
      return seen ? { value: acc } : { empty: true };
    }
    case 'aggregate': {
      const fp = action.seqOp;
      const f = ctx.fn(fp);
      const env = ctx.env(fp);
      // Each partition folds into its own copy of zero, which f may mutate.
      let acc: unknown = structuredClone(action.zero);
      const method = action.numbersFor;
      if (method === undefined) {
        for (const batch of batches) for (const x of batch) acc = f(acc, x, env);
      } else {
        for (const batch of batches) for (const x of batch) acc = f(acc, asNumber(x, method), env);
      }
      return acc;
    }
    case 'foreach': {
      const f = ctx.fn(action.f);
      const env = ctx.env(action.f);
      for (const batch of batches) {
        for (const x of batch) {
          const r = f(x, env);
          if (isThenable(r)) await r;
        }
      }
      return undefined;
    }
    case 'foreachPartition':
      await ctx.fn(action.f)(flatten(batches), ctx.env(action.f));
      return undefined;
    case 'takeOrdered':
      return takeOrdered(ctx, action, batches);
    case 'sampleKeys':
      return sampleKeys(batches, action.size, action.seed, ctx.info.partitionIndex);
    case 'lookup': {
      const target = keyOf(action.key);
      const out: unknown[] = [];
      for (const batch of batches) {
        for (const record of batch) {
          const [k, v] = asPair(record, 'lookup');
          if (sameMapKey(keyOf(k), target)) out.push(v);
        }
      }
      return out;
    }
    case 'saveAsTextFile':
      return saveAsTextPart(ctx, action.dir, batches, action.compression);
    case 'saveAsObjectFile':
      return saveAsObjectPart(ctx, action.dir, batches);
    case 'hllRegisters':
      return hllRegisters(batches, action.p);
  }
}

/** Counts the records the stage's root produced (TaskMetrics.recordsRead). */
function* counted(ctx: TaskContext, input: Batches): Batches {
  for (const batch of input) {
    ctx.recordsRead += batch.length;
    yield batch;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
  );
}

function countByValue(batches: Batches): [unknown, number][] {
  const counts = new Map<MapKey, [unknown, number]>();
  for (const batch of batches) {
    for (const x of batch) {
      const k = keyOf(x);
      const entry = counts.get(k);
      if (entry === undefined) counts.set(k, [x, 1]);
      else entry[1]++;
    }
  }
  return [...counts.values()];
}

/** The keys of [k, v] records; a record that is not a pair names countByKey, the action called. */
function* keysOf(batches: Batches): Batches {
  for (const batch of batches) yield batch.map((record) => asPair(record, 'countByKey').at(0));
}

function take(batches: Batches, n: number): unknown[] {
  const out: unknown[] = [];
  if (n <= 0) return out;
  for (const batch of batches) {
    for (const x of batch) {
      out.push(x);
      if (out.length >= n) return out; // closes the pipeline: side outputs drain later
    }
  }
  return out;
}

/** The n smallest by compare (largest when reverse), in order; sort-and-cut keeps memory ~2n. */
function takeOrdered(
  ctx: TaskContext,
  action: Extract<ResultAction, { kind: 'takeOrdered' }>,
  batches: Batches,
): unknown[] {
  const n = action.n;
  const compare = comparator(ctx, action.order);
  const order = action.reverse ? (a: unknown, b: unknown) => compare(b, a) : compare;
  if (n <= 0) return []; // side outputs still drain afterwards
  let best: unknown[] = [];
  const limit = Math.max(2 * n, 1024);
  for (const batch of batches) {
    for (const x of batch) best.push(x);
    if (best.length > limit) best = sortWith(best, order).slice(0, n);
  }
  return sortWith(best, order).slice(0, n);
}

function comparator(ctx: TaskContext, order: OrderPlan): (a: unknown, b: unknown) => number {
  if (order.kind === 'natural') return compareKeys;
  const f = ctx.fn(order.f);
  const env = ctx.env(order.f);
  if (order.kind === 'compare') return (a, b) => Number(f(a, b, env));
  return (a, b) => compareKeys(f(a, env), f(b, env));
}

/** Reservoir sample (Algorithm R) of the keys, and the partition's record count. */
function sampleKeys(
  batches: Batches,
  size: number,
  seed: number,
  partitionIndex: number,
): { count: number; sample: unknown[] } {
  const random = seededRandom(seed, partitionIndex);
  const sample: unknown[] = [];
  let count = 0;
  for (const batch of batches) {
    for (const record of batch) {
      const key = asPair(record, 'sortByKey').at(0);
      if (count < size) sample.push(key);
      else {
        const j = Math.floor(random() * (count + 1));
        if (j < size) sample[j] = key;
      }
      count++;
    }
  }
  return { count, sample };
}
