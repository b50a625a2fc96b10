// Opening a reliable checkpoint on S3 (`ctx.checkpointFile('s3://bucket/prefix/rdd-3')`): the
// same format and rule as a directory (checkpoint-reader.ts): the manifest is the commit, and
// exactly its part objects must be there, with the recorded sizes and trailers. The reads are
// synchronous (the RDD's partition count is the manifest's), through sync-bridge.ts.

import { errors } from '../shared/errors.js';
import {
  PART_FILE_TRAILER_BYTES,
  PART_FILE_TRAILER_MAGIC,
} from '../shared/format/part-file-layout.js';
import { syncReaderFor } from '../storage/stores.js';
import { localPath } from '../storage/local-path.js';
import { isS3Url, joinStoragePath } from '../storage/storage-url.js';
import { ReliableCheckpointRDD } from './checkpoint-rdds.js';
import {
  openCheckpoint,
  parseManifest,
  partitionerFromText,
  type OpenedCheckpoint,
} from './checkpoint-reader.js';
import { MANIFEST_FILE, PARTITIONER_FILE, type CheckpointManifest } from './manifest.js';

/** A checkpoint directory or `s3://` prefix, opened and checked; `argument` names it in errors. */
export function openCheckpointAt(input: unknown, argument = 'path'): OpenedCheckpoint {
  const dir = localPath(input, argument, { expected: 'a checkpoint directory', s3: true });
  return isS3Url(dir) ? openRemoteCheckpoint(dir) : openCheckpoint(dir);
}

function openRemoteCheckpoint(url: string): OpenedCheckpoint {
  const reader = syncReaderFor(url);
  const manifestUrl = joinStoragePath(url, MANIFEST_FILE);
  const got = reader.read(manifestUrl);
  if (got.kind === 'missing') {
    throw errors.checkpointNotFound(
      url,
      `it has no ${MANIFEST_FILE} (nothing there, or an unfinished or interrupted checkpoint)`,
    );
  }
  const manifest = parseManifest(got.bytes.toString('utf8'), manifestUrl);
  checkPartObjects(url, manifest);
  const opened: OpenedCheckpoint = {
    impl: new ReliableCheckpointRDD(url, manifest.numPartitions, undefined),
    manifest,
  };
  if (!manifest.hasPartitioner) return opened;
  const file = joinStoragePath(url, PARTITIONER_FILE);
  const text = reader.read(file);
  const { partitioner, warning } =
    text.kind === 'missing'
      ? partitionerFromText('', file, manifest)
      : partitionerFromText(text.bytes.toString('utf8'), file, manifest);
  opened.impl = new ReliableCheckpointRDD(url, manifest.numPartitions, partitioner);
  if (warning !== undefined) opened.warning = warning;
  return opened;
}

/** Exactly the manifest's part objects, each of the recorded size, with a trailer that agrees. */
function checkPartObjects(url: string, manifest: CheckpointManifest): void {
  const reader = syncReaderFor(url);
  const sizes = new Map(
    reader
      .list(url)
      .filter((o) => !o.name.includes('/'))
      .map((o) => [o.name, o.size] as const),
  );
  const expected = new Set(manifest.parts.map((p) => p.file));
  for (const name of sizes.keys()) {
    if (name.startsWith('part-') && !expected.has(name)) {
      throw errors.checkpointCorrupt(
        joinStoragePath(url, name),
        `an extra part object: the manifest lists ${manifest.numPartitions} partitions`,
      );
    }
  }
  for (const part of manifest.parts) {
    const file = joinStoragePath(url, part.file);
    const where = { rddId: manifest.rddId, partitionIndex: part.index };
    const size = sizes.get(part.file);
    if (size === undefined)
      throw errors.checkpointCorrupt(file, 'the part object is missing', where);
    if (size !== part.bytes) {
      throw errors.checkpointCorrupt(
        file,
        `the part object has ${size} bytes, the manifest says ${part.bytes}`,
        where,
      );
    }
    const trailer = reader.read(file, { start: size - PART_FILE_TRAILER_BYTES, end: size });
    const records =
      trailer.kind === 'found' &&
      trailer.bytes.length === PART_FILE_TRAILER_BYTES &&
      trailer.bytes.toString('latin1', 0, 4) === PART_FILE_TRAILER_MAGIC
        ? Number(trailer.bytes.readBigUInt64LE(8))
        : undefined;
    if (records !== part.records) {
      throw errors.checkpointCorrupt(
        file,
        records === undefined
          ? 'the part object has no valid trailer'
          : `the part object holds ${records} records, the manifest says ${part.records}`,
        where,
      );
    }
  }
}
