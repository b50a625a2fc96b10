// Reading a reduce partition's shuffle blocks (Spark's ShuffleBlockFetcherIterator, local
// files only). Every block is checked as it is read: each frame by its own crc, and the
// block's whole byte range, frame headers included, against the crc32 the map side recorded
// (SPARK-35275). A missing map output, a missing or short file, or any mismatch becomes a
// FetchFailedError naming shuffle and map, so the scheduler recomputes that map output.

import { readFramesChecked } from '../src/shared/format/frames.js';
import type { ShuffleBlockRange, ShuffleBlockRef } from '../src/shared/protocol.js';
import { rethrowing, type Batches } from './batch.js';
import type { TaskContext } from './task-context.js';
import { FetchFailedError } from './task-errors.js';

export function* readShuffleBlocks(blocks: readonly ShuffleBlockRef[]): Batches {
  for (const block of blocks) {
    if (block.kind === 'missing') {
      throw new FetchFailedError(block, 'the map output is missing (lost, not yet recomputed)');
    }
    yield* readShuffleBlock(block);
  }
}

export function* readShuffleBlock(block: ShuffleBlockRange): Batches {
  if (block.end <= block.start) return; // an empty range: nothing was written for this reducer
  const where = { path: block.path, partitionIndex: block.reduceIndex };
  const { path, codec, start, end, checksum } = block;
  const frames = readFramesChecked(path, codec, start, end, checksum, where);
  yield* rethrowing(frames, (e) => new FetchFailedError(block, e));
}

/** TaskMetrics' shuffle read: the blocks' byte ranges and the records they decode to. */
export function* countShuffleRead(
  ctx: TaskContext,
  blocks: readonly ShuffleBlockRef[],
  input: Batches,
): Batches {
  for (const b of blocks) if (b.kind === 'range') ctx.counters.shuffleReadBytes += b.end - b.start;
  for (const batch of input) {
    ctx.counters.shuffleReadRecords += batch.length;
    yield batch;
  }
}
