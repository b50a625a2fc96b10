// inspectCheckpoint: what a reliable checkpoint directory holds, with every
// byte verified (each frame's crc32, header, trailer, and each part file's
// whole-file crc32, size and record count against the manifest). Backs
// `kindling inspect DIR [--json]`: the report is plain JSON-able data, ok is
// false when anything is wrong, and firstError names the first bad file and
// frame. It never throws for damage, only for an unusable argument.

import fs from 'node:fs';
import path from 'node:path';
import { errors, isKindlingError, type ErrorCode } from '../shared/errors.js';
import type { Codec } from '../shared/format/frames.js';
import { verifyPartFile } from '../shared/format/part-file.js';
import { withIo } from '../shared/io-errors.js';
import { localPath } from '../storage/local-path.js';
import { readManifest, readPartitioner, statPartFile } from './checkpoint-reader.js';
import type { CheckpointManifest } from './manifest.js';
import { findPartDamage } from './part-damage.js';

export interface CheckpointProblem {
  code: ErrorCode;
  message: string;
  path?: string;
  frame?: number;
  partitionIndex?: number;
}

export interface PartReport {
  index: number;
  file: string;
  ok: boolean;
  records: number;
  /** Bytes on disk. */
  bytes: number;
  /** Record-codec bytes before compression. */
  rawBytes: number;
  frames: number;
  crc32: number;
  error?: CheckpointProblem;
}

export interface CheckpointReport {
  kind: 'checkpoint';
  dir: string;
  ok: boolean;
  rddId: number | null;
  rddName: string | null;
  formatVersion: number | null;
  codec: Codec | null;
  createdAt: string | null;
  numPartitions: number | null;
  /** 'hash(6)', 'range(3)', ... or null; a damaged file is a warning, not an error. */
  partitioner: string | null;
  /** Totals over the part files that verified. */
  records: number;
  bytes: number;
  rawBytes: number;
  /** rawBytes / bytes: above 1 when compression saved space. */
  compressionRatio: number | null;
  parts: PartReport[];
  /** Part files in the directory that the manifest does not list. */
  extraFiles: string[];
  warnings: string[];
  /** The first problem found, in partition order: what `kindling inspect` reports and exits 1 on. */
  firstError: CheckpointProblem | null;
}

export function inspectCheckpoint(input: string | URL): CheckpointReport {
  const dir = localPath(input, 'dir', { expected: 'a checkpoint directory' });
  const report: CheckpointReport = {
    kind: 'checkpoint',
    dir,
    ok: false,
    rddId: null,
    rddName: null,
    formatVersion: null,
    codec: null,
    createdAt: null,
    numPartitions: null,
    partitioner: null,
    records: 0,
    bytes: 0,
    rawBytes: 0,
    compressionRatio: null,
    parts: [],
    extraFiles: [],
    warnings: [],
    firstError: null,
  };
  let manifest: CheckpointManifest;
  try {
    manifest = readManifest(dir);
  } catch (e) {
    report.firstError = problem(e);
    return report;
  }
  Object.assign(report, {
    rddId: manifest.rddId,
    rddName: manifest.rddName,
    formatVersion: manifest.formatVersion,
    codec: manifest.codec,
    createdAt: manifest.createdAt,
    numPartitions: manifest.numPartitions,
  });
  const { partitioner, warning } = readPartitioner(dir, manifest);
  if (partitioner !== undefined)
    report.partitioner = `${partitioner.kind}(${partitioner.numPartitions})`;
  if (warning !== undefined) report.warnings.push(warning.message);

  const listed = new Set(manifest.parts.map((p) => p.file));
  try {
    report.extraFiles = withIo('list the checkpoint directory', dir, () => fs.readdirSync(dir))
      .filter((name) => name.startsWith('part-') && !listed.has(name))
      .sort();
  } catch (e) {
    report.firstError = problem(e);
    return report;
  }
  const problems: CheckpointProblem[] = [];
  for (const part of manifest.parts) {
    const pr = inspectPart(dir, manifest, part);
    report.parts.push(pr);
    if (pr.error !== undefined) problems.push(pr.error);
    else {
      report.records += pr.records;
      report.bytes += pr.bytes;
      report.rawBytes += pr.rawBytes;
    }
  }
  for (const name of report.extraFiles) {
    problems.push({
      code: 'CHECKPOINT_CORRUPT',
      message: `Corrupt checkpoint file ${path.join(dir, name)}: an extra part file: the manifest lists ${manifest.numPartitions} partitions`,
      path: path.join(dir, name),
    });
  }
  report.compressionRatio = report.bytes > 0 ? round(report.rawBytes / report.bytes) : null;
  report.firstError = problems[0] ?? null;
  report.ok = report.firstError === null;
  return report;
}

