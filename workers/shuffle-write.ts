// The map side of a shuffle (Spark's SortShuffleWriter, minus spilling): routes each [key, value]
// record of the partition to its reduce partition, combining by key first when the stage asks
// for it, then writes ONE file with the reduce partitions' frames in order:
//
//   | header | frames of reduce 0 | frames of reduce 1 | ... | frames of reduce n-1 |
//   offsets[0]            offsets[1]           offsets[2]   ...       offsets[n]
//
// Buckets are held in memory until the partition ends, so a map task needs memory in proportion
// to its partition (combine shrinks that to one entry per key).

import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PartFileWriter } from '../src/format/part-file.js';
import type { MapStatus, StageOutput } from '../src/protocol.js';
import { partitionerFromPlan } from '../src/rdd/partitioner-plan.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { bindAggregator, combineInto, type CombinedMap } from './aggregator.js';
import { attemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';

type ShuffleMapOutput = Extract<StageOutput, { kind: 'shuffleMap' }>;

/** Buckets the partition; returns a function that writes the file and gives its MapStatus. */
export function bucketShuffleOutput(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  batches: Batches,
): () => MapStatus {
  const numPartitions = output.partitioner.numPartitions;
  const partition = partitionerFromPlan(output.partitioner);
  const where = `shuffle ${output.shuffleId}`;
  let buckets: unknown[][];
  if (output.combine !== undefined) {
    // One map for the partition, routed to reduce partitions once per distinct key at the end:
    // hashing every record for its bucket cost ~10% of a word count's CPU. Each bucket keeps
    // its keys in first-seen order, as with one map per bucket.
    const agg = bindAggregator(ctx, output.combine);
    const combined: CombinedMap = new Map();
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (const record of batch) combineInto(combined, agg, record, false, where);
    }
    buckets = Array.from({ length: numPartitions }, () => []);
    for (const entry of combined.values()) buckets[partition(entry[0])]!.push(entry);
  } else {
    buckets = Array.from({ length: numPartitions }, () => []);
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (const record of batch) buckets[partition(asPair(record, where)[0])]!.push(record);
    }
  }
  return () => writeShuffleFile(ctx, output, buckets);
}

function writeShuffleFile(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  buckets: unknown[][],
): MapStatus {
  const mapIndex = ctx.info.partitionIndex;
  mkdirSync(ctx.localDir, { recursive: true });
  const file = path.join(
    ctx.localDir,
    `shuffle_${output.shuffleId}_${mapIndex}_${ctx.info.taskId}.data`,
  );
  const writer = new PartFileWriter(file, output.codec, attemptTag(ctx));
  ctx.onAbort(() => writer.abort());
  const offsets = [writer.markBoundary()];
  for (const bucket of buckets) {
    for (let i = 0; i < bucket.length; i += BATCH_SIZE)
      writer.write(bucket.slice(i, i + BATCH_SIZE));
    offsets.push(writer.markBoundary());
  }
  writer.commit();
  return { shuffleId: output.shuffleId, mapIndex, path: file, offsets };
}
