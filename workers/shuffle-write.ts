// The map side of a shuffle (Spark's SortShuffleWriter, minus the merge): routes each [key, value]
// record of the partition to its reduce partition, combining by key first when the stage asks
// for it, then writes ONE file with the reduce partitions' frames in order:
//
//   | header | frames of reduce 0 | frames of reduce 1 | ... | frames of reduce n-1 |
//   offsets[0]            offsets[1]           offsets[2]   ...       offsets[n]
//
// Buckets are held in memory up to `spillRecords` records (distinct keys when combining) or the
// task's memory budget in estimated bytes, whichever comes first; past that they are written to
// a spill file of the same layout and the task starts afresh. The
// MapStatus lists every file; a reducer reads its range from each (Spark's spills, without the
// merge: frames are self-contained, so nothing needs rewriting).

import path from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { PartFileWriter } from '../src/format/part-file.js';
import type { MapStatus, StageOutput } from '../src/protocol.js';
import { partitionerFromPlan } from '../src/rdd/partitioner-plan.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { bindAggregator, combineInto, type CombinedMap } from './aggregator.js';
import { attemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';
import { estimateSize } from './size-estimator.js';
import { taskMemory } from './spill-files.js';

// Per buffered record beyond the record itself: its bucket slot, or a Map entry and the
// combiner's [key, combiner] array when combining.
const BUCKET_SLOT_BYTES = 8;
const COMBINED_ENTRY_BYTES = 80;

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
  const files: ShuffleFile[] = [];
  const spill = (buckets: unknown[][]): void => {
    files.push(writeShuffleFile(ctx, output, buckets, files.length));
  };
  const emptyBuckets = (): unknown[][] => Array.from({ length: numPartitions }, () => []);
  const budget = taskMemory(ctx).budgetBytes;
  const recordBytes = new RecordSizeSampler();
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
      recordBytes.sample(batch);
      // A key in two spills is two combiners: the reduce side merges combiners anyway.
      if (
        combined.size >= output.spillRecords ||
        combined.size * (recordBytes.average + COMBINED_ENTRY_BYTES) > budget
      ) {
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
      recordBytes.sample(batch);
      if (
        buffered >= output.spillRecords ||
        buffered * (recordBytes.average + BUCKET_SLOT_BYTES) > budget
      ) {
        spill(buckets);
        buckets = emptyBuckets();
        buffered = 0;
      }
    }
    last = buckets;
  }
  return () => {
    spill(last);
    const final = files[files.length - 1] as ShuffleFile;
    const status: MapStatus = {
      shuffleId: output.shuffleId,
      mapIndex: ctx.info.partitionIndex,
      path: final.path,
      offsets: final.offsets,
    };
    if (files.length > 1) status.spills = files.slice(0, -1);
    return status;
  };
}

interface ShuffleFile {
  path: string;
  offsets: number[];
}

function writeShuffleFile(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  buckets: unknown[][],
  seq: number,
): ShuffleFile {
  const mapIndex = ctx.info.partitionIndex;
  mkdirSync(ctx.localDir, { recursive: true });
  const suffix = seq === 0 ? '' : `.spill${seq}`;
  const file = path.join(
    ctx.localDir,
    `shuffle_${output.shuffleId}_${mapIndex}_${ctx.info.taskId}${suffix}.data`,
  );
  // Map output is scratch: it is recomputed from lineage if lost, so no fdatasync.
  const writer = new PartFileWriter(file, output.codec, attemptTag(ctx), { durable: false });
  // Until the task succeeds, its committed files are its own to remove on failure too.
  ctx.onAbort(() => {
    writer.abort();
    rmSync(file, { force: true });
  });
  const offsets = [writer.markBoundary()];
  for (const bucket of buckets) {
    for (let i = 0; i < bucket.length; i += BATCH_SIZE)
      writer.write(bucket.slice(i, i + BATCH_SIZE));
    offsets.push(writer.markBoundary());
  }
  writer.commit();
  return { path: file, offsets };
}

/** The running average estimated size of records, from a few records of every batch. */
class RecordSizeSampler {
  average = 0;
  private samples = 0;

  sample(batch: readonly unknown[]): void {
    const step = Math.max(1, Math.floor(batch.length / 4));
    for (let i = 0; i < batch.length; i += step) {
      this.samples++;
      this.average += (estimateSize(batch[i]) - this.average) / this.samples;
    }
  }
}
