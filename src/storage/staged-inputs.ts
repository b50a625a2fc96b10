// Stage-in of a task whose inputs live on S3: the worker threads read local files only
// (synchronously), so before the task runs, every `s3://` path its partition descriptor names
// is copied to a local file and the descriptor rewritten to it. Shuffle blocks are Range GETs
// written at their own offsets (a sparse copy), checked against the range's crc32 as the
// reader will check them; checkpoint parts and disk cache blocks are verified with the URL in
// any error, so a damaged object is named as the user knows it.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from '../../native-bindings/crc32.js';
import { errors, isKindlingError, type KindlingError } from '../shared/errors.js';
import { verifyPartFile } from '../shared/format/part-file.js';
import type {
  BlockRef,
  CoGroupInput,
  PartitionDesc,
  ShuffleBlockRange,
  ShuffleBlockRef,
  WholeFile,
} from '../shared/protocol.js';
import type { ObjectStore } from './object-store.js';
import { baseName, isS3Url } from './storage-url.js';

// A FETCH_FAILED error raised here, with the block it is about: the task then answers
// fetchFailed for that map output (as a worker's FetchFailedError makes it).
const fetchFailures = new WeakMap<KindlingError, ShuffleBlockRange>();

/** The map output a staging error failed to fetch, when it is a fetch failure. */
export function fetchFailureOf(e: unknown): ShuffleBlockRange | undefined {
  return isKindlingError(e, 'FETCH_FAILED') ? fetchFailures.get(e) : undefined;
}

/** A short, stable local name for a URL (the base name kept: `.gz` still means gzip). */
export function localNameFor(url: string): string {
  const hash = createHash('sha1').update(url).digest('hex').slice(0, 16);
  return `${hash}-${baseName(url)}`;
}

/** Whether a descriptor names any `s3://` path. */
export function hasRemoteInput(desc: PartitionDesc): boolean {
  switch (desc.kind) {
    case 'textFile':
    case 'checkpointFile':
      return isS3Url(desc.path);
    case 'wholeFiles':
      return desc.files.some((f) => isS3Url(f.path));
    case 'shuffled':
      return desc.blocks.some(isRemoteBlock);
    case 'cogrouped':
      return desc.inputs.some((i) =>
        i.kind === 'shuffle' ? i.blocks.some(isRemoteBlock) : hasRemoteInput(i.parent),
      );
    case 'cached':
      return (
        (desc.block.kind === 'disk' && isS3Url(desc.block.path)) || hasRemoteInput(desc.fallback)
      );
    case 'narrow':
    case 'union':
      return hasRemoteInput(desc.parent);
    case 'coalesce':
    case 'zipped':
      return desc.parents.some(hasRemoteInput);
    case 'cartesian':
      return hasRemoteInput(desc.left) || hasRemoteInput(desc.right);
    case 'parallelize':
    case 'range':
    case 'empty':
      return false;
  }
}

function isRemoteBlock(b: ShuffleBlockRef): boolean {
  return b.kind === 'range' && isS3Url(b.path);
}

export interface StageInHost {
  store: ObjectStore;
  /** This task's own directory for copies (removed after the task). */
  taskDir: string;
  /** A local copy of a whole input object, shared by the tasks of this process. */
  inputCopy(url: string): Promise<string>;
  /** Records local copy → URL, so the task's errors can name the URL. */
  noteCopy(local: string, url: string): void;
}

/** The descriptor with every `s3://` input replaced by a verified local copy. */
export async function stageInputs(host: StageInHost, desc: PartitionDesc): Promise<PartitionDesc> {
  switch (desc.kind) {
    case 'textFile':
      return isS3Url(desc.path) ? { ...desc, path: await host.inputCopy(desc.path) } : desc;
    case 'checkpointFile':
      return isS3Url(desc.path) ? { ...desc, path: await stageCheckpointPart(host, desc) } : desc;
    case 'wholeFiles': {
      // Whole objects, as textFile's: the record keeps the URL as its name.
      const files: WholeFile[] = [];
      for (const f of desc.files)
        files.push(isS3Url(f.path) ? { ...f, path: await host.inputCopy(f.path) } : f);
      return { ...desc, files };
    }
    case 'shuffled':
      return { ...desc, blocks: await stageBlocks(host, desc.blocks) };
    case 'cogrouped': {
      const inputs: CoGroupInput[] = [];
      for (const input of desc.inputs) {
        inputs.push(
          input.kind === 'shuffle'
            ? { kind: 'shuffle', blocks: await stageBlocks(host, input.blocks) }
            : { kind: 'narrow', parent: await stageInputs(host, input.parent) },
        );
      }
      return { ...desc, inputs };
    }
    case 'cached':
      return stageCached(host, desc);
    case 'narrow':
    case 'union':
      return { ...desc, parent: await stageInputs(host, desc.parent) };
    case 'coalesce':
    case 'zipped': {
      const parents: PartitionDesc[] = [];
      for (const p of desc.parents) parents.push(await stageInputs(host, p));
      return { ...desc, parents };
    }
    case 'cartesian':
      return {
        ...desc,
        left: await stageInputs(host, desc.left),
        right: await stageInputs(host, desc.right),
      };
    case 'parallelize':
    case 'range':
    case 'empty':
      return desc;
  }
}

