// The sinks tees write into: a persisted partition as a memory block (frames in a
// SharedArrayBuffer the main thread keeps) or a disk block (a part file under localDir), and a
// reliable-checkpoint part file. Each commit records what it wrote in the task's side outputs.

import path from 'node:path';
import { ensureDirectory } from '../src/shared/io-errors.js';
import { decodeFramesFromBuffer, encodeFrame } from '../src/shared/format/frames.js';
import { PartFileWriter, verifyPartFile } from '../src/shared/format/part-file.js';
import type { Codec } from '../src/shared/format/frames.js';
import type { StorageLevelName } from '../src/shared/protocol.js';
import { formatBlockId } from '../src/shared/block-id.js';
import { attemptTag, partFileName } from '../src/shared/file-names.js';
import { BATCH_SIZE } from './batch.js';
import type { TaskContext } from './task-context.js';
import { BatchFill } from './batch-bytes.js';
import type { BatchSink } from './tee.js';

// Cached blocks are not compressed, as Spark's spark.rdd.compress defaults to false: they are
// read back soon, often by another worker, and encoding already dominates their cost.
const BLOCK_CODEC: Codec = 'none';

/** The tag of this task attempt's temp files, the one the main thread cleans up by. */
export function taskAttemptTag(ctx: TaskContext): string {
  return attemptTag(ctx.info.taskId, ctx.info.attempt);
}

export function blockSink(
  ctx: TaskContext,
  node: number,
  partitionIndex: number,
  level: Exclude<StorageLevelName, 'NONE'>,
): BatchSink {
  return level === 'DISK_ONLY'
    ? diskBlockSink(ctx, node, partitionIndex)
    : memoryBlockSink(ctx, node, partitionIndex, level);
}

function memoryBlockSink(
  ctx: TaskContext,
  node: number,
  partitionIndex: number,
  level: StorageLevelName,
): BatchSink {
  // A frame per full batch: about twice as fast as BatchingFrameEncoder's re-cut into 256 KiB
  // frames (10M numbers, 300-500 vs 800 ms); small batches (after a filter) are pooled first.
  let frames: Buffer[] = [];
  let pending: unknown[] = [];
  const fill = new BatchFill();
  let records = 0;
  let bytes = 0;
  const emit = (batch: unknown[]): void => {
    const frame = encodeFrame(batch, BLOCK_CODEC);
    frames.push(frame);
    records += batch.length;
    bytes += frame.length;
  };
  return {
    write(batch) {
      if (pending.length === 0 && batch.length >= BATCH_SIZE / 2) return emit(batch);
      for (const x of batch) {
        pending.push(x);
        // Pooled up to BATCH_SIZE records, fewer large ones (batch-bytes.ts).
        if (fill.full(pending)) {
          emit(pending);
          pending = [];
        }
      }
    },
    commit() {
      if (pending.length > 0) emit(pending);
      pending = [];
      const buffer = new SharedArrayBuffer(bytes);
      const view = new Uint8Array(buffer);
      let offset = 0;
      for (const frame of frames) {
        view.set(frame, offset);
        offset += frame.length;
      }
      frames = [];
      const blockId = formatBlockId(node, partitionIndex);
      ctx.side.blocks.push({ blockId, node, level, records, buffer, bytes });
    },
    abort() {
      frames = [];
      pending = [];
    },
    *replay() {
      if (pending.length > 0) emit(pending);
      pending = [];
      const where = {
        rddId: node,
        partitionIndex,
        describe: `block ${formatBlockId(node, partitionIndex)}`,
      };
      for (const frame of frames) yield* decodeFramesFromBuffer(frame, BLOCK_CODEC, where);
    },
  };
}

function diskBlockSink(ctx: TaskContext, node: number, partitionIndex: number): BatchSink {
  const blockId = formatBlockId(node, partitionIndex);
  const dir = path.join(ctx.localDir, 'blocks');
  ensureDirectory(dir, 'cache block directory');
  const finalPath = path.join(dir, blockId);
  // A disk cache block is scratch (recomputed from lineage if lost): no fdatasync.
  const writer = new PartFileWriter(finalPath, BLOCK_CODEC, taskAttemptTag(ctx), {
    durable: false,
    what: 'the cache block',
  });
  return {
    write: (batch) => writer.write(batch),
    commit() {
      const stats = writer.commit();
      ctx.side.blocks.push({
        blockId,
        node,
        level: 'DISK_ONLY',
        records: stats.records,
        path: finalPath,
        bytes: stats.bytes,
      });
    },
    abort: () => writer.abort(),
  };
}

export function checkpointSink(
  ctx: TaskContext,
  node: number,
  partitionIndex: number,
  checkpoint: { dir: string; codec: Codec },
): BatchSink {
  ensureDirectory(checkpoint.dir, 'checkpoint directory');
  const finalPath = path.join(checkpoint.dir, partFileName(partitionIndex));
  const writer = new PartFileWriter(finalPath, checkpoint.codec, taskAttemptTag(ctx), {
    what: 'the checkpoint part',
  });
  return {
    write: (batch) => writer.write(batch),
    commit() {
      const commit = writer.commit();
      // Another attempt committed first and its file was kept: the manifest must
      // describe that file, which may differ (a non-deterministic partition).
      if (commit.finalExisted) {
        const kept = verifyPartFile(finalPath, { path: finalPath, rddId: node, partitionIndex });
        const { records, bytes, crc32 } = kept;
        ctx.side.checkpoints.push({ rddId: node, partitionIndex, records, bytes, crc32 });
      } else {
        const { records, bytes, crc32, rawBytes } = commit;
        ctx.side.checkpoints.push({ rddId: node, partitionIndex, records, bytes, crc32, rawBytes });
      }
    },
    abort: () => writer.abort(),
  };
}
