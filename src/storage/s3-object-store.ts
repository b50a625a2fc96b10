// The S3 ObjectStore (@aws-sdk/client-s3; lib-storage's Upload for large objects, multipart
// past 8 MiB). The only module that imports the AWS SDK. Endpoint, region and credentials come
// from the SDK's standard environment and config files; every request has timeouts, so an
// unreachable endpoint fails in seconds, never hangs. S3 failures become IO_ERRORs naming the
// URL and the operation, and saying what to check (bucket, credentials, endpoint).

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeValue, errors, isKindlingError, type KindlingError } from '../shared/errors.js';
import type {
  ByteRange,
  DownloadResult,
  ListedObject,
  ObjectStore,
  ReadResult,
  StatResult,
  WriteOptions,
  WriteResult,
} from './object-store.js';
import { ensureDirectory } from '../shared/io-errors.js';
import { formatS3Url, parseS3Url } from './storage-url.js';

/** Set to 'true' or 'false' to force path-style addressing (default: on when an endpoint is set). */
export const FORCE_PATH_STYLE_ENV = 'KINDLING_S3_FORCE_PATH_STYLE';

// A connection that does not open within CONNECT_TIMEOUT_MS, or a socket silent for
// SOCKET_TIMEOUT_MS, fails the request; the SDK retries MAX_ATTEMPTS times in all. Small
// requests also have an overall deadline: nothing waits longer than about a minute.
const CONNECT_TIMEOUT_MS = 5_000;
const SOCKET_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 3;
const SMALL_REQUEST_DEADLINE_MS = 60_000;
const PART_SIZE_BYTES = 8 * 1024 * 1024;

/** The client configuration from the environment (documented in the README's Storage section). */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const pathStyle = env[FORCE_PATH_STYLE_ENV];
  const config: S3ClientConfig = {
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === 'true',
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: SOCKET_TIMEOUT_MS },
    // Every object Kindling writes carries its own crc32 frames, checked on read; the SDK's
    // extra checksums are left to where S3 requires them (S3-compatible servers vary).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  // An S3-compatible server ignores the region, but the SDK will not sign without one.
  if (region !== undefined) config.region = region;
  else if (endpoint !== undefined) config.region = 'us-east-1';
  return config;
}

/** The endpoint requests go to, for messages. */
function endpointOf(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined) return endpoint;
  return `the AWS S3 endpoint of region ${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '(unset)'}`;
}

interface SdkError {
  name: string;
  code?: string;
  message: string;
  status?: number;
}

function sdkError(e: unknown): SdkError {
  if (typeof e !== 'object' || e === null) return { name: 'Error', message: describeValue(e) };
  const o = e as { name?: unknown; code?: unknown; message?: unknown; $metadata?: unknown };
  const meta = o.$metadata as { httpStatusCode?: unknown } | undefined;
  const out: SdkError = {
    name: typeof o.name === 'string' ? o.name : 'Error',
    message: typeof o.message === 'string' ? o.message : describeValue(e),
  };
  if (typeof o.code === 'string') out.code = o.code;
  if (typeof meta?.httpStatusCode === 'number') out.status = meta.httpStatusCode;
  return out;
}

const MISSING_NAMES = new Set(['NoSuchKey', 'NotFound']);
const CREDENTIAL_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function isMissingError(e: SdkError): boolean {
  return MISSING_NAMES.has(e.name) || (e.status === 404 && e.name !== 'NoSuchBucket');
}

/** An S3 failure as an IO_ERROR: `Cannot <operation> <url>: <what is wrong and what to check>`. */
export function s3Error(operation: string, url: string, e: unknown): KindlingError {
  if (isKindlingError(e)) return e;
  const err = sdkError(e);
  const code = err.code ?? err.name;
  let why: string;
  if (err.name === 'NoSuchBucket') {
    why = `the bucket ${parseS3Url(url).bucket} does not exist (NoSuchBucket)`;
  } else if (CREDENTIAL_NAMES.has(err.name) || err.status === 403) {
    why =
      `the credentials were refused (${err.name}): check AWS_ACCESS_KEY_ID, ` +
      `AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket's permissions`;
  } else if (
    UNREACHABLE_CODES.has(code) ||
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    err.name === 'RequestTimeout'
  ) {
    why = `the endpoint ${endpointOf()} did not answer (${code}: ${err.message})`;
  } else if (/region is missing/i.test(err.message)) {
    why =
      'no region is configured: set AWS_REGION (or AWS_ENDPOINT_URL for an S3-compatible server)';
  } else {
    why = `${err.name}: ${err.message}`;
  }
  return errors.io(operation, url, why, code, e);
}

let sharedClient: S3Client | undefined;

/** One client per process: it keeps connections alive across requests. */
function client(): S3Client {
  sharedClient ??= new S3Client(s3ClientConfig());
  return sharedClient;
}

function deadline(): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(SMALL_REQUEST_DEADLINE_MS) };
}

function rangeHeader(range: ByteRange): string {
  return `bytes=${range.start}-${range.end - 1}`;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (b?.transformToByteArray === undefined) return Buffer.alloc(0);
  return Buffer.from(await b.transformToByteArray());
}

