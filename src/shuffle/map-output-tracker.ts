// MapOutputTracker: where each map task of each shuffle left its output file,
// and the byte range of every reduce partition in it. A missing output is
// handed to readers as a block with no path, so they report a fetch failure and
// the scheduler recomputes it (Spark's MetadataFetchFailedException).

import fs from 'node:fs';
import type { Codec } from '../format/frames.js';
import type { MapStatus, ShuffleBlockRef } from '../protocol.js';

interface ShuffleOutputs {
  numMaps: number;
  codec: Codec;
  statuses: (MapStatus | undefined)[];
}

export class MapOutputTracker {
  private readonly shuffles = new Map<number, ShuffleOutputs>();

  registerShuffle(shuffleId: number, numMaps: number, codec: Codec): void {
    if (!this.shuffles.has(shuffleId)) {
      this.shuffles.set(shuffleId, {
        numMaps,
        codec,
        statuses: new Array<MapStatus | undefined>(numMaps),
      });
    }
  }

  registerMapOutput(status: MapStatus): void {
    const outputs = this.shuffles.get(status.shuffleId);
    if (outputs === undefined) return;
    const old = outputs.statuses[status.mapIndex];
    if (old !== undefined && old.path !== status.path)
      filesOf(old).forEach((f) => removeFile(f.path));
    outputs.statuses[status.mapIndex] = status;
  }

  unregisterMapOutput(shuffleId: number, mapIndex: number): void {
    const outputs = this.shuffles.get(shuffleId);
    const old = outputs?.statuses[mapIndex];
    if (outputs === undefined || old === undefined) return;
    filesOf(old).forEach((f) => removeFile(f.path));
    outputs.statuses[mapIndex] = undefined;
  }

  missingMaps(shuffleId: number): number[] {
    const outputs = this.shuffles.get(shuffleId);
    if (outputs === undefined) return [];
    const missing: number[] = [];
    for (let i = 0; i < outputs.numMaps; i++)
      if (outputs.statuses[i] === undefined) missing.push(i);
    return missing;
  }

  isRegistered(shuffleId: number): boolean {
    return this.shuffles.has(shuffleId);
  }

  blocksFor(shuffleId: number, reduceIndex: number): ShuffleBlockRef[] {
    const outputs = this.shuffles.get(shuffleId);
    if (outputs === undefined) return [];
    const blocks: ShuffleBlockRef[] = [];
    for (let mapIndex = 0; mapIndex < outputs.numMaps; mapIndex++) {
      const s = outputs.statuses[mapIndex];
      if (s === undefined) {
        // Missing output: a block with no path makes the reader report a fetch failure.
        blocks.push({
          shuffleId,
          mapIndex,
          reduceIndex,
          path: '',
          start: 0,
          end: 0,
          codec: outputs.codec,
        });
        continue;
      }
      for (const file of filesOf(s)) {
        const start = file.offsets[reduceIndex] ?? 0;
        const end = file.offsets[reduceIndex + 1] ?? 0;
        if (start === end) continue; // nothing for this reducer
        blocks.push({
          shuffleId,
          mapIndex,
          reduceIndex,
          path: file.path,
          start,
          end,
          codec: outputs.codec,
        });
      }
    }
    return blocks;
  }

  /** Forget a shuffle and delete its files: no job can read it any more. */
  removeShuffle(shuffleId: number): void {
    const outputs = this.shuffles.get(shuffleId);
    if (outputs === undefined) return;
    for (const s of outputs.statuses)
      if (s !== undefined) filesOf(s).forEach((f) => removeFile(f.path));
    this.shuffles.delete(shuffleId);
  }

  removeAll(): void {
    for (const id of [...this.shuffles.keys()]) this.removeShuffle(id);
  }
}

/** Every file of one map output: the spills first (they hold the earlier records), then the last. */
function filesOf(status: MapStatus): { path: string; offsets: number[] }[] {
  return [...(status.spills ?? []), { path: status.path, offsets: status.offsets }];
}

function removeFile(path: string): void {
  fs.rmSync(path, { force: true });
}
