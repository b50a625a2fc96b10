// StorageLevel: where a persisted RDD keeps its partitions. Kindling stores
// blocks serialized (any worker may read them), so Spark's _SER variants are
// the only ones and are named without the suffix.

import type { StorageLevelName } from '../shared/protocol.js';

export class StorageLevel {
  static readonly NONE = new StorageLevel('NONE', false, false);
  static readonly MEMORY_ONLY = new StorageLevel('MEMORY_ONLY', true, false);
  static readonly MEMORY_AND_DISK = new StorageLevel('MEMORY_AND_DISK', true, true);
  static readonly DISK_ONLY = new StorageLevel('DISK_ONLY', false, true);

  private constructor(
    readonly name: StorageLevelName,
    readonly useMemory: boolean,
    readonly useDisk: boolean,
  ) {}

  static fromName(name: StorageLevelName): StorageLevel {
    return StorageLevel[name];
  }

  isValid(): boolean {
    return this.useMemory || this.useDisk;
  }

  toString(): string {
    return `StorageLevel.${this.name}`;
  }
}

/** Spark's LocalRDDCheckpointData.transformStorageLevel: always add disk. */
export function transformStorageLevel(level: StorageLevel): StorageLevel {
  return level.useMemory ? StorageLevel.MEMORY_AND_DISK : StorageLevel.DISK_ONLY;
}
