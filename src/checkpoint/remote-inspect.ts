// inspectRemoteCheckpoint: `kindling inspect s3://bucket/prefix`. The checkpoint's objects
// (manifest, partitioner, parts) are copied into a temporary directory and verified there by
// inspectCheckpoint, so a checkpoint on S3 is checked by the same code and rules as a local
// one (every frame's crc32, each part against the manifest, extra parts); the report names the
// objects by URL, never the temporary copies, which are removed whatever happens.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { storeFor } from '../storage/stores.js';
import { joinStoragePath, resolveStoragePath } from '../storage/storage-url.js';
import { inspectCheckpoint, type CheckpointReport } from './inspect.js';
import { MANIFEST_FILE } from './manifest.js';

export { formatCheckpointReport } from './inspect.js';

export async function inspectRemoteCheckpoint(input: string): Promise<CheckpointReport> {
  const url = resolveStoragePath(input, 'dir');
  const store = storeFor(url);
  // The objects directly under the prefix: a checkpoint's own (its parent holds others).
  const names = (await store.list(url)).map((o) => o.name).filter((n) => !n.includes('/'));
  if (!names.includes(MANIFEST_FILE)) {
    throw errors.checkpointNotFound(
      url,
      names.length === 0
        ? 'no object is under the prefix'
        : `it has no ${MANIFEST_FILE} (an unfinished or interrupted checkpoint, or not one)`,
    );
  }
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-inspect-'));
  try {
    for (const name of names) {
      // An object deleted since the listing is left out: the report names what is missing.
      await store.download(joinStoragePath(url, name), path.join(local, name));
    }
    return namingUrls(inspectCheckpoint(local), local, url);
  } finally {
    fs.rmSync(local, { recursive: true, force: true });
  }
}

/** The report with every mention of the temporary directory replaced by the URL. */
function namingUrls(report: CheckpointReport, local: string, url: string): CheckpointReport {
  const rename = (text: string): string => text.split(local).join(url);
  const renameProblem = <P extends { message: string; path?: string }>(p: P): P => {
    const out = { ...p, message: rename(p.message) };
    if (p.path !== undefined) out.path = rename(p.path);
    return out;
  };
  return {
    ...report,
    dir: url,
    parts: report.parts.map((p) =>
      p.error === undefined ? p : { ...p, error: renameProblem(p.error) },
    ),
    warnings: report.warnings.map(rename),
    firstError: report.firstError === null ? null : renameProblem(report.firstError),
  };
}
