// Where storage lives: a local path or an `s3://bucket/key` URL. The one place that tells them
// apart and joins names onto either, so no module splits URLs itself. A URL never reaches a
// worker thread: task staging (task-staging.ts) gives threads local paths.

import path from 'node:path';
import { errors } from '../shared/errors.js';

export const S3_SCHEME = 's3://';

export interface S3Location {
  bucket: string;
  /** The object key, or the key prefix of a "directory" (no leading '/'). */
  key: string;
}

/** Whether `p` names S3 storage (an `s3://` URL) rather than a local path. */
export function isS3Url(p: string): boolean {
  return p.startsWith(S3_SCHEME);
}

/**
 * For paths that are local only so far (streaming checkpoints): an `s3://` URL is refused
 * naming what does not support it, rather than resolved into a local folder named `s3:`.
 */
export function refuseS3Url(argument: string, p: string, what: string): void {
  if (isS3Url(p))
    throw errors.unsupported(
      `${argument}: ${what} on s3:// is not supported yet (${p}); use a local or mounted directory`,
      { argument },
    );
}

/**
 * Bucket and key of an `s3://bucket/key` URL; INVALID_ARGUMENT naming `argument` for anything
 * else. Bucket names follow S3's rules (3-63 of a-z, 0-9, '.', '-').
 */
export function parseS3Url(url: string, argument = 'path'): S3Location {
  const rest = url.startsWith(S3_SCHEME) ? url.slice(S3_SCHEME.length) : undefined;
  const slash = rest?.indexOf('/') ?? -1;
  const bucket = rest === undefined ? '' : slash < 0 ? rest : rest.slice(0, slash);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw errors.invalidArgument(
      argument,
      "an 's3://bucket/key' URL with a valid bucket name",
      url,
    );
  }
  const key = slash < 0 || rest === undefined ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  return { bucket, key };
}

export function formatS3Url(loc: S3Location): string {
  return loc.key === '' ? `${S3_SCHEME}${loc.bucket}` : `${S3_SCHEME}${loc.bucket}/${loc.key}`;
}

/** `base` with `names` appended: path.join for a local path, '/'-joined keys for a URL. */
export function joinStoragePath(base: string, ...names: string[]): string {
  if (!isS3Url(base)) return path.join(base, ...names);
  const loc = parseS3Url(base);
  const key = [loc.key, ...names].filter((s) => s !== '').join('/');
  return formatS3Url({ bucket: loc.bucket, key });
}

/** The last name of a path or URL (a part file's, a shuffle file's). */
export function baseName(p: string): string {
  return isS3Url(p) ? (p.replace(/\/+$/, '').split('/').pop() ?? '') : path.basename(p);
}

/** A local path made absolute; a URL as it is (checked). */
export function resolveStoragePath(p: string, argument: string): string {
  return isS3Url(p) ? formatS3Url(parseS3Url(p, argument)) : path.resolve(p);
}
