// Checkpoint marks and their completion. Workers write a marked RDD's part
// files while the first job that computes it runs (no second computation);
// after the job, partitions that job did not compute (take, first) are computed
// once by a follow-up job, then the manifest commits the directory and the
// lineage is cut. Local checkpoints do the same with cached blocks.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import type { Codec } from '../shared/format/frames.js';
import type { CheckpointPartStats } from '../shared/protocol.js';
import { RDD } from '../rdd/rdd.js';
import { checkpointTargets } from '../scheduler/lineage.js';
import { partFileName, type CheckpointTargets } from '../scheduler/plan-builder.js';
import { assertDirectoryPossible, ensureDirectory } from '../shared/io-errors.js';
import { StorageLevel, transformStorageLevel } from '../storage/storage-level.js';
import { LocalCheckpointData, ReliableCheckpointData } from './checkpoint-data.js';
import { LocalCheckpointRDD, ReliableCheckpointRDD } from './checkpoint-rdds.js';
import { commitCheckpoint, MANIFEST_FORMAT_VERSION, type CheckpointManifest } from './manifest.js';
import { storeFor } from '../storage/stores.js';
import { localPath } from '../storage/local-path.js';
import { isS3Url, joinStoragePath } from '../storage/storage-url.js';

export interface CheckpointWrittenEvent {
  rddId: number;
  partitions: number;
  records: number;
  bytes: number;
  durationMs: number;
  /** The checkpoint directory and its codec (for the event log and the UI). */
  path?: string;
  codec?: Codec;
  /**
   * Bytes of the frames before compression, when every part reported them (a part kept from
   * another attempt does not): bytes / rawBytes is the compression ratio.
   */
  rawBytes?: number;
}

/** What the manager needs from the Context. */
export interface CheckpointHost {
  readonly contextId: string;
  readonly codec: Codec;
  readonly allMarkedAncestors: boolean;
  /** Runs a job that computes `partitions` of `rdd` and keeps nothing (the tee writes). */
  drain(rdd: RDD<unknown>, partitions: number[]): Promise<void>;
  hasBlock(rddId: number, index: number): boolean;
  onCheckpointWritten(e: CheckpointWrittenEvent): void;
}

export class CheckpointManager {
  private root: string | undefined;
  private readonly marked = new Map<number, ReliableCheckpointData>();
  private readonly firstWriteAt = new Map<number, number>();
  private readonly completing = new Map<number, Promise<void>>();

  constructor(private readonly host: CheckpointHost) {}

  /** Spark's setCheckpointDir: a fresh <dir>/<contextId>/ for this context. */
  /** `argument` names dir in errors: ctx.setCheckpointDir dir, options.checkpointDir. */
  setDir(value: unknown, argument: string): void {
    const dir = localPath(value, argument, { expected: 'a directory path', s3: true });
    if (isS3Url(dir)) {
      // S3 has no directories: objects appear under the prefix as parts are written.
      this.root = joinStoragePath(dir, this.host.contextId);
      return;
    }
    assertDirectoryPossible(argument, dir);
    const root = path.join(dir, this.host.contextId);
    ensureDirectory(root, 'checkpoint directory');
    this.root = root;
  }

  get dir(): string | undefined {
    return this.root;
  }

  mark(rdd: RDD<unknown>): void {
    if (this.root === undefined) throw errors.checkpointDirNotSet(rdd.id, rdd.name);
    // The first mark wins, and a checkpoint RDD is already data (Spark's RDD.checkpoint).
    if (rdd.checkpointData !== undefined || rdd.impl instanceof ReliableCheckpointRDD) return;
    const data = new ReliableCheckpointData(
      joinStoragePath(this.root, `rdd-${rdd.id}`),
      this.host.codec,
    );
    rdd.checkpointData = data;
    this.marked.set(rdd.id, data);
  }

  /** Spark's localCheckpoint: upgrade the storage level, then mark (unless already checkpointed). */
  markLocal(rdd: RDD<unknown>): void {
    // A checkpoint RDD is already data: Spark's CheckpointRDD.localCheckpoint returns this.
    if (rdd.impl instanceof ReliableCheckpointRDD) return;
    const level =
      rdd.storageLevel === StorageLevel.NONE
        ? StorageLevel.MEMORY_AND_DISK
        : transformStorageLevel(rdd.storageLevel);
    if (rdd.checkpointData?.state === 'checkpointed') {
      // Spark's RDD.localCheckpoint: the level is still upgraded (allowOverride) when the checkpoint is kept.
      rdd.storageLevel = level;
      return;
    }
    if (rdd.checkpointData?.kind === 'reliable') this.marked.delete(rdd.id);
    rdd.checkpointData = new LocalCheckpointData();
    rdd.persist(level);
  }

  targetsFor(rdd: RDD<unknown>): CheckpointTargets {
    const targets: CheckpointTargets = new Map();
    for (const t of checkpointTargets(rdd, this.host.allMarkedAncestors)) {
      if (t.checkpointData?.kind === 'reliable') {
        if (!isS3Url(t.checkpointData.dir))
          ensureDirectory(t.checkpointData.dir, 'checkpoint directory');
        targets.set(t.id, { dir: t.checkpointData.dir, codec: t.checkpointData.codec });
      }
    }
    return targets;
  }

