// Spark's BernoulliSampler and PoissonSampler over a partition's batches, for sample() and
// sampleByKey(): each record kept with probability `fraction`, or repeated Poisson(fraction)
// times. Copies are cut into batches as they are made (BatchFill), so the output of one input
// batch, or of one record, never has to fit in one array.

import { type Batches } from './batch.js';
import { BatchFill } from './batch-bytes.js';
import { poisson } from './random.js';

export function* sampleBatches(
  input: Batches,
  random: () => number,
  withReplacement: boolean,
  fractionOf: (record: unknown) => number,
): Batches {
  for (const batch of input) {
    const fill = new BatchFill();
    let out: unknown[] = [];
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i];
      const fraction = fractionOf(record);
      if (!withReplacement) {
        if (random() < fraction) out.push(record);
        continue;
      }
      for (let c = poisson(random, fraction); c > 0; c--) {
        out.push(record);
        if (fill.full(out)) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  }
}
