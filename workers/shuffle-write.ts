// The map side of a shuffle (Spark's SortShuffleWriter, spilling included): routes each
// [key, value] record of the partition to its reduce partition, combining by key first when the stage asks
// for it, then writes a file with the reduce partitions' frames in order:
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
import { encodeFrameParts, type EncodedFrame } from '../src/shared/format/frames.js';
import { PartFileWriter } from '../src/shared/format/part-file.js';
import type { MapStatus, ShuffleFileIndex, StageOutput } from '../src/shared/protocol.js';
import { KeyTable } from '../src/shared/key-table.js';
import { partitionerFromPlan } from '../src/shared/partitioner-plan.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { bindAggregator } from './aggregator.js';
import { shuffleFileName } from '../src/shared/file-names.js';
import { taskAttemptTag } from './side-sinks.js';
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
  const partition = partitionerFromPlan(output.partitioner, ctx);
  const where = `shuffle ${output.shuffleId}`;
  const files: ShuffleFileIndex[] = [];
  const spill = (buckets: Bucket[]): void => {
    files.push(writeShuffleFile(ctx, output, buckets, files.length));
  };
  const budget = taskMemory(ctx).budgetBytes;
  const recordBytes = new RecordSizeSampler();
  let last: Bucket[];
  if (output.combine !== undefined) {
    // One table for the partition, routed to reduce partitions once per distinct key at the end:
    // hashing every record for its bucket cost ~10% of a word count's CPU. Each bucket keeps
    // its keys in first-seen order. The table finds number and string keys as themselves and
    // array keys by hash, never building keyOf's string for them (5% of a [string, number]
    // reduceByKey's worker CPU was that string).
    const agg = bindAggregator(ctx, output.combine);
    const bucketize = (combined: KeyTable<[unknown, unknown]>): Bucket[] => {
      const buckets = emptyBuckets(numPartitions);
      for (const entry of combined.values()) buckets[partition(entry[0])]!.records.push(entry);
      return buckets;
    };
    let combined = new KeyTable<[unknown, unknown]>();
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (let i = 0; i < batch.length; i++) {
        const record = asPair(batch[i], where);
        const k = record[0];
        const entry = combined.get(k);
        if (entry === undefined) combined.add(k, [k, agg.createCombiner(record[1])]);
        else entry[1] = agg.mergeValue(entry[1], record[1]);
      }
      recordBytes.sample(batch);
      // A key in two spills is two combiners: the reduce side merges combiners anyway.
      if (
        combined.size >= output.spillRecords ||
        combined.size * (recordBytes.average + COMBINED_ENTRY_BYTES) > budget
      ) {
        spill(bucketize(combined));
        combined = new KeyTable();
      }
    }
    last = bucketize(combined);
  } else {
    // Each bucket is encoded a frame at a time as it fills, so records die young: holding the
    // partition's records until the end promoted them all to the old generation, and garbage
    // collection was the largest cost of a join's map stage (31% of worker CPU).
    let buckets = emptyBuckets(numPartitions);
    let buffered = 0;
    for (const batch of batches) {
      ctx.recordsRead += batch.length;
      for (let i = 0; i < batch.length; i++) {
        const record = asPair(batch[i], where);
        const bucket = buckets[partition(record[0])]!;
        if (bucket.records.push(record) >= BATCH_SIZE) {
          bucket.frames.push(encodeFrameParts(bucket.records, output.codec));
          bucket.records = [];
        }
      }
      buffered += batch.length;
      recordBytes.sample(batch);
      if (
        buffered >= output.spillRecords ||
        buffered * (recordBytes.average + BUCKET_SLOT_BYTES) > budget
      ) {
        spill(buckets);
        buckets = emptyBuckets(numPartitions);
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
    // Files before the last were written because the buffer filled: Spark's diskBytesSpilled.
    for (const f of files.slice(0, -1)) ctx.counters.spillBytes += fileDataBytes(f.offsets);
    return status;
  };
}

/** One reduce partition's output so far: frames already encoded, then records not yet. */
interface Bucket {
  frames: EncodedFrame[];
  records: unknown[];
}

function emptyBuckets(n: number): Bucket[] {
  return Array.from({ length: n }, () => ({ frames: [], records: [] }));
}

function writeShuffleFile(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  buckets: Bucket[],
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
  for (const { frames, records } of buckets) {
    for (const frame of frames) {
      writer.writeFrame(frame);
      ctx.counters.shuffleWriteRecords += frame.records;
    }
    for (let i = 0; i < records.length; i += BATCH_SIZE)
      writer.write(records.slice(i, i + BATCH_SIZE));
    ctx.counters.shuffleWriteRecords += records.length;
    const range = writer.markRange();
    offsets.push(range.offset);
    checksums.push(range.checksum);
  }
  writer.commit();
  ctx.counters.shuffleWriteBytes += fileDataBytes(offsets);
  return { path: file, offsets, checksums };
}

function fileDataBytes(offsets: number[]): number {
  return (offsets[offsets.length - 1] ?? 0) - (offsets[0] ?? 0);
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
