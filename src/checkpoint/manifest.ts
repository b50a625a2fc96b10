// _manifest.json: written last into a reliable checkpoint directory, it commits
// the checkpoint. A directory without one is not a checkpoint. It records what a
// reader needs to verify every part file and rebuild the RDD's shape.

import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory, writeFileDurable } from '../storage/durable-file.js';
import { ioError } from '../shared/io-errors.js';
import { storeFor } from '../storage/stores.js';
import { isS3Url, joinStoragePath } from '../storage/storage-url.js';
import type { Codec } from '../shared/format/frames.js';
import type { PartitionerPlan } from '../shared/partitioner-plan.js';

export const MANIFEST_FILE = '_manifest.json';
export const PARTITIONER_FILE = '_partitioner';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestPart {
  index: number;
  file: string;
  records: number;
  bytes: number;
  crc32: number;
}

export interface CheckpointManifest {
  formatVersion: number;
  rddId: number;
  rddName: string | null;
  numPartitions: number;
  codec: Codec;
  createdAt: string;
  /** Whether a _partitioner file was written next to the parts. */
  hasPartitioner: boolean;
  records: number;
  bytes: number;
  parts: ManifestPart[];
}

/** Writes to a temp name and renames: a crash leaves no manifest, so no checkpoint. */
export function writeManifest(dir: string, manifest: CheckpointManifest): void {
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

export function writePartitionerFile(dir: string, plan: PartitionerPlan): void {
  writeFileAtomic(path.join(dir, PARTITIONER_FILE), JSON.stringify(plan, bigintReplacer) + '\n');
}

/**
 * The partitioner file, then the manifest that commits the checkpoint, in a directory or under
 * an `s3://` prefix. On S3 the manifest is written with If-None-Match: *, so a second commit
 * of the same checkpoint can never replace the first (the reader trusts whichever is there).
 */
export async function commitCheckpoint(
  dir: string,
  manifest: CheckpointManifest,
  partitioner: PartitionerPlan | undefined,
): Promise<void> {
  if (!isS3Url(dir)) {
    if (partitioner !== undefined) writePartitionerFile(dir, partitioner);
    writeManifest(dir, manifest);
    return;
  }
  const store = storeFor(dir);
  if (partitioner !== undefined) {
    const text = JSON.stringify(partitioner, bigintReplacer) + '\n';
    await store.write(joinStoragePath(dir, PARTITIONER_FILE), Buffer.from(text));
  }
  const text = JSON.stringify(manifest, null, 2) + '\n';
  await store.write(joinStoragePath(dir, MANIFEST_FILE), Buffer.from(text), { noClobber: true });
}

export function writeFileAtomic(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileDurable(temp, content);
    fs.renameSync(temp, file);
    syncDirectory(path.dirname(file));
  } catch (e) {
    // A full or failing device: the temp file must not linger, and the user sees which file failed.
    fs.rmSync(temp, { force: true });
    throw ioError('write the checkpoint file', file, e);
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $bigint: value.toString() } : value;
}
