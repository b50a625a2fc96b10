// BlockManager: where cached partitions live. Workers serialize a computed
// partition and hand it over (memory levels: a SharedArrayBuffer every worker
// can read; DISK_ONLY: a committed file under localDir). The memory budget is
// kept with LRU: MEMORY_AND_DISK blocks spill to disk, MEMORY_ONLY blocks drop
// and are recomputed from lineage when next needed.

import fs from 'node:fs';
import path from 'node:path';
import type { Codec } from '../shared/format/frames.js';
import type { BlockRef, BlockWritten, StorageLevelName } from '../shared/protocol.js';
import { formatBlockId, parseBlockId } from '../shared/block-id.js';
import { ensureDirectory } from '../shared/io-errors.js';

interface MemoryBlock {
  kind: 'memory';
  buffer: SharedArrayBuffer;
  level: StorageLevelName;
  codec: Codec;
}
interface DiskBlock {
  kind: 'disk';
  path: string;
  level: StorageLevelName;
}
type Block = MemoryBlock | DiskBlock;

export type SpillFn = (buffer: SharedArrayBuffer, codec: Codec, target: string) => void;

export class BlockManager {
  /** Insertion order is LRU order: a read moves a block to the end. */
  private readonly blocks = new Map<string, Block>();
  private memoryUsed = 0;

  constructor(
    private readonly blockDir: string,
    private readonly memoryLimitBytes: number,
    private readonly spill: SpillFn,
    private readonly memoryCodec: Codec,
  ) {}

  get memoryBytes(): number {
    return this.memoryUsed;
  }

  has(rddId: number, index: number): boolean {
    return this.blocks.has(formatBlockId(rddId, index));
  }

  /** The block for a task to read, marking it recently used. */
  getRef(rddId: number, index: number): BlockRef | undefined {
    const blockId = formatBlockId(rddId, index);
    const block = this.blocks.get(blockId);
    if (block === undefined) return undefined;
    this.blocks.delete(blockId);
    this.blocks.set(blockId, block);
    return block.kind === 'memory'
      ? { kind: 'memory', blockId, buffer: block.buffer, codec: block.codec }
      : { kind: 'disk', blockId, path: block.path };
  }

  put(written: BlockWritten): void {
    this.remove(written.blockId);
    if (written.buffer !== undefined) {
      const block: MemoryBlock = {
        kind: 'memory',
        buffer: written.buffer,
        level: written.level,
        codec: this.memoryCodec,
      };
      this.blocks.set(written.blockId, block);
      this.memoryUsed += written.buffer.byteLength;
      this.evict();
    } else if (written.path !== undefined) {
      this.blocks.set(written.blockId, { kind: 'disk', path: written.path, level: written.level });
    }
  }

  /**
   * A worker found the block missing or damaged. Only the entry goes: the
   * worker already deleted a damaged file, and the partition it recomputed may
   * have been persisted again under the same path, reported in the same result.
   */
  markLost(blockId: string): void {
    const block = this.blocks.get(blockId);
    if (block === undefined) return;
    this.blocks.delete(blockId);
    if (block.kind === 'memory') this.memoryUsed -= block.buffer.byteLength;
  }

  removeRdd(rddId: number): void {
    for (const blockId of [...this.blocks.keys()]) {
      if (parseBlockId(blockId)?.rddId === rddId) this.remove(blockId);
    }
  }

  clear(): void {
    for (const blockId of [...this.blocks.keys()]) this.remove(blockId);
  }

  private remove(blockId: string): void {
    const block = this.blocks.get(blockId);
    if (block === undefined) return;
    this.blocks.delete(blockId);
    if (block.kind === 'memory') this.memoryUsed -= block.buffer.byteLength;
    else fs.rmSync(block.path, { force: true });
  }

  private evict(): void {
    for (const [blockId, block] of this.blocks) {
      if (this.memoryUsed <= this.memoryLimitBytes) return;
      if (block.kind !== 'memory') continue;
      this.blocks.delete(blockId);
      this.memoryUsed -= block.buffer.byteLength;
      if (block.level === 'MEMORY_AND_DISK') {
        const target = path.join(this.blockDir, `${blockId}.spill`);
        try {
          ensureDirectory(this.blockDir, 'disk cache directory');
          this.spill(block.buffer, block.codec, target);
        } catch {
          // A full or failing disk: the block is dropped instead, and recomputed from lineage
          // when next needed (Spark's BlockManager drops a block it cannot write, too).
          fs.rmSync(target, { force: true });
          continue;
        }
        this.blocks.set(blockId, { kind: 'disk', path: target, level: block.level });
      }
    }
  }
}
