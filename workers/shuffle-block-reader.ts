// Reading a reduce partition's shuffle blocks (Spark's ShuffleBlockFetcherIterator, local
// files only). Every block is checked as it is read: each frame by its own crc, and the
// block's whole byte range, frame headers included, against the crc32 the map side recorded
// (SPARK-35275). A missing map output, a missing or short file, or any mismatch becomes a
// FetchFailedError naming shuffle and map, so the scheduler recomputes that map output.
// Blocks are read as record batches, or as pair columns (pair-columns.ts) by the reduce side;
// either way a batch holds at most BATCH_SIZE records, whatever a frame holds (up to 64 k).

import { decodeFrameColumns, scanFramesChecked } from '../src/shared/format/frames.js';
import type { DecodedColumns } from '../src/shared/format/record-codec.js';
import type { ShuffleBlockRange, ShuffleBlockRef } from '../src/shared/protocol.js';
import { BATCH_SIZE, type Batches } from './batch.js';
import { splitPairs, type PairBatches } from './pair-columns.js';
import type { TaskContext } from './task-context.js';
import { FetchFailedError } from './task-errors.js';

export function* readShuffleBlocks(blocks: readonly ShuffleBlockRef[]): Batches {
  for (const block of blocks) {
    if (block.kind === 'missing') throw missingOutput(block);
    yield* readShuffleBlock(block);
  }
}

/**
 * The records of one block, BATCH_SIZE at a time. A pair frame's [key, value] arrays are built
 * a batch at a time as the consumer pulls: a frame's worth of young records alive at once
 * would survive scavenges, and copying them is what a scavenge costs.
 */
export function* readShuffleBlock(block: ShuffleBlockRange): Batches {
  for (const decoded of decodedFrames(block)) {
    if (decoded.kind === 'records') {
      const records = decoded.records;
      if (records.length <= BATCH_SIZE) yield records;
      else
        for (let i = 0; i < records.length; i += BATCH_SIZE) yield records.slice(i, i + BATCH_SIZE);
      continue;
    }
    const { keys, values } = decoded;
    for (let i = 0; i < keys.length; i += BATCH_SIZE) {
      const end = Math.min(keys.length, i + BATCH_SIZE);
      const batch = new Array<[unknown, unknown]>(end - i);
      for (let j = i; j < end; j++) batch[j - i] = [keys[j], values[j]];
      yield batch;
    }
  }
}

/**
 * The blocks' [key, value] records as pair columns, counted as shuffle read (countShuffleRead).
 * A frame that is not a pair column (mixed types, v8 layout) is split record by record, each
 * checked as a pair for `where` outside the fetch-failure wrapping: it is not a fetch failure.
 */
export function* readShufflePairs(
  ctx: TaskContext,
  blocks: readonly ShuffleBlockRef[],
  where: string,
): PairBatches {
  for (const b of blocks) if (b.kind === 'range') ctx.counters.shuffleReadBytes += b.end - b.start;
  for (const block of blocks) {
    if (block.kind === 'missing') throw missingOutput(block);
    for (const decoded of decodedFrames(block)) {
      const columns = decoded.kind === 'pairs' ? decoded : splitPairs(decoded.records, where);
      ctx.counters.shuffleReadRecords += columns.keys.length;
      yield columns;
    }
  }
}

function* decodedFrames(block: ShuffleBlockRange): Generator<DecodedColumns> {
  if (block.end <= block.start) return; // an empty range: nothing was written for this reducer
  const where = { path: block.path, partitionIndex: block.reduceIndex };
  const { path, codec, start, end, checksum } = block;
  const frames = scanFramesChecked(path, codec, start, end, checksum, where);
  // rethrowing's loop, for frames decoded into columns: every reading or decoding error is the
  // map output's fetch failure. Closing this generator closes the file.
  try {
    for (;;) {
      let decoded: DecodedColumns;
      try {
        const r = frames.next();
        if (r.done === true) return;
        decoded = decodeFrameColumns(r.value, where);
      } catch (e) {
        throw new FetchFailedError(block, e);
      }
      yield decoded;
    }
  } finally {
    frames.return(undefined);
  }
}

function missingOutput(block: ShuffleBlockRef): FetchFailedError {
  return new FetchFailedError(block, 'the map output is missing (lost, not yet recomputed)');
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