async function writeObject(
  url: string,
  body: Buffer | Readable,
  opts: WriteOptions | undefined,
  operation: string,
): Promise<WriteResult> {
  const { bucket, key } = parseS3Url(url);
  const params = {
    Bucket: bucket,
    Key: key,
    Body: body,
    ...(opts?.noClobber === true ? { IfNoneMatch: '*' } : {}),
  };
  try {
    if (Buffer.isBuffer(body) && body.length <= PART_SIZE_BYTES) {
      await client().send(new PutObjectCommand(params), deadline());
    } else {
      await new Upload({
        client: client(),
        params,
        partSize: PART_SIZE_BYTES,
        queueSize: 2,
      }).done();
    }
    return { kind: 'written' };
  } catch (e) {
    const err = sdkError(e);
    // If-None-Match: * met an object: S3 answers 412 (or 409 while another write of the key
    // is in progress); either way a committed object stays as it is.
    if (opts?.noClobber === true && (err.status === 412 || err.name === 'PreconditionFailed'))
      return { kind: 'exists' };
    if (opts?.noClobber === true && err.status === 409 && err.name === 'ConditionalRequestConflict')
      return { kind: 'exists' };
    throw s3Error(operation, url, e);
  }
}

export const s3ObjectStore: ObjectStore = {
  kind: 's3',

  async stat(url: string): Promise<StatResult> {
    const { bucket, key } = parseS3Url(url);
    try {
      const head = await client().send(
        new HeadObjectCommand({ Bucket: bucket, Key: key }),
        deadline(),
      );
      return { kind: 'found', size: head.ContentLength ?? 0 };
    } catch (e) {
      if (isMissingError(sdkError(e))) return { kind: 'missing' };
      throw s3Error('look up', url, e);
    }
  },

  async read(url: string, range?: ByteRange): Promise<ReadResult> {
    const { bucket, key } = parseS3Url(url);
    if (range !== undefined && range.end <= range.start)
      return { kind: 'found', bytes: Buffer.alloc(0) };
    try {
      const out = await client().send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: rangeHeader(range) }),
        }),
        deadline(),
      );
      return { kind: 'found', bytes: await bodyBytes(out.Body) };
    } catch (e) {
      const err = sdkError(e);
      if (isMissingError(err)) return { kind: 'missing' };
      // A range past the end of a (truncated) object: what is there is nothing of the range.
      if (err.status === 416 || err.name === 'InvalidRange')
        return { kind: 'found', bytes: Buffer.alloc(0) };
      throw s3Error('read', url, e);
    }
  },

  async download(url: string, file: string, range?: ByteRange): Promise<DownloadResult> {
    const { bucket, key } = parseS3Url(url);
    ensureDirectory(path.dirname(file), 'staging directory');
    if (range !== undefined && range.end <= range.start) return { kind: 'found', bytes: 0 };
    let body: Readable;
    try {
      const out = await client().send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: rangeHeader(range) }),
        }),
      );
      body = out.Body as Readable;
    } catch (e) {
      const err = sdkError(e);
      if (isMissingError(err)) return { kind: 'missing' };
      if (err.status === 416 || err.name === 'InvalidRange') return { kind: 'found', bytes: 0 };
      throw s3Error('read', url, e);
    }
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
      const output = fs.createWriteStream('', { fd, start: range?.start ?? 0 });
      await pipeline(body, output);
      return { kind: 'found', bytes: output.bytesWritten };
    } catch (e) {
      throw s3Error('read', url, e);
    }
  },

  write(url: string, bytes: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    return writeObject(
      url,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
      opts,
      'write',
    );
  },

  async upload(url: string, file: string, opts?: WriteOptions): Promise<WriteResult> {
    const size = fs.statSync(file).size;
    const body = size <= PART_SIZE_BYTES ? fs.readFileSync(file) : fs.createReadStream(file);
    return writeObject(url, body, opts, 'write');
  },

  async list(prefix: string): Promise<ListedObject[]> {
    const { bucket, key } = parseS3Url(prefix);
    const base = key === '' ? '' : `${key}/`;
    const out: ListedObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client().send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: base,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          deadline(),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || !o.Key.startsWith(base)) continue;
          out.push({ name: o.Key.slice(base.length), size: o.Size ?? 0 });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw s3Error('list', prefix, e);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },

  async remove(url: string): Promise<void> {
    const { bucket, key } = parseS3Url(url);
    try {
      await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), deadline());
    } catch (e) {
      if (isMissingError(sdkError(e))) return;
      throw s3Error('remove', url, e);
    }
  },

  async removeAll(prefix: string): Promise<void> {
    const { bucket, key } = parseS3Url(prefix);
    const objects = await this.list(prefix);
    const base = key === '' ? '' : `${key}/`;
    // DeleteObjects takes at most 1,000 keys a request.
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000).map((o) => ({ Key: base + o.name }));
      try {
        await client().send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
          deadline(),
        );
      } catch (e) {
        throw s3Error('remove', prefix, e);
      }
    }
  },

  async probe(prefix: string, purpose: string): Promise<void> {
    const { bucket, key } = parseS3Url(prefix);
    try {
      await client().send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: key === '' ? '' : `${key}/`,
          MaxKeys: 1,
        }),
        deadline(),
      );
    } catch (e) {
      throw s3Error(`use the ${purpose}`, formatS3Url({ bucket, key }), e);
    }
  },
};
