// Which ObjectStore serves a path: the file system, or S3 for an `s3://` URL. The S3 store is
// loaded on first use, so a context that never names an `s3://` URL never loads the AWS SDK.

import { fsObjectStore, fsSyncReader } from './fs-object-store.js';
import type { ObjectStore, SyncObjectReader } from './object-store.js';
import { isS3Url } from './storage-url.js';
import { s3SyncReader } from './sync-bridge.js';

let s3Module: Promise<ObjectStore> | undefined;

function loadS3(): Promise<ObjectStore> {
  s3Module ??= import('./s3-object-store.js').then((m) => m.s3ObjectStore);
  return s3Module;
}

/** S3 behind the ObjectStore shape, each call loading the SDK module first (once). */
export const s3Store: ObjectStore = {
  kind: 's3',
  stat: async (url) => (await loadS3()).stat(url),
  read: async (url, range) => (await loadS3()).read(url, range),
  download: async (url, file, range) => (await loadS3()).download(url, file, range),
  write: async (url, bytes, opts) => (await loadS3()).write(url, bytes, opts),
  upload: async (url, file, opts) => (await loadS3()).upload(url, file, opts),
  list: async (prefix) => (await loadS3()).list(prefix),
  remove: async (url) => (await loadS3()).remove(url),
  removeAll: async (prefix) => (await loadS3()).removeAll(prefix),
  probe: async (prefix, purpose) => (await loadS3()).probe(prefix, purpose),
};

export function storeFor(p: string): ObjectStore {
  return isS3Url(p) ? s3Store : fsObjectStore;
}

/** Synchronous reads for definition-time calls; S3's go through a helper thread. */
export function syncReaderFor(p: string): SyncObjectReader {
  return isS3Url(p) ? s3SyncReader : fsSyncReader;
}
