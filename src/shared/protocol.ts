// The wire protocol between the main thread and the worker threads: plain data
// only, every union tagged by `kind`. The main thread sends a StagePlan once per
// worker per stage (pulled over the comlink control plane) and a TaskRequest per
// task; a worker answers every task with a TaskResult and never rejects.
//
//   main ──TaskRequest(planId, PartitionDesc)──▶ worker ──getPlan(planId)──▶ main
//   main ◀────────────── TaskResult (success | failure) ──────────────── worker

import type { ShippedFunction } from './shipped-function.js';
import type { ShippedEnv } from './env-wire.js';
import type { PartitionerPlan } from './partitioner-plan.js';
import type { Codec } from './format/frames.js';

/** A user or built-in function with the env it receives as its last argument. */
export interface FunctionPlan {
  fn: ShippedFunction;
  /** The user's data apart from the handles placed in it (env-wire.ts). */
  env: ShippedEnv;
}

/**
 * How top/takeOrdered order records: compareKeys on the records, a user comparator (a, b, env),
 * or compareKeys on what a key function (x, env) returns (PySpark's key=).
 */
export type OrderPlan =
  { kind: 'natural' } | { kind: 'compare'; f: FunctionPlan } | { kind: 'key'; f: FunctionPlan };

/** Narrow per-partition operations; all run on batches of records in the worker. */
export type NarrowOp =
  | {
      kind: 'map' | 'filter' | 'flatMap' | 'keyBy' | 'mapValues' | 'flatMapValues';
      f: FunctionPlan;
    }
  | { kind: 'mapPartitions'; f: FunctionPlan }
  | { kind: 'mapPartitionsWithIndex'; f: FunctionPlan }
  | { kind: 'glom' | 'keys' | 'values' }
  | { kind: 'sample'; withReplacement: boolean; fraction: number; seed: number }
  | { kind: 'zipWithIndex' }
  /** Spark's pipe: the partition's records through a child process, lines in and out. */
  | { kind: 'pipe'; argv: string[] }
  /** Spark's sampleByKey: each record kept by its key's fraction (Poisson copies with replacement). */
  | {
      kind: 'sampleByKey';
      withReplacement: boolean;
      fractions: [unknown, number][];
      seed: number;
    }
  /** Spark's filterByRange: pairs whose key is in [lower, upper] by compareKeys. */
  | { kind: 'filterByRange'; lower: unknown; upper: unknown }
  /** Aggregation by key inside the partition: the parent is already partitioned by key. */
  | { kind: 'combineByKey'; aggregator: AggregatorPlan };

/** How a shuffle combines values by key (Spark's Aggregator). */
export interface AggregatorPlan {
  /**
   * Absent for aggregateByKey/foldByKey: the combiner is then
   * mergeValue(structuredClone(zero.value), v, env), Spark's createCombiner there.
   */
  createCombiner?: FunctionPlan;
  zero?: { value: unknown };
  mergeValue: FunctionPlan;
  mergeCombiners: FunctionPlan;
}

export type StorageLevelName = 'NONE' | 'MEMORY_ONLY' | 'MEMORY_AND_DISK' | 'DISK_ONLY';

/** One RDD of a stage's pipeline, as the worker sees it. */
export interface PlanNode {
  id: number;
  name?: string;
  compute: NodeCompute;
  /** Persisted: the worker stores the computed partition as a block. */
  storageLevel?: StorageLevelName;
  /** Marked for reliable checkpoint: the worker writes the partition to this directory. */
  checkpoint?: { dir: string; codec: Codec };
}

export type NodeCompute =
  | { kind: 'parallelize' }
  | { kind: 'range' }
  | { kind: 'textFile' }
  /** wholeTextFiles (UTF-8 text) and binaryFiles (bytes): one [name, content] record a file. */
  | { kind: 'wholeFiles'; content: 'text' | 'binary' }
  | { kind: 'empty' }
  | { kind: 'narrow'; parent: number; op: NarrowOp }
  | { kind: 'union'; parents: number[] }
  | { kind: 'coalesce'; parent: number }
  | { kind: 'cartesian'; left: number; right: number }
  /** zip (no f: records paired in lockstep) and zipPartitions (f over one iterator each). */
  | { kind: 'zipped'; parents: number[]; f?: FunctionPlan }
  | { kind: 'shuffled'; aggregator?: AggregatorPlan; mapSideCombine: boolean; sort?: SortPlan }
  /** One entry per input: the parent node id when it is read narrowly, null when shuffled. */
  | {
      kind: 'cogrouped';
      narrowParents: (number | null)[];
      /** Set for joins: emit [key, [v, w]] pairs by a shuffled hash join instead of groups. */
      join?: JoinHow;
    }
  | { kind: 'checkpointFile' };