  recordPart(stats: CheckpointPartStats): void {
    const data = this.marked.get(stats.rddId);
    if (data === undefined || data.state !== 'marked') return;
    data.parts.set(stats.partitionIndex, stats);
    if (!this.firstWriteAt.has(stats.rddId)) this.firstWriteAt.set(stats.rddId, performance.now());
  }

  /** After a job on `rdd`: finish and commit every checkpoint the job was due to write, parents first. */
  async completeAfterJob(rdd: RDD<unknown>): Promise<void> {
    const targets = checkpointTargets(rdd, this.host.allMarkedAncestors).reverse();
    for (const target of targets) await this.complete(target);
  }

  /** Completes one RDD's checkpoint once, however many jobs finish with it concurrently. */
  private async complete(rdd: RDD<unknown>): Promise<void> {
    const running = this.completing.get(rdd.id);
    if (running !== undefined) return running;
    const data = rdd.checkpointData;
    if (data === undefined || data.state !== 'marked') return;
    const run =
      data.kind === 'reliable' ? this.completeReliable(rdd, data) : this.completeLocal(rdd, data);
    this.completing.set(rdd.id, run);
    try {
      await run;
    } finally {
      this.completing.delete(rdd.id);
    }
  }

  private async completeReliable(rdd: RDD<unknown>, data: ReliableCheckpointData): Promise<void> {
    const n = rdd.getNumPartitions();
    const missing = range(n).filter((i) => !data.parts.has(i));
    if (missing.length > 0) await this.host.drain(rdd, missing);
    const stillMissing = range(n).filter((i) => !data.parts.has(i));
    if (stillMissing.length > 0) {
      throw errors.checkpointCorrupt(
        joinStoragePath(data.dir, partFileName(stillMissing[0] ?? 0)),
        'the partition was not written',
      );
    }
    const parts = range(n).map((i) => data.parts.get(i) as CheckpointPartStats);
    // A custom partitioner is a function of this program, not data: the RDD object keeps it,
    // while a checkpoint reopened by another program has none (Spark would need its class).
    const partitioner = rdd.partitioner?.kind === 'custom' ? undefined : rdd.partitioner;
    const records = parts.reduce((a, p) => a + p.records, 0);
    const bytes = parts.reduce((a, p) => a + p.bytes, 0);
    const rawBytes = parts.every((p) => p.rawBytes !== undefined)
      ? parts.reduce((a, p) => a + (p.rawBytes ?? 0), 0)
      : undefined;
    const manifest: CheckpointManifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      rddId: rdd.id,
      rddName: rdd.name ?? null,
      numPartitions: n,
      codec: data.codec,
      createdAt: new Date().toISOString(),
      hasPartitioner: partitioner !== undefined,
      records,
      bytes,
      parts: parts.map((p) => ({
        index: p.partitionIndex,
        file: partFileName(p.partitionIndex),
        records: p.records,
        bytes: p.bytes,
        crc32: p.crc32,
      })),
    };
    await commitCheckpoint(data.dir, manifest, partitioner?.toPlan());
    data.markCheckpointed(
      new RDD(rdd.context, new ReliableCheckpointRDD(data.dir, n, rdd.partitioner)),
    );
    this.marked.delete(rdd.id);
    const started = this.firstWriteAt.get(rdd.id) ?? performance.now();
    this.firstWriteAt.delete(rdd.id);
    this.host.onCheckpointWritten({
      rddId: rdd.id,
      partitions: n,
      records,
      bytes,
      durationMs: performance.now() - started,
      path: data.dir,
      codec: data.codec,
      ...(rawBytes === undefined ? {} : { rawBytes }),
    });
  }

  private async completeLocal(rdd: RDD<unknown>, data: LocalCheckpointData): Promise<void> {
    const missing = range(rdd.getNumPartitions()).filter((i) => !this.host.hasBlock(rdd.id, i));
    if (missing.length > 0) await this.host.drain(rdd, missing);
    data.markCheckpointed(new RDD(rdd.context, new LocalCheckpointRDD(rdd)));
  }

  /** cleanCheckpoints: remove this context's directory (or S3 prefix) at stop(). */
  async removeAll(): Promise<void> {
    if (this.root === undefined) return;
    if (isS3Url(this.root)) await storeFor(this.root).removeAll(this.root);
    else fs.rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * At stop(), once no worker is left: removes the temp files of attempts that
   * never finished (a worker terminated when its job was cancelled or failed
   * cannot abort its own writers). Committed parts and manifests stay.
   */
  removeTempFiles(): void {
    // On S3 nothing is written under a temp name: parts are uploaded whole once complete.
    if (this.root === undefined || isS3Url(this.root) || !fs.existsSync(this.root)) return;
    for (const rddDir of fs.readdirSync(this.root)) {
      const dir = path.join(this.root, rddDir);
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (isAttemptTempFile(name)) fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  }
}

/** `.part-NNNNN.<attempt tag>.tmp` (PartFileWriter) or `._manifest.json.<pid>.tmp` (writeFileAtomic). */
function isAttemptTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
