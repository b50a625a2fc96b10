// The map side of a shuffle (Spark's SortShuffleWriter, spilling included): routes each
// [key, value] record of the partition to its reduce partition, combining by key first when the stage asks
// for it, then writes a file with the reduce partitions' frames in order:
//
//   | header | frames of reduce 0 | frames of reduce 1 | ... | frames of reduce n-1 |
//   offsets[0]            offsets[1]           offsets[2]   ...       offsets[n]
//
// Buckets are held in memory up to `spillRecords` records (distinct keys when combining); past
// that they are written to a spill file of the same layout and the task starts afresh. The
// MapStatus lists every file; a reducer reads its range from each (Spark's spills, without the
// merge: frames are self-contained, so nothing needs rewriting).

import path from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { PartFileWriter } from '../src/format/part-file.js';
import type { MapStatus, ShuffleFileIndex, StageOutput } from '../src/protocol.js';
import { partitionerFromPlan } from '../src/rdd/partitioner-plan.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { bindAggregator, combineInto, type CombinedMap } from './aggregator.js';
import { shuffleFileName } from '../src/storage/file-names.js';
import { taskAttemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';

type ShuffleMapOutput = Extract<StageOutput, { kind: 'shuffleMap' }>;

/** Buckets the partition; returns a function that writes the last file and gives the MapStatus. */
export function bucketShuffleOutput(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  batches: Batches,
): () => MapStatus {
  const numPartitions = output.partitioner.numPartitions;
  const partition = partitionerFromPlan(output.partitioner);
  const where = `shuffle ${output.shuffleId}`;
  const files: ShuffleFileIndex[] = [];
  const spill = (buckets: unknown[][]): void => {
    files.push(writeShuffleFile(ctx, output, buckets, files.length));
  };
  const emptyBuckets = (): unknown[][] => Array.from({ length: numPartitions }, () => []);
  let last: unknown[][];
  if (output.combine !== undefined) {
    // One map for the partition, routed to reduce partitions once per distinct key at the end:
    // hashing every record for its bucket cost ~10% of a word count's CPU. Each bucket keeps
    // its keys in first-seen order, as with one map per bucket.
    const agg = bindAggregator(ctx, output.combine);
    const bucketize = (combined: CombinedMap): unknown[][] => {
      const buckets = emptyBuckets();
      for (const entry of combined.values()) buckets[partition(entry[0])]!.push(entry);
      return buckets;
    };
    let combined: CombinedMap = new Map();
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (const record of batch) combineInto(combined, agg, record, false, where);
      // A key in two spills is two combiners: the reduce side merges combiners anyway.
      if (combined.size >= output.spillRecords) {
        spill(bucketize(combined));
        combined = new Map();
      }
    }
    last = bucketize(combined);
  } else {
    let buckets = emptyBuckets();
    let buffered = 0;
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (const record of batch) buckets[partition(asPair(record, where)[0])]!.push(record);
      buffered += batch.length;
      if (buffered >= output.spillRecords) {
        spill(buckets);
        buckets = emptyBuckets();
        buffered = 0;
      }
    }
    last = buckets;
  }
  return () => {
    spill(last);
    const final = files[files.length - 1] as ShuffleFileIndex;
    const status: MapStatus = {
      shuffleId: output.shuffleId,
      mapIndex: ctx.info.partitionIndex,
      ...final,
    };
    if (files.length > 1) status.spills = files.slice(0, -1);
    return status;
  };
}

function writeShuffleFile(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  buckets: unknown[][],
  seq: number,
): ShuffleFileIndex {
  mkdirSync(ctx.localDir, { recursive: true });
  const file = path.join(
    ctx.localDir,
    shuffleFileName({
      shuffleId: output.shuffleId,
      mapIndex: ctx.info.partitionIndex,
      taskId: ctx.info.taskId,
      spill: seq,
    }),
  );
  // Map output is scratch: it is recomputed from lineage if lost, so no fdatasync.
  const writer = new PartFileWriter(file, output.codec, taskAttemptTag(ctx), { durable: false });
  // Until the task succeeds, its committed files are its own to remove on failure too.
  ctx.onAbort(() => {
    writer.abort();
    rmSync(file, { force: true });
  });
  const offsets = [writer.markRange().offset];
  const checksums: number[] = [];
  for (const bucket of buckets) {
    for (let i = 0; i < bucket.length; i += BATCH_SIZE)
      writer.write(bucket.slice(i, i + BATCH_SIZE));
    const range = writer.markRange();
    offsets.push(range.offset);
    checksums.push(range.checksum);
  }
  writer.commit();
  return { path: file, offsets, checksums };
}