export type JoinHow = 'inner' | 'left' | 'right' | 'full';

export interface SortPlan {
  ascending: boolean;
}

/**
 * A task's partition, Spark's Partition objects as plain data: the root node's
 * descriptor holds its parents' descriptors, down to sources and shuffle reads.
 */
export type PartitionDesc =
  | { kind: 'parallelize'; node: number; index: number; data: unknown[] }
  | { kind: 'range'; node: number; index: number; start: number; end: number; step: number }
  | { kind: 'textFile'; node: number; index: number; path: string; start: number; end: number }
  | { kind: 'wholeFiles'; node: number; index: number; files: WholeFile[] }
  | { kind: 'empty'; node: number; index: number }
  | { kind: 'narrow'; node: number; index: number; parent: PartitionDesc; startIndex?: number }
  | { kind: 'union'; node: number; index: number; parent: PartitionDesc }
  | { kind: 'coalesce'; node: number; index: number; parents: PartitionDesc[] }
  | { kind: 'cartesian'; node: number; index: number; left: PartitionDesc; right: PartitionDesc }
  | { kind: 'zipped'; node: number; index: number; parents: PartitionDesc[] }
  | { kind: 'shuffled'; node: number; index: number; blocks: ShuffleBlockRef[] }
  | { kind: 'cogrouped'; node: number; index: number; inputs: CoGroupInput[] }
  | { kind: 'checkpointFile'; node: number; index: number; path: string }
  | { kind: 'cached'; node: number; index: number; block: BlockRef; fallback: PartitionDesc };

/**
 * A file read whole: `name` is the record's key as the user named the file (a local path or an
 * `s3://` URL), `path` the local file the worker reads (task staging rewrites it to a copy).
 */
export interface WholeFile {
  name: string;
  path: string;
}

export type CoGroupInput =
  { kind: 'shuffle'; blocks: ShuffleBlockRef[] } | { kind: 'narrow'; parent: PartitionDesc };

/**
 * One map output's part for one reduce partition: a byte range of a file, or `missing` when
 * the tracker has no output for that map (lost, or unregistered after a fetch failure). A
 * reader that meets `missing` reports a fetch failure, never an empty read.
 */
export type ShuffleBlockRef = ShuffleBlockRange | MissingMapOutput;

/** Frames in [start, end) of a shuffle file, whose bytes have crc32 `checksum`. */
export interface ShuffleBlockRange {
  kind: 'range';
  shuffleId: number;
  mapIndex: number;
  reduceIndex: number;
  path: string;
  start: number;
  end: number;
  /** crc32 of the whole range, frame headers included (Spark's shuffle checksums, SPARK-35275). */
  checksum: number;
  /** The codec the map side wrote the file with (StageOutput shuffleMap codec). */
  codec: Codec;
}

export interface MissingMapOutput {
  kind: 'missing';
  shuffleId: number;
  mapIndex: number;
  reduceIndex: number;
}

/** Where a cached partition lives; any worker can read either. */
export type BlockRef =
  | { kind: 'memory'; blockId: string; buffer: SharedArrayBuffer; codec: Codec }
  | { kind: 'disk'; blockId: string; path: string };

