// Stage-out of a task whose outputs belong on S3: worker threads wrote them to local
// directories standing for the remote ones (task-staging.ts), and before the task's success
// is reported they are uploaded and the result rewritten to name their URLs. Shuffle files and
// disk blocks go under attempt-specific names; a checkpoint part is written no-clobber
// (If-None-Match: *), and when another attempt's part is already there the manifest describes
// that object, as with a local hard link that found the name taken. A saveAsTextFile or
// saveAsObjectFile part goes to its final name, no-clobber too.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { attemptTag, outputPartName, partFileName } from '../shared/file-names.js';
import { verifyPartFile } from '../shared/format/part-file.js';
import type {
  BlockWritten,
  CheckpointPartStats,
  ResultAction,
  ShuffleFileIndex,
  StagePlan,
  TaskRequest,
  TaskResult,
} from '../shared/protocol.js';
import { spillBlock } from './block-spill.js';
import type { ObjectStore } from './object-store.js';
import { baseName, isS3Url, joinStoragePath } from './storage-url.js';

type Success = Extract<TaskResult, { kind: 'success' }>;

export interface StageOutHost {
  store: ObjectStore;
  /** The stage's plan as the driver made it (remote directories as URLs). */
  plan: StagePlan;
  request: TaskRequest;
  /** The local directory worker threads used for a remote one. */
  localFor(url: string): string;
  /** Cluster mode: memory blocks cannot leave this process, so they go to storage too. */
  memoryBlocksToStorage: boolean;
  taskDir: string;
}

/** Uploads what the task wrote for S3 and returns the result naming the objects. */
export async function stageOutputs(host: StageOutHost, result: Success): Promise<Success> {
  const { plan } = host;
  const written: string[] = [];
  try {
    if (isS3Url(plan.localDir)) {
      const scratch = host.localFor(plan.localDir);
      if (result.mapStatus !== undefined) {
        const status = { ...result.mapStatus };
        Object.assign(status, await uploadShuffleFile(host, status, scratch, written));
        if (status.spills !== undefined) {
          const spills: ShuffleFileIndex[] = [];
          for (const s of status.spills)
            spills.push(await uploadShuffleFile(host, s, scratch, written));
          status.spills = spills;
        }
        result = { ...result, mapStatus: status };
      }
      const blocks: BlockWritten[] = [];
      for (const block of result.side.blocks)
        blocks.push(await uploadBlock(host, block, scratch, written));
      result = { ...result, side: { ...result.side, blocks } };
    }
    const checkpoints: CheckpointPartStats[] = [];
    for (const stats of result.side.checkpoints)
      checkpoints.push(await uploadPart(host, stats, written));
    await uploadOutputPart(host, written);
    return { ...result, side: { ...result.side, checkpoints } };
  } finally {
    for (const file of written) fs.rmSync(file, { force: true });
  }
}

async function uploadShuffleFile(
  host: StageOutHost,
  file: ShuffleFileIndex,
  scratch: string,
  written: string[],
): Promise<ShuffleFileIndex> {
  if (!isUnder(file.path, scratch)) return file;
  written.push(file.path);
  // Shuffle file names carry the map task's id: every attempt writes its own object.
  const url = joinStoragePath(host.plan.localDir, baseName(file.path));
  await host.store.upload(url, file.path);
  return { ...file, path: url };
}

async function uploadBlock(
  host: StageOutHost,
  block: BlockWritten,
  scratch: string,
  written: string[],
): Promise<BlockWritten> {
  const tag = attemptTag(host.request.taskId, host.request.attempt);
  const url = joinStoragePath(host.plan.localDir, 'blocks', `${block.blockId}.${tag}.cached`);
  if (block.path !== undefined && isUnder(block.path, scratch)) {
    written.push(block.path);
    await host.store.upload(url, block.path);
    return { ...block, path: url };
  }
  if (block.buffer !== undefined && host.memoryBlocksToStorage) {
    // As worker-process.ts does for a shared directory: the level is kept, the bytes move.
    const local = path.join(host.taskDir, `${block.blockId}.cached`);
    written.push(local);
    spillBlock(block.buffer, 'none', local);
    await host.store.upload(url, local);
    const { buffer: _moved, ...rest } = block;
    return { ...rest, path: url };
  }
  return block;
}

async function uploadPart(
  host: StageOutHost,
  stats: CheckpointPartStats,
  written: string[],
): Promise<CheckpointPartStats> {
  const dir = host.plan.nodes.find((n) => n.id === stats.rddId)?.checkpoint?.dir;
  if (dir === undefined || !isS3Url(dir)) return stats;
  const name = partFileName(stats.partitionIndex);
  const local = path.join(host.localFor(dir), name);
  const url = joinStoragePath(dir, name);
  written.push(local);
  const put = await host.store.upload(url, local, { noClobber: true });
  if (put.kind === 'written') return stats;
  // Another attempt committed this part first: the manifest must describe its object.
  const kept = path.join(host.taskDir, `kept-${name}`);
  written.push(kept);
  const got = await host.store.download(url, kept);
  if (got.kind === 'missing')
    throw errors.io('write the checkpoint part', url, 'the part another attempt wrote vanished');
  const where = { path: url, rddId: stats.rddId, partitionIndex: stats.partitionIndex };
  const { records, bytes, crc32 } = verifyPartFile(kept, where);
  return { rddId: stats.rddId, partitionIndex: stats.partitionIndex, records, bytes, crc32 };
}

/** The directory a saveAsTextFile / saveAsObjectFile stage writes its parts into, if any. */
export function saveOutputOf(plan: StagePlan): Extract<ResultAction, { dir: string }> | undefined {
  if (plan.output.kind !== 'result') return undefined;
  const action = plan.output.action;
  return action.kind === 'saveAsTextFile' || action.kind === 'saveAsObjectFile'
    ? action
    : undefined;
}

/**
 * A save to S3: the task's part, written by the thread into the local stand-in directory, is
 * uploaded to its final name before the task's success is reported (the driver writes
 * _SUCCESS after the job). No-clobber, as a checkpoint part: a duplicate attempt's identical
 * part leaves the first one in place.
 */
async function uploadOutputPart(host: StageOutHost, written: string[]): Promise<void> {
  const action = saveOutputOf(host.plan);
  if (action === undefined || !isS3Url(action.dir)) return;
  const name = outputPartName(
    host.request.partitionIndex,
    action.kind === 'saveAsTextFile' ? action.compression : undefined,
  );
  const local = path.join(host.localFor(action.dir), name);
  written.push(local);
  if (!fs.existsSync(local))
    throw errors.internal(`the task for partition ${host.request.partitionIndex} wrote no ${name}`);
  await host.store.upload(joinStoragePath(action.dir, name), local, { noClobber: true });
}

function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
