// The map side of a shuffle (Spark's SortShuffleWriter, spilling included): routes each
// [key, value] record of the partition (or record r as [r, null] when the stage says its records
// are keys) to its reduce partition, combining by key first when the stage asks for it, then
// writes a file with the reduce partitions' frames in order:
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
import { ensureDirectory } from '../src/shared/io-errors.js';
import { rmSync } from 'node:fs';
import {
  encodeFrames,
  encodePairFrames,
  Lz4Probe,
  type Codec,
  type EncodedFrame,
} from '../src/shared/format/frames.js';
import { PartFileWriter } from '../src/shared/format/part-file.js';
import type {
  AggregatorPlan,
  MapStatus,
  ShuffleFileIndex,
  StageOutput,
} from '../src/shared/protocol.js';
import { KeyTable } from '../src/shared/key-table.js';
import { expectedTableSize, noteTableSize } from './table-sizes.js';
import { hashKey } from '../src/shared/keys.js';
import {
  hashPartition,
  partitionerFromPlan,
  type PartitionerPlan,
} from '../src/shared/partitioner-plan.js';
import { asPair, BATCH_SIZE, checkBatchEnds, checkPlainRecord, type Batches } from './batch.js';
import { aggregatorCalls, createCombinerWith, type AggregatorCalls } from './aggregator.js';
import { shuffleFileName } from '../src/shared/file-names.js';
import { taskAttemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';
import { estimateSize } from './size-estimator.js';
import { taskMemory } from './spill-files.js';
import { BatchTake, recordsWithin, takenBatches } from './batch-bytes.js';
import type { FusedStep } from './fused-steps.js';
import {
  combineLoop,
  loopInputs,
  routeLoop,
  type CombineLoop,
  type LoopInputs,
  type RouteCalls,
} from './fused-loops.js';

// Per buffered record beyond the record itself: its key and value slots in a bucket, or when
// combining a table entry: 2 to 4 index slots of 8 bytes (the index is at most half full and
// doubles), the key, combiner and hash slots, and the dense arrays' growth slack.
const BUCKET_SLOT_BYTES = 16;
const COMBINED_ENTRY_BYTES = 64;
// A frame's records, estimated, of large records (FrameMaker.fitTo).
const MAX_FRAME_ESTIMATE = 4 << 20;

type ShuffleMapOutput = Extract<StageOutput, { kind: 'shuffleMap' }>;

/** Buckets the partition; returns a function that writes the last file and gives the MapStatus. */
export function bucketShuffleOutput(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  batches: Batches,
  steps: readonly FusedStep[] = [],
): () => MapStatus {
  const files: ShuffleFileIndex[] = [];
  // One probe for the task's frames, so that rawFirstBytes counts all of them.
  const probe = new Lz4Probe(output.rawFirstBytes);
  const spill = (buckets: Bucket[]): void => {
    files.push(writeShuffleFile(ctx, output, buckets, files.length, probe));
  };
  const last =
    output.combine !== undefined
      ? combineByKey(ctx, output, output.combine, batches, spill, steps)
      : routeRecords(ctx, output, batches, spill, steps, probe);
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

/**
 * Map-side combine: one table for the partition, routed to reduce partitions once per distinct
 * key at the end (hashing every record for its bucket cost ~10% of a word count's CPU), by the
 * hashKey the table kept (KeyTable.hashKeyOf); each bucket keeps its keys in first-seen order,
 * and keys and combiners go to the file as two columns without a [key, combiner] array per key.
 * `steps`: the stage's last narrow steps, fused into the combine's loop (fused-loops.ts).
 * Returns the buckets left after the last spill.
 */
function combineByKey(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  plan: AggregatorPlan,
  batches: Batches,
  spill: (buckets: Bucket[]) => void,
  steps: readonly FusedStep[],
): Bucket[] {
  const agg = aggregatorCalls(ctx, plan);
  // Without steps to fuse, the plain loops below (PageRank's combine of the contributions a
  // flatMap made ran ~30% slower in a generated loop, V8 no longer inlining the key lookup).
  const loop: CombineLoop =
    steps.length > 0
      ? combineLoop(steps, { kind: 'combine', recordsAreKeys: output.recordsAreKeys === true, agg })
      : output.recordsAreKeys === true
        ? combineKeys
        : combinePairs;
  const inputs = loopInputs(steps, `shuffle ${output.shuffleId}`);
  const check = recordCheck(ctx);
  const budget = taskMemory(ctx).budgetBytes;
  const entryBytes = new SizeAverage();
  const expected = Math.min(expectedTableSize('combine', output.shuffleId), output.spillRecords);
  let table = new KeyTable<unknown>(expected);
  const take = new BatchTake();
  for (const part of takenBatches(batches, take)) {
    ctx.recordsRead += part.length;
    loop(part, inputs, table, agg, check);
    entryBytes.sampleTable(table);
    take.fit(entryBytes.average);
    // A key in two spills is two combiners: the reduce side merges combiners anyway.
    if (
      table.size >= output.spillRecords ||
      table.size * (entryBytes.average + COMBINED_ENTRY_BYTES) > budget
    ) {
      spill(bucketsOfTable(ctx, output.partitioner, table));
      table = new KeyTable(expected);
    }
  }
  noteTableSize('combine', output.shuffleId, table.size);
  return bucketsOfTable(ctx, output.partitioner, table);
}

// The per-record loops live in plain functions called once a batch: V8 optimizes a small
// function's loop sooner than one inside the task's long-running loop. Records are checked
// before the loop, as plainRecords checks a stage's output.
function combinePairs(
  batch: readonly unknown[],
  inputs: LoopInputs,
  table: KeyTable<unknown>,
  agg: AggregatorCalls,
  check: (record: unknown) => void,
): void {
  checkBatchEnds(batch, check);
  const combiners = table.entries;
  const { mergeValue, mergeValueEnv } = agg;
  const where = inputs.where;
  for (let i = 0; i < batch.length; i++) {
    const record = asPair(batch[i], where);
    const k = record.at(0);
    const at = table.find(k);
    if (at < 0) table.insert(k, createCombinerWith(agg, record.at(1)));
    else combiners[at] = mergeValue(combiners[at], record.at(1), mergeValueEnv);
  }
}

/** combinePairs for records that are keys: record r is the pair [r, null]. */
function combineKeys(
  batch: readonly unknown[],
  _inputs: LoopInputs,
  table: KeyTable<unknown>,
  agg: AggregatorCalls,
  check: (record: unknown) => void,
): void {
  checkBatchEnds(batch, check);
  const combiners = table.entries;
  const { mergeValue, mergeValueEnv } = agg;
  for (let i = 0; i < batch.length; i++) {
    const k = batch[i];
    const at = table.find(k);
    if (at < 0) table.insert(k, createCombinerWith(agg, null));
    else combiners[at] = mergeValue(combiners[at], null, mergeValueEnv);
  }
}

function bucketsOfTable(
  ctx: TaskContext,
  plan: PartitionerPlan,
  table: KeyTable<unknown>,
): Bucket[] {
  const n = plan.numPartitions;
  const buckets = emptyBuckets(n);
  const { keys, entries } = table;
  const partition = plan.kind === 'hash' ? undefined : partitionerFromPlan(plan, ctx);
  for (let i = 0; i < keys.length; i++) {
    const k = keys.at(i);
    let bucket: Bucket;
    if (partition === undefined) {
      const hash = table.hashKeyOf(i);
      bucket = buckets[hashPartition(hash, n)] as Bucket;
      keepHash(bucket, k, hash);
    } else {
      bucket = buckets[partition(k)] as Bucket;
    }
    bucket.keys.push(k);
    bucket.values.push(entries.at(i));
  }
  return buckets;
}

/**
 * Without combining, each record goes to its bucket as it comes, and each bucket is encoded a
 * frame at a time as it fills, so records die young: holding the partition's records until the
 * end promoted them all to the old generation, and garbage collection was the largest cost of
 * a join's map stage (31% of worker CPU). A plain [key, value] array is taken apart on arrival
 * (its key and value join the bucket's two columns); any other record is kept whole.
 */
function routeRecords(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  batches: Batches,
  spill: (buckets: Bucket[]) => void,
  steps: readonly FusedStep[],
  probe: Lz4Probe,
): Bucket[] {
  const where = `shuffle ${output.shuffleId}`;
  const loop = routeLoop(steps, {
    kind: 'route',
    recordsAreKeys: output.recordsAreKeys === true,
    routes: ROUTES,
  });
  const inputs = loopInputs(steps, where);
  const check = recordCheck(ctx);
  const budget = taskMemory(ctx).budgetBytes;
  const recordBytes = new SizeAverage();
  const state: RouteState = {
    buckets: emptyBuckets(output.partitioner.numPartitions),
    partition: partitionerFromPlan(output.partitioner, ctx),
    hashPartitions: output.partitioner.kind === 'hash' ? output.partitioner.numPartitions : 0,
    frames: new FrameMaker(output.codec, output.partitioner.numPartitions, probe),
    where,
  };
  let buffered = 0;
  const take = new BatchTake();
  for (const part of takenBatches(batches, take)) {
    ctx.recordsRead += part.length;
    loop(part, inputs, state, check);
    buffered += part.length;
    recordBytes.sampleBuckets(state.buckets);
    state.frames.fitTo(recordBytes.average);
    take.fit(recordBytes.average);
    if (
      buffered >= output.spillRecords ||
      buffered * (recordBytes.average + BUCKET_SLOT_BYTES) > budget
    ) {
      spill(state.buckets);
      state.buckets = emptyBuckets(output.partitioner.numPartitions);
      buffered = 0;
    }
  }
  return state.buckets;
}

/** The buckets being filled, and how a record finds its bucket. */
interface RouteState {
  buckets: Bucket[];
  partition: (key: unknown) => number;
  /** A hash partitioner's partition count (0 for any other): see keyBucket. */
  hashPartitions: number;
  frames: FrameMaker;
  where: string;
}

/** How fused-loops' route sink hands records to the buckets (RouteState as `state`). */
const ROUTES: RouteCalls = {
  pair(state, key, value) {
    const s = state as RouteState;
    const bucket = keyBucket(s, key);
    if (bucket.records.length > 0) s.frames.endRecords(bucket);
    bucket.values.push(value);
    if (bucket.keys.push(key) >= s.frames.records) s.frames.endPairs(bucket);
  },
  record(state, record) {
    const s = state as RouteState;
    const bucket = s.buckets[s.partition(asPair(record, s.where).at(0))] as Bucket;
    if (bucket.keys.length > 0) s.frames.endPairs(bucket);
    if (bucket.records.push(record) >= s.frames.records) s.frames.endRecords(bucket);
  },
  key(state, key) {
    const s = state as RouteState;
    const bucket = keyBucket(s, key);
    bucket.values.push(null);
    if (bucket.keys.push(key) >= s.frames.records) s.frames.endPairs(bucket);
  },
};

/**
 * The bucket of a pair's key; a hash partitioner's hash of it goes along (keepHash): hashing a
 * [string, number] key was ~5% of a join's CPU on each side.
 */
function keyBucket(s: RouteState, key: unknown): Bucket {
  if (s.hashPartitions === 0) return s.buckets[s.partition(key)] as Bucket;
  const hash = hashKey(key);
  const bucket = s.buckets[hashPartition(hash, s.hashPartitions)] as Bucket;
  keepHash(bucket, key, hash);
  return bucket;
}

/**
 * Keeps `key`'s hash for the reducer unless the key is a number (ints are their own hash in
 * its table; other numbers hash in a few ns): a frame sends hashes only if it has every key's.
 */
function keepHash(bucket: Bucket, key: unknown, hash: number): void {
  if (typeof key !== 'number') bucket.hashes.push(hash);
}

/** What a sink calls on the first and last record of each batch (batch.ts's plainRecords). */
function recordCheck(ctx: TaskContext): (record: unknown) => void {
  const rootNode = ctx.loaded.plan.rootNode;
  return (record) => checkPlainRecord(record, rootNode);
}

/**
 * One reduce partition's output so far: frames already encoded, then either pairs (as key and
 * value columns) or whole records not yet encoded; never both, so the order stays as routed.
 * `hashes`: hashKey of the pairs' keys that are not numbers; sent with the frame when that is
 * all of them (encodePairFrames).
 */
interface Bucket {
  frames: EncodedFrame[];
  keys: unknown[];
  values: unknown[];
  hashes: number[];
  records: unknown[];
}

function emptyBuckets(n: number): Bucket[] {
  return Array.from({ length: n }, () => ({
    frames: [],
    keys: [],
    values: [],
    hashes: [],
    records: [],
  }));
}

/** Encodes a bucket's pending records as a frame once it holds `records` of them. */
class FrameMaker {
  /** Records a frame holds: `mostRecords`, fewer when they are large (fitTo). */
  records: number;
  private readonly mostRecords: number;

  constructor(
    private readonly codec: Codec,
    numPartitions: number,
    private readonly probe: Lz4Probe,
  ) {
    // Frames small enough that a bucket's records are still in the CPU caches (and its strings
    // still young) when it is encoded: with 8 reduce partitions, frames of 1024 records cost
    // less CPU than of 4096 (a join's map stage with string keys), and no more with numbers.
    // Never under 512 records, whose per-frame costs (lz4, crc, headers, the reader's too)
    // would start to show.
    this.mostRecords = Math.max(512, Math.min(BATCH_SIZE, Math.floor(8192 / numPartitions)));
    this.records = this.mostRecords;
  }

  /**
   * Sizes frames for records of `averageBytes` (estimated): about MAX_FRAME_ESTIMATE bytes at
   * most, as a reducer decodes a whole frame at once (512 records of 700 KB would be 350 MB).
   */
  fitTo(averageBytes: number): void {
    this.records = recordsWithin(MAX_FRAME_ESTIMATE, averageBytes, this.mostRecords);
  }

  endPairs(bucket: Bucket): void {
    const { keys, values, hashes } = bucket;
    bucket.frames.push(...encodePairFrames(keys, values, this.codec, this.probe, hashes));
    bucket.keys = [];
    bucket.values = [];
    bucket.hashes = [];
  }

  endRecords(bucket: Bucket): void {
    bucket.frames.push(...encodeFrames(bucket.records, this.codec, this.probe));
    bucket.records = [];
  }
}

function writeShuffleFile(
  ctx: TaskContext,
  output: ShuffleMapOutput,
  buckets: Bucket[],
  seq: number,
  probe: Lz4Probe,
): ShuffleFileIndex {
  ensureDirectory(ctx.localDir, 'localDir');
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
  const writer = new PartFileWriter(file, output.codec, taskAttemptTag(ctx), {
    durable: false,
    probe,
    what: 'the shuffle output',
  });
  // Until the task succeeds, its committed files are its own to remove on failure too.
  ctx.onAbort(() => {
    writer.abort();
    rmSync(file, { force: true });
  });
  const offsets = [writer.markRange().offset];
  const checksums: number[] = [];
  for (const { frames, keys, values, hashes, records } of buckets) {
    for (const frame of frames) {
      writer.writeFrame(frame);
      ctx.counters.shuffleWriteRecords += frame.records;
    }
    writer.writePairs(keys, values, hashes);
    writer.write(records);
    ctx.counters.shuffleWriteRecords += keys.length + records.length;
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

/** A running average of estimated sizes (Spark's SizeTracker samples). */
class SizeAverage {
  average = 0;
  private samples = 0;

  add(bytes: number): void {
    this.samples++;
    this.average += (bytes - this.average) / this.samples;
  }

  /** The newest two entries of a combine's table: a key and its combiner. */
  sampleTable(table: KeyTable<unknown>): void {
    const { keys, entries } = table;
    for (let i = Math.max(0, keys.length - 2); i < keys.length; i++) {
      this.add(estimateSize(keys.at(i)) + estimateSize(entries.at(i)));
    }
  }

  /**
   * The newest pending record of up to four buckets: what was routed, after any fused steps
   * (a step may make a record many times the size of what the partition read).
   */
  sampleBuckets(buckets: readonly Bucket[]): void {
    const step = Math.max(1, Math.floor(buckets.length / 4));
    for (let b = 0; b < buckets.length; b += step) {
      const { keys, values, records } = buckets[b] as Bucket;
      const last = keys.length - 1;
      if (last >= 0) this.add(estimateSize(keys[last]) + estimateSize(values[last]));
      else if (records.length > 0) this.add(estimateSize(records[records.length - 1]));
    }
  }
}