/** What a result task computes from its partition's records (Spark's runJob func). */
export type ResultAction =
  /** countByKey: countByValue of the keys of [k, v] records, each checked as a pair. */
  | { kind: 'collect' | 'count' | 'countByValue' | 'countByKey' | 'drain' }
  | { kind: 'take'; n: number }
  | { kind: 'reduce'; f: FunctionPlan }
  /**
   * `numbersFor`: set by the numeric actions (rdd.sum, rdd.stats, ...), the method the user
   * called; every record must then be a number, and one that is not is refused naming it.
   */
  | { kind: 'aggregate'; zero: unknown; seqOp: FunctionPlan; numbersFor?: string }
  | { kind: 'foreach' | 'foreachPartition'; f: FunctionPlan }
  /** The n smallest by `order`, descending when `reverse`. */
  | { kind: 'takeOrdered'; n: number; order: OrderPlan; reverse: boolean }
  /** Reservoir sample of the keys of [k, v] records, for RangePartitioner bounds. */
  | { kind: 'sampleKeys'; size: number; seed: number }
  /** Values of [k, v] records whose key equals `key` by value. */
  | { kind: 'lookup'; key: unknown }
  /** Writes `part-NNNNN` into dir (a temp dir the main thread renames when complete). */
  | { kind: 'saveAsTextFile'; dir: string; compression?: TextCompression }
  /** Writes `part-NNNNN` as a checksummed part file (records as they are) into dir. */
  | { kind: 'saveAsObjectFile'; dir: string }
  /** countApproxDistinct: the partition's 2^p HyperLogLog registers. */
  | { kind: 'hllRegisters'; p: number };

/** saveAsTextFile's codec: gzip parts are named `part-NNNNN.gz`, as Hadoop's GzipCodec. */
export type TextCompression = 'gzip';

/** What the stage's tasks produce. */
export type StageOutput =
  | { kind: 'result'; action: ResultAction }
  | {
      kind: 'shuffleMap';
      shuffleId: number;
      partitioner: PartitionerPlan;
      /** Map-side combine when set (reduceByKey & co.). */
      combine?: AggregatorPlan;
      /**
       * Each record r is the pair [r, null] (distinct): the map side writes it so without a
       * narrow step building the pair first.
       */
      recordsAreKeys?: true;
      codec: Codec;
      /**
       * Bytes of each map task's frames stored raw before the codec applies: a small shuffle
       * of local mode is read back from the page cache, where compressing it is CPU for
       * nothing; past it (a shuffle that may reach the disk) and in cluster mode or with
       * `storage` (0: bytes travel), frames compress as `codec` says.
       */
      rawFirstBytes: number;
      /** Buffered records (distinct keys when combining) before a map task spills to a file. */
      spillRecords: number;
    };

export interface StagePlan {
  planId: string;
  stageId: number;
  rootNode: number;
  nodes: PlanNode[];
  output: StageOutput;
  /** Scratch directory for shuffle output and disk blocks. */
  localDir: string;
  /** What a task may hold before it spills; absent: derived from the worker's own heap. */
  memory?: TaskMemory;
}

/**
 * The estimated bytes of records a task may hold for sorting or aggregating before it spills
 * sorted runs to localDir (Spark's ExternalSorter / ExternalAppendOnlyMap threshold).
 */
export interface TaskMemory {
  budgetBytes: number;
  /** The heap limit in force, for messages. */
  workerMemoryMb: number;
}

/** SerializedError.code of a task whose worker thread ran out of heap (Node's own code). */
export const WORKER_OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

export interface TaskRequest {
  kind: 'task';
  planId: string;
  stageId: number;
  partitionIndex: number;
  /** Unique across the context: names temp files of this attempt. */
  taskId: number;
  attempt: number;
  desc: PartitionDesc;
}

/**
 * Several tiny tasks in one message, answered by a TaskResult[] in the same
 * order: a worker round trip costs more than a task of a few records.
 */
export interface TaskBatch {
  kind: 'batch';
  tasks: TaskRequest[];
}

/** One file of a map output: reduce partition r is bytes [offsets[r], offsets[r + 1]). */
export interface ShuffleFileIndex {
  path: string;
  offsets: number[];
  /** crc32 of each reduce partition's bytes, checked by the reader (SPARK-35275). */
  checksums: number[];
}

export interface MapStatus extends ShuffleFileIndex {
  shuffleId: number;
  mapIndex: number;
  /** Earlier files of the same map task, written when its buffer filled (same layout). */
  spills?: ShuffleFileIndex[];
}

export interface CheckpointPartStats {
  rddId: number;
  partitionIndex: number;
  records: number;
  bytes: number;
  crc32: number;
  /** Frame payloads before compression; absent when another attempt's file was kept. */
  rawBytes?: number;
}

export interface BlockWritten {
  blockId: string;
  node: number;
  level: StorageLevelName;
  records: number;
  /** Memory levels: the serialized frames, shared with the main thread. */
  buffer?: SharedArrayBuffer;
  /** DISK_ONLY: the committed file. */
  path?: string;
  bytes: number;
}

