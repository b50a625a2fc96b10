// MapOutputTracker: where each map task of each shuffle left its output files, and
// the byte range and crc32 of every reduce partition in them. A missing output is
// handed to readers as a `missing` block, so they report a fetch failure and the
// scheduler recomputes it (Spark's MetadataFetchFailedException).

import fs from 'node:fs';
import { errors } from '../shared/errors.js';
import type { Codec } from '../shared/format/frames.js';
import type { MapStatus, ShuffleBlockRef, ShuffleFileIndex } from '../shared/protocol.js';

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

  /**
   * Forgets a map output and deletes its files. With `path`, only if that file still belongs
   * to the registered output: a reader that failed on a file already replaced by a
   * recomputation must not throw the new output away (Spark checks the map status epoch).
   */
  unregisterMapOutput(shuffleId: number, mapIndex: number, path?: string): void {
    const outputs = this.shuffles.get(shuffleId);
    const old = outputs?.statuses[mapIndex];
    if (outputs === undefined || old === undefined) return;
    if (path !== undefined && !filesOf(old).some((f) => f.path === path)) return;
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
    // The scheduler registers a shuffle before describing its readers: no data to offer here
    // must not read as an empty shuffle.
    if (outputs === undefined) throw errors.internal(`shuffle ${shuffleId} is not registered`);
    const blocks: ShuffleBlockRef[] = [];
    for (let mapIndex = 0; mapIndex < outputs.numMaps; mapIndex++) {
      const s = outputs.statuses[mapIndex];
      if (s === undefined) {
        blocks.push({ kind: 'missing', shuffleId, mapIndex, reduceIndex });
        continue;
      }
      for (const file of filesOf(s)) {
        const start = file.offsets[reduceIndex] ?? 0;
        const end = file.offsets[reduceIndex + 1] ?? 0;
        if (start === end) continue; // nothing for this reducer
        blocks.push({
          kind: 'range',
          shuffleId,
          mapIndex,
          reduceIndex,
          path: file.path,
          start,
          end,
          checksum: checksumOf(file, reduceIndex),
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

  /** The shuffles still tracked (tests assert that none is left behind). */
  shuffleIds(): number[] {
    return [...this.shuffles.keys()];
  }

  removeAll(): void {
    for (const id of [...this.shuffles.keys()]) this.removeShuffle(id);
  }
}

/** Every file of one map output: the spills first (they hold the earlier records), then the last. */
function filesOf(status: MapStatus): ShuffleFileIndex[] {
  const { path, offsets, checksums } = status;
  return [...(status.spills ?? []), { path, offsets, checksums }];
}

function checksumOf(file: ShuffleFileIndex, reduceIndex: number): number {
  const checksum = file.checksums[reduceIndex];
  if (checksum === undefined) {
    throw errors.internal(`map output ${file.path} has no checksum for reduce ${reduceIndex}`);
  }
  return checksum;
}

function removeFile(path: string): void {
  fs.rmSync(path, { force: true });
}