function inspectPart(
  dir: string,
  manifest: CheckpointManifest,
  part: CheckpointManifest['parts'][number],
): PartReport {
  const file = path.join(dir, part.file);
  const where = { path: file, rddId: manifest.rddId, partitionIndex: part.index };
  const pr: PartReport = {
    index: part.index,
    file: part.file,
    ok: false,
    records: 0,
    bytes: 0,
    rawBytes: 0,
    frames: 0,
    crc32: 0,
  };
  const fail = (e: unknown): PartReport => {
    pr.error = { ...problem(e), partitionIndex: part.index };
    return pr;
  };
  try {
    statPartFile(file);
  } catch (e) {
    return fail(e);
  }
  let stats: ReturnType<typeof verifyPartFile>;
  try {
    stats = verifyPartFile(file, where);
  } catch (e) {
    if (!isKindlingError(e, 'CHECKPOINT_CORRUPT')) return fail(e);
    // Name the frame where a truncated or extended file stops making sense.
    return fail(findPartDamage(file, where) ?? e);
  }
  Object.assign(pr, {
    records: stats.records,
    bytes: stats.bytes,
    rawBytes: stats.rawBytes,
    frames: stats.frames,
    crc32: stats.crc32,
  });
  const mismatch =
    stats.bytes !== part.bytes
      ? `the part file has ${stats.bytes} bytes, the manifest says ${part.bytes}`
      : stats.records !== part.records
        ? `the part file holds ${stats.records} records, the manifest says ${part.records}`
        : stats.crc32 !== part.crc32
          ? `the part file's crc32 is ${hex(stats.crc32)}, the manifest says ${hex(part.crc32)}`
          : undefined;
  if (mismatch !== undefined) return fail(errors.checkpointCorrupt(file, mismatch));
  pr.ok = true;
  return pr;
}

function problem(e: unknown): CheckpointProblem {
  if (isKindlingError(e)) {
    const p: CheckpointProblem = { code: e.code, message: e.message };
    if (e.context.path !== undefined) p.path = e.context.path;
    if (e.context.frame !== undefined) p.frame = e.context.frame;
    if (e.context.partitionIndex !== undefined) p.partitionIndex = e.context.partitionIndex;
    return p;
  }
  // An I/O error (permissions, ...): reported as corruption of the directory, with its cause's text.
  return { code: 'CHECKPOINT_CORRUPT', message: e instanceof Error ? e.message : String(e) };
}

/** The readable report `kindling inspect DIR` prints. */
export function formatCheckpointReport(r: CheckpointReport): string {
  const lines: string[] = [];
  const name = r.rddName === null ? '' : ` (${r.rddName})`;
  lines.push(`checkpoint ${r.dir}`);
  if (r.rddId !== null) {
    lines.push(`  rdd           ${r.rddId}${name}`);
    lines.push(`  created       ${r.createdAt ?? '?'}`);
    lines.push(`  format        version ${r.formatVersion ?? '?'}, codec ${r.codec ?? '?'}`);
    lines.push(
      `  partitions    ${r.numPartitions ?? '?'}${r.partitioner === null ? '' : `, partitioner ${r.partitioner}`}`,
    );
    lines.push(`  records       ${r.records}`);
    lines.push(`  bytes         ${r.bytes} on disk, ${r.rawBytes} raw`);
    if (r.compressionRatio !== null)
      lines.push(`  compression   ${r.compressionRatio.toFixed(2)}x`);
    lines.push('  parts');
    for (const p of r.parts) {
      const state = p.ok ? 'ok' : 'BAD';
      lines.push(
        `    ${p.file}  ${state.padEnd(3)}  ${p.records} records  ${p.bytes} bytes  ${p.frames} frames`,
      );
    }
    for (const f of r.extraFiles) lines.push(`    ${f}  BAD  not in the manifest`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (r.firstError === null) lines.push('  verified: every checksum matches');
  else {
    const where = r.firstError.frame === undefined ? '' : ` frame ${r.firstError.frame}`;
    lines.push(`  DAMAGED: ${r.firstError.path ?? r.dir}${where}`);
    lines.push(`  ${r.firstError.code}: ${r.firstError.message}`);
  }
  return lines.join('\n');
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');
