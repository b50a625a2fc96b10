// Names of the files that the main thread and the workers must agree on: the attempt tag in
// every temp file and spill run (the main thread removes a dead attempt's files by it), checkpoint and text
// part files, and shuffle map output files. As with block-id.ts, one format/parse pair per
// name, so no module builds or splits these strings itself.

import type { TextCompression } from './protocol.js';

/** Names every temp file of one task attempt (Spark's TaskAttemptID in output file names). */
export function attemptTag(taskId: number, attempt: number): string {
  return `attempt-${taskId}-${attempt}`;
}

/** The temp name a part file is written under before it is published as `finalName`. */
export function tempFileName(finalName: string, tag: string): string {
  return `.${finalName}.${tag}.tmp`;
}

/** Whether `name` is a temp file written by the attempt tagged `tag`. */
export function isTempFileOf(name: string, tag: string): boolean {
  return name.startsWith('.') && name.endsWith(`.${tag}.tmp`);
}

/**
 * spill_<purpose>_<stageId>_<partitionIndex>_<run>.<attempt tag>: one spill run of a task
 * attempt's sorter or map (Spark's TempLocalBlockId), removed by the task when it ends and, when
 * its worker died first, by the main thread.
 */
export function spillFileName(
  purpose: string,
  stageId: number,
  partitionIndex: number,
  run: number,
  tag: string,
): string {
  return `spill_${purpose}_${stageId}_${partitionIndex}_${run}.${tag}`;
}

/** Whether `name` is a spill run written by the attempt tagged `tag`. */
export function isSpillFileOf(name: string, tag: string): boolean {
  return name.startsWith('spill_') && name.endsWith(`.${tag}`);
}

/** part-NNNNN: a checkpoint or saveAsTextFile part, Hadoop's output file name. */
export function partFileName(partitionIndex: number): string {
  return `part-${String(partitionIndex).padStart(5, '0')}`;
}

/** saveAsTextFile's and saveAsObjectFile's part: `part-NNNNN`, `.gz` when gzipped (Hadoop's). */
export function outputPartName(partitionIndex: number, compression?: TextCompression): string {
  return partFileName(partitionIndex) + (compression === 'gzip' ? '.gz' : '');
}

/** Written into an output directory last, once every part is there (Hadoop's committer). */
export const SUCCESS_FILE = '_SUCCESS';

export interface ShuffleFileId {
  shuffleId: number;
  mapIndex: number;
  /** The map task that wrote it: a recomputed map output never reuses a name. */
  taskId: number;
  /** 0 for the file listed as the map output's path, n for its n-th spill. */
  spill: number;
}

/** shuffle_<shuffleId>_<mapIndex>_<taskId>[.spill<n>].data (Spark's ShuffleDataBlockId). */
export function shuffleFileName(id: ShuffleFileId): string {
  const suffix = id.spill === 0 ? '' : `.spill${id.spill}`;
  return `shuffle_${id.shuffleId}_${id.mapIndex}_${id.taskId}${suffix}.data`;
}

/** The ids of a shuffleFileName, or undefined for any other string. */
export function parseShuffleFileName(name: string): ShuffleFileId | undefined {
  const m = /^shuffle_(\d+)_(\d+)_(\d+)(?:\.spill(\d+))?\.data$/.exec(name);
  if (m === null) return undefined;
  return {
    shuffleId: Number(m[1]),
    mapIndex: Number(m[2]),
    taskId: Number(m[3]),
    spill: m[4] === undefined ? 0 : Number(m[4]),
  };
}
