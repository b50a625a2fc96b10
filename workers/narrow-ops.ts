// Narrow operations of one RDD on its parent's batches, Spark's MapPartitionsRDD family, but
// for the per-record steps (map, filter, keyBy, mapValues, keys, values), which run fused
// (fused-steps.ts). Ops that change the record count (flatMap, sample) re-batch so batches
// stay near BATCH_SIZE (fewer records when they are large, batch-bytes.ts).

import type { AggregatorPlan, NarrowOp, PartitionDesc } from '../src/shared/protocol.js';
import { bindAggregator, combineExternally } from './aggregator.js';
import { asPair, flatten, materialize, type Batches } from './batch.js';
import { BatchFill, rebatch } from './batch-bytes.js';
import { seededRandom } from './random.js';
import { sampleBatches } from './sampler.js';
import type { TaskContext } from './task-context.js';
import { errors } from '../src/shared/errors.js';
import { pipePartition } from './pipe.js';
import { filterByRange, sampleByKey } from './key-sampling.js';

type NarrowDesc = Extract<PartitionDesc, { kind: 'narrow' }>;

export function applyNarrowOp(
  ctx: TaskContext,
  desc: NarrowDesc,
  op: NarrowOp,
  input: Batches,
): Batches {
  switch (op.kind) {
    case 'map':
    case 'filter':
    case 'keyBy':
    case 'mapValues':
    case 'keys':
    case 'values':
      throw errors.internal(`${op.kind} runs fused with its neighbours (fused-loops.ts)`);
    case 'flatMap':
    case 'flatMapValues':
      return flatMapOp(op.kind, ctx.fn(op.f), ctx.env(op.f), input);
    case 'mapPartitions':
      return mapPartitionsOp((it, env) => ctx.fn(op.f)(it, env), ctx.env(op.f), input);
    case 'mapPartitionsWithIndex': {
      const f = ctx.fn(op.f);
      return mapPartitionsOp((it, env) => f(desc.index, it, env), ctx.env(op.f), input);
    }
    case 'glom':
      return glom(input);
    case 'sample':
      return sample(op, desc.index, input);
    case 'zipWithIndex':
      return zipWithIndex(desc.startIndex ?? 0, input);
    case 'pipe':
      return pipePartition(op.argv, input);
    case 'sampleByKey':
      return sampleByKey(op, desc.index, input);
    case 'filterByRange':
      return filterByRange(op.lower, op.upper, input);
    case 'combineByKey':
      return combineByKeyOp(ctx, op.aggregator, desc.node, input);
  }
  // Unreachable; TypeScript does not see that the kinds above are exhaustive.
  throw errors.internal(`unknown narrow operation ${(op as { kind: string }).kind}`);
}

type Fn = (...args: unknown[]) => unknown;

function* flatMapOp(
  kind: 'flatMap' | 'flatMapValues',
  f: Fn,
  env: unknown,
  input: Batches,
): Batches {
  const fill = new BatchFill();
  let out: unknown[] = [];
  for (const batch of input) {
    for (let i = 0; i < batch.length; i++) {
      let ys: unknown;
      let key: unknown;
      if (kind === 'flatMap') ys = f(batch[i], env);
      else {
        const pair = asPair(batch[i], 'flatMapValues');
        key = pair.at(0);
        ys = f(pair.at(1), env);
      }
      if (Array.isArray(ys)) {
        // Already whole in memory: taken at once, the batch checked after (a yield inside
        // this loop cost PageRank's flatMap 15%).
        if (kind === 'flatMap') for (let j = 0; j < ys.length; j++) out.push(ys[j]);
        else for (let j = 0; j < ys.length; j++) out.push([key, ys[j]]);
        if (fill.full(out)) {
          yield out;
          out = [];
        }
        continue;
      }
      if (!isIterable(ys))
        throw errors.invalidArgument(`result of the ${kind} function`, 'an iterable', ys);
      // Any other iterable may be lazy and long (a generator): checked at each output.
      for (const y of ys) {
        out.push(kind === 'flatMap' ? y : [key, y]);
        if (fill.full(out)) {
          yield out;
          out = [];
        }
      }
    }
  }
  if (out.length > 0) yield out;
}

function* mapPartitionsOp(
  call: (it: Iterable<unknown>, env: unknown) => unknown,
  env: unknown,
  input: Batches,
): Batches {
  const result = call(flatten(input), env);
  if (!isIterable(result)) {
    throw errors.invalidArgument('result of the mapPartitions function', 'an iterable', result);
  }
  yield* rebatch(result);
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return (
    v !== null &&
    v !== undefined &&
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

function* glom(input: Batches): Batches {
  yield [materialize(input)];
}

/** Bernoulli(fraction) per record without replacement, Poisson(fraction) copies with. */
function sample(op: Extract<NarrowOp, { kind: 'sample' }>, index: number, input: Batches): Batches {
  const fraction = op.fraction;
  return sampleBatches(input, seededRandom(op.seed, index), op.withReplacement, () => fraction);
}

function* zipWithIndex(startIndex: number, input: Batches): Batches {
  let next = startIndex;
  for (const batch of input) {
    const out = new Array<unknown>(batch.length);
    for (let i = 0; i < batch.length; i++) out[i] = [batch[i], next++];
    yield out;
  }
}

/** Aggregation without a shuffle: the parent is already partitioned by key (Spark skips the
 * shuffle when the partitioner matches and combines in mapPartitions). */
function* combineByKeyOp(
  ctx: TaskContext,
  plan: AggregatorPlan,
  node: number,
  input: Batches,
): Batches {
  const agg = bindAggregator(ctx, plan);
  yield* combineExternally(ctx, input, agg, false, `RDD ${node}`, node);
}
