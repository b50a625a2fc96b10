// Opening a reliable checkpoint directory written by any context or process:
// the manifest is the commit, so no manifest means no checkpoint. Part files are
// verified frame by frame as workers stream them; here the directory's shape is
// checked: the manifest, exactly its part files, their sizes and trailers.

import fs from 'node:fs';
import path from 'node:path';
import { describeValue, errors } from '../shared/errors.js';
import { errnoOf, ioError, withIo } from '../shared/io-errors.js';
import {
  HashPartitioner,
  PositionPartitioner,
  RangePartitioner,
  type Partitioner,
} from '../rdd/partitioner.js';
import type { PartitionerPlan } from '../shared/partitioner-plan.js';
import { ReliableCheckpointRDD } from './checkpoint-rdds.js';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT_VERSION,
  PARTITIONER_FILE,
  type CheckpointManifest,
  type ManifestPart,
} from './manifest.js';
import { findPartDamage, readTrailerRecords } from './part-damage.js';
import { partFileName } from '../scheduler/plan-builder.js';

export interface OpenedCheckpoint {
  impl: ReliableCheckpointRDD;
  manifest: CheckpointManifest;
  warning?: { message: string; path: string };
}

export function readManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(dir)) throw errors.checkpointNotFound(dir, 'the directory does not exist');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Only a manifest that is not there means no checkpoint; one that is there but cannot be
    // read (EACCES, EISDIR, ...) is said to be so.
    const code = errnoOf(e);
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw ioError('read the checkpoint manifest', file, e);
    throw errors.checkpointNotFound(
      dir,
      `it has no ${MANIFEST_FILE} (an unfinished or interrupted checkpoint)`,
    );
  }
  return parseManifest(text, file);
}

/** The manifest in `text` (read from `file`, a path or URL), every field checked. */
export function parseManifest(text: string, file: string): CheckpointManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.checkpointCorrupt(file, 'the manifest is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw errors.checkpointCorrupt(file, `the manifest is ${describeValue(parsed)}, not an object`);
  const manifest = parsed as CheckpointManifest;
  if (manifest.formatVersion !== MANIFEST_FORMAT_VERSION) {
    throw errors.checkpointCorrupt(
      file,
      `unknown format version ${String(manifest.formatVersion)}`,
    );
  }
  if (!isCount(manifest.numPartitions) || !Array.isArray(manifest.parts)) {
    throw errors.checkpointCorrupt(file, 'the manifest has no numPartitions or no parts list');
  }
  // numPartitions is the original RDD's count; parts lists what was committed.
  if (manifest.parts.length !== manifest.numPartitions) {
    throw errors.checkpointPartitionMismatch(file, manifest.numPartitions, manifest.parts.length);
  }
  manifest.parts.forEach((p: Partial<ManifestPart> | null, i) => {
    const sound =
      p !== null &&
      typeof p === 'object' &&
      p.index === i &&
      p.file === partFileName(i) &&
      isCount(p.records) &&
      isCount(p.bytes) &&
      isCount(p.crc32);
    if (!sound)
      throw errors.checkpointCorrupt(file, `the manifest's entry for partition ${i} is damaged`);
  });
  return manifest;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** Checks that exactly the manifest's part files are there, with the recorded sizes. */
export function checkPartFiles(dir: string, manifest: CheckpointManifest): void {
  const expected = new Set(manifest.parts.map((p) => p.file));
  for (const name of withIo('list the checkpoint directory', dir, () => fs.readdirSync(dir))) {
    if (name.startsWith('part-') && !expected.has(name)) {
      throw errors.checkpointCorrupt(
        path.join(dir, name),
        `an extra part file: the manifest lists ${manifest.numPartitions} partitions`,
      );
    }
  }
  for (const part of manifest.parts) {
    const file = path.join(dir, part.file);
    const size = statPartFile(file).size;
    const where = { rddId: manifest.rddId, partitionIndex: part.index };
    const trailerRecords = size === part.bytes ? readTrailerRecords(file) : undefined;
    if (trailerRecords === undefined) {
      // Truncated or extended: name the frame where the file stops making sense.
      throw (
        findPartDamage(file, where) ??
        errors.checkpointCorrupt(
          file,
          `the part file has ${size} bytes, the manifest says ${part.bytes}`,
        )
      );
    }
    if (trailerRecords !== part.records) {
      throw errors.checkpointCorrupt(
        file,
        `the part file holds ${trailerRecords} records, the manifest says ${part.records} ` +
          '(a part file of another partition or checkpoint?)',
      );
    }
  }
}

/** A part file's stats: a missing one, or a directory or other non-file, is CHECKPOINT_CORRUPT. */
export function statPartFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw errors.checkpointCorrupt(file, 'the part file is missing');
  }
  if (!stat.isFile())
    throw errors.checkpointCorrupt(file, 'the part file is a directory or other non-file');
  return stat;
}

export function openCheckpoint(input: string): OpenedCheckpoint {
  if (typeof input !== 'string' || input === '')
    throw errors.invalidArgument('path', 'a checkpoint directory', input);
  const dir = path.resolve(input);
  const manifest = readManifest(dir);
  checkPartFiles(dir, manifest);
  const { partitioner, warning } = readPartitioner(dir, manifest);
  const opened: OpenedCheckpoint = {
    impl: new ReliableCheckpointRDD(dir, manifest.numPartitions, partitioner),
    manifest,
  };
  if (warning !== undefined) opened.warning = warning;
  return opened;
}

/** A damaged _partitioner loses only the partitioner, with a warning (never the data). */
export function readPartitioner(
  dir: string,
  manifest: CheckpointManifest,
): { partitioner: Partitioner | undefined; warning?: { message: string; path: string } } {
  if (!manifest.hasPartitioner) return { partitioner: undefined };
  const file = path.join(dir, PARTITIONER_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return damagedPartitioner(file, why);
  }
  return partitionerFromText(text, file, manifest);
}

/** The partitioner in `text` (read from `file`); a damaged one is dropped with a warning. */
export function partitionerFromText(
  text: string,
  file: string,
  manifest: CheckpointManifest,
): { partitioner: Partitioner | undefined; warning?: { message: string; path: string } } {
  try {
    const plan = JSON.parse(text, bigintReviver) as PartitionerPlan;
    if (plan.numPartitions !== manifest.numPartitions) {
      const message = `Ignoring the partitioner file ${file}: it is for ${plan.numPartitions} partitions, not ${manifest.numPartitions}`;
      return { partitioner: undefined, warning: { message, path: file } };
    }
    if (plan.kind === 'hash') return { partitioner: new HashPartitioner(plan.numPartitions) };
    if (plan.kind === 'position')
      return { partitioner: new PositionPartitioner(plan.numPartitions) };
    // A custom partitioner is a function of the program that wrote it; it is never written.
    if (plan.kind === 'custom') throw errors.internal('a custom partitioner in a checkpoint');
    return {
      partitioner: RangePartitioner.withBounds(plan.numPartitions, plan.bounds, plan.ascending),
    };
  } catch (e) {
    return damagedPartitioner(file, e instanceof Error ? e.message : String(e));
  }
}

function damagedPartitioner(
  file: string,
  why: string,
): { partitioner: undefined; warning: { message: string; path: string } } {
  return {
    partitioner: undefined,
    warning: {
      message: `Ignoring the damaged partitioner file ${file} (${why}); the data is intact`,
      path: file,
    },
  };
}

function bigintReviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '$bigint' in value) {
    return BigInt((value as { $bigint: string }).$bigint);
  }
  return value;
}
