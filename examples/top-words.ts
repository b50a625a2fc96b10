// A job for `kindling run`: the ten most frequent words of a text file
// (README.md of the current directory by default), with the counts checkpointed
// when a checkpoint directory is given.
//   kindling run dist/examples/top-words.js --checkpoint-dir /tmp/kindling-cp
//   KINDLING_INPUT=some.txt kindling run examples/top-words.ts

import type { Context } from 'kindling';

export default async function topWords(ctx: Context): Promise<[string, number][]> {
  const input = process.env.KINDLING_INPUT ?? 'README.md';
  const counts = ctx
    .textFile(input)
    .flatMap((line) => line.toLowerCase().split(/[^a-z]+/))
    .filter((word) => word.length > 3)
    .map((word) => [word, 1] as [string, number])
    .reduceByKey((a, b) => a + b);
  if (ctx.getCheckpointDir() !== undefined) counts.checkpoint();
  return counts.sortBy(([, n]) => n, false).take(10);
}
