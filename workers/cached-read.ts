// Reading a cached partition (Spark's BlockManager.getOrElseUpdate, the get half): frames from a
// memory block's SharedArrayBuffer or a disk block file. A block that is missing or damaged is
// reported in side.lostBlocks and the partition is recomputed from lineage instead; if the
// damage shows only after some batches went downstream, the recomputation skips that many
// records (partitions are deterministic, as Spark's recomputation also assumes).

import { rmSync } from 'node:fs';
import { decodeFramesFromBuffer } from '../src/shared/format/frames.js';
import { readPartFile } from '../src/shared/format/part-file.js';
import type { BlockRef, PartitionDesc } from '../src/shared/protocol.js';
import type { Batches } from './batch.js';
import type { TaskContext } from './task-context.js';

type CachedDesc = Extract<PartitionDesc, { kind: 'cached' }>;

export function* readCachedPartition(
  ctx: TaskContext,
  desc: CachedDesc,
  recompute: (fallback: PartitionDesc) => Batches,
): Batches {
  let delivered = 0;
  const blockIterator = openBlock(desc.block, desc)[Symbol.iterator]();
  try {
    for (;;) {
      let r: IteratorResult<unknown[]>;
      try {
        r = blockIterator.next();
      } catch {
        break; // the block is lost: recompute below
      }
      if (r.done === true) return;
      delivered += r.value.length;
      yield r.value;
    }
  } finally {
    blockIterator.return?.();
  }
  ctx.side.lostBlocks.push(desc.block.blockId);
  // Part files publish without clobbering: a damaged disk block must go for the recomputed
  // partition (re-persisted under the same name) to replace it.
  if (desc.block.kind === 'disk') rmSync(desc.block.path, { force: true });
  let skip = delivered;
  for (const batch of recompute(desc.fallback)) {
    if (skip >= batch.length) {
      skip -= batch.length;
      continue;
    }
    yield skip > 0 ? batch.slice(skip) : batch;
    skip = 0;
  }
}

function* openBlock(block: BlockRef, desc: CachedDesc): Batches {
  const where = { rddId: desc.node, partitionIndex: desc.index };
  if (block.kind === 'memory') {
    yield* decodeFramesFromBuffer(new Uint8Array(block.buffer), block.codec, {
      ...where,
      describe: `memory block ${block.blockId}`,
    });
  } else {
    yield* readPartFile(block.path, { ...where, path: block.path });
  }
}