async function stageCheckpointPart(
  host: StageInHost,
  desc: Extract<PartitionDesc, { kind: 'checkpointFile' }>,
): Promise<string> {
  const url = desc.path;
  const local = path.join(host.taskDir, localNameFor(url));
  const where = { path: url, rddId: desc.node, partitionIndex: desc.index };
  host.noteCopy(local, url);
  // As a missing local part file is (frames.ts openForRead): a corrupt checkpoint, named.
  const got = await host.store.download(url, local);
  if (got.kind === 'missing')
    throw errors.checkpointCorrupt(url, 'missing (no such object)', where);
  verifyPartFile(local, where);
  return local;
}

async function stageBlocks(
  host: StageInHost,
  blocks: readonly ShuffleBlockRef[],
): Promise<ShuffleBlockRef[]> {
  const out: ShuffleBlockRef[] = [];
  for (const block of blocks) {
    if (block.kind !== 'range' || !isS3Url(block.path)) {
      out.push(block);
      continue;
    }
    const local = path.join(host.taskDir, localNameFor(block.path));
    host.noteCopy(local, block.path);
    if (block.end > block.start) await fetchRange(host, block, local);
    out.push({ ...block, path: local });
  }
  return out;
}

/** One reduce range of a map output, at its offset in the local copy, crc-checked. */
async function fetchRange(
  host: StageInHost,
  block: ShuffleBlockRange,
  local: string,
): Promise<void> {
  const fail = (why: string): KindlingError => {
    const error = errors.shuffleFetchFailed(block, why);
    fetchFailures.set(error, block);
    return error;
  };
  // Storage that does not answer is not a lost map output: that IO_ERROR fails the attempt.
  const got = await host.store.read(block.path, { start: block.start, end: block.end });
  if (got.kind === 'missing') throw fail('the map output object is missing');
  const length = block.end - block.start;
  if (got.bytes.length !== length) {
    throw fail(`the object ends early: ${got.bytes.length} of bytes ${block.start}-${block.end}`);
  }
  const crc = crc32(got.bytes);
  if (crc !== block.checksum) {
    throw fail(
      `crc32 ${crc.toString(16)} of bytes ${block.start}-${block.end}, ` +
        `${block.checksum.toString(16)} when written`,
    );
  }
  const fd = fs.openSync(local, fs.constants.O_WRONLY | fs.constants.O_CREAT);
  try {
    fs.writeSync(fd, got.bytes, 0, got.bytes.length, block.start);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A disk block on S3: a verified local copy, or (missing or damaged) a local path with nothing
 * there, which the worker reports as a lost block and recomputes from the fallback, staged here.
 */
async function stageCached(
  host: StageInHost,
  desc: Extract<PartitionDesc, { kind: 'cached' }>,
): Promise<PartitionDesc> {
  const block: BlockRef = desc.block;
  if (block.kind !== 'disk' || !isS3Url(block.path)) {
    return { ...desc, fallback: await stageInputs(host, desc.fallback) };
  }
  const local = path.join(host.taskDir, localNameFor(block.path));
  host.noteCopy(local, block.path);
  const got = await host.store.download(block.path, local);
  if (got.kind === 'found') {
    try {
      verifyPartFile(local, { path: block.path, rddId: desc.node, partitionIndex: desc.index });
      // The worker reads the block; its fallback runs only if the block fails after all.
      return { ...desc, block: { ...block, path: local } };
    } catch (e) {
      if (!isKindlingError(e, 'CHECKPOINT_CORRUPT')) throw e;
      fs.rmSync(local, { force: true });
    }
  }
  return {
    ...desc,
    block: { ...block, path: local },
    fallback: await stageInputs(host, desc.fallback),
  };
}