export interface TaskMetrics {
  durationMs: number;
  /** Records the stage's root produced. */
  recordsRead: number;
  /** The worker thread that ran the attempt (worker_threads.threadId). */
  threadId: number;
  /** Cluster mode: the `kindling worker` process (its --name) whose thread ran the attempt. */
  executor?: string;
  /** Wall-clock launch and finish, epoch ms (performance.timeOrigin + now()). */
  launchTime: number;
  finishTime: number;
  /**
   * CPU time of the worker thread, only where Node can tell it per thread
   * (process.threadCpuUsage, Node >= 23.9). Node 20's process.cpuUsage() is the whole
   * process's, so on Node 20 the field is absent rather than wrong.
   */
  cpuTimeMs?: number;
  /** GC pauses (PerformanceObserver 'gc') that started during the task and were reported before it ended. */
  gcTimeMs: number;
  /** Input bytes: textFile ranges and checkpoint files read by the task. */
  bytesRead: number;
  /** Output of saveAsTextFile: records and bytes written. */
  recordsWritten: number;
  bytesWritten: number;
  shuffleReadRecords: number;
  /** Bytes of the shuffle blocks fetched (frame ranges of map outputs). */
  shuffleReadBytes: number;
  shuffleWriteRecords: number;
  shuffleWriteBytes: number;
  /** Bytes spilled to disk before the task's final output (map-side spill files). */
  spillBytes: number;
  /** Bytes of reliable-checkpoint part files the task wrote. */
  checkpointBytes: number;
  /** Bytes of cached blocks the task stored (memory or disk). */
  cachedBytes: number;
}

/**
 * TaskMetrics' additive counters of what an attempt read and wrote: stages and jobs sum them
 * over successful attempts (scheduler/metrics-totals.ts), so the list is written once here.
 */
export const TASK_IO_COUNTERS = [
  'recordsRead',
  'bytesRead',
  'recordsWritten',
  'bytesWritten',
  'shuffleReadRecords',
  'shuffleReadBytes',
  'shuffleWriteRecords',
  'shuffleWriteBytes',
  'spillBytes',
  'checkpointBytes',
  'cachedBytes',
] as const satisfies readonly (keyof TaskMetrics)[];

export type TaskIoCounter = (typeof TASK_IO_COUNTERS)[number];

export interface TaskSideOutputs {
  accumulators: { id: number; delta: number }[];
  /** Custom accumulators the task added to: its value of each (absent: none). */
  customAccumulators?: { id: number; value: unknown }[];
  checkpoints: CheckpointPartStats[];
  blocks: BlockWritten[];
  /** Blocks named in the request that the worker found missing or damaged (recomputed). */
  lostBlocks: string[];
}

export type TaskResult =
  | {
      kind: 'success';
      /** Result stage: the function's value, encoded with the record codec. */
      value?: Uint8Array;
      mapStatus?: MapStatus;
      side: TaskSideOutputs;
      metrics: TaskMetrics;
    }
  /** rddId: the plan node whose function (or read) threw, when the worker can tell. */
  | {
      kind: 'failure';
      error: SerializedError;
      side: TaskSideOutputs;
      rddId?: number;
      /** What the attempt did before it failed (absent from workers older than this field). */
      metrics?: TaskMetrics;
    }
  /** path: the map output file that failed to read; absent when the output was missing. */
  | {
      kind: 'fetchFailed';
      shuffleId: number;
      mapIndex: number;
      path?: string;
      error: SerializedError;
      metrics?: TaskMetrics;
    };

/** An error rebuilt on the main thread with its name, message, stack and code. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** A KindlingError raised in the worker keeps its code and context. */
  kindling?: { code: string; context: Record<string, unknown> };
}

/**
 * The control plane the main thread exposes to workers over comlink. Cluster mode's worker
 * process answers from Redis, hence the promises (comlink awaits them).
 */
export interface ControlApi {
  getPlan(planId: string): StagePlan | Promise<StagePlan>;
  getBroadcast(id: number): unknown;
}

export const CONTROL_PORT_MESSAGE = 'kindling.control-port';

/**
 * Environment variable a `kindling worker` process sets to its name before it starts its
 * worker threads, which copy the environment: task metrics then name the machine.
 */
export const EXECUTOR_NAME_ENV = 'KINDLING_EXECUTOR_NAME';
