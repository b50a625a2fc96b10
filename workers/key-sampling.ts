// Per-key narrow ops of pair RDDs: sampleByKey (Spark's stratified sampling: each record kept
// with its key's fraction, seeded per partition like sample()) and filterByRange (keys in
// [lower, upper] by the engine's one key order). Keys compare by value (keys.ts).

import { errors } from '../src/shared/errors.js';
import type { NarrowOp } from '../src/shared/protocol.js';
import { compareKeys, keyOf, type MapKey } from '../src/shared/keys.js';
import { asPair, type Batches } from './batch.js';
import { seededRandom } from './random.js';
import { sampleBatches } from './sampler.js';

export function sampleByKey(
  op: Extract<NarrowOp, { kind: 'sampleByKey' }>,
  index: number,
  input: Batches,
): Batches {
  const fractions = new Map<MapKey, number>();
  for (const [k, f] of op.fractions) fractions.set(keyOf(k), f);
  const fractionOf = (record: unknown): number => {
    const key = asPair(record, 'sampleByKey').at(0);
    const fraction = fractions.get(keyOf(key));
    if (fraction === undefined) {
      throw errors.invalidArgument(
        'rdd.sampleByKey fractions',
        'a fraction for every key of the RDD',
        `no fraction for key ${JSON.stringify(key, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`,
      );
    }
    return fraction;
  };
  return sampleBatches(input, seededRandom(op.seed, index), op.withReplacement, fractionOf);
}

export function* filterByRange(lower: unknown, upper: unknown, input: Batches): Batches {
  for (const batch of input) {
    const out: unknown[] = [];
    for (const record of batch) {
      const key = asPair(record, 'filterByRange').at(0);
      if (compareKeys(lower, key) <= 0 && compareKeys(key, upper) <= 0) out.push(record);
    }
    if (out.length > 0) yield out;
  }
}
