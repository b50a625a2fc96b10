// The storage interface's file-system implementation (what S3 must match: no-clobber writes
// that keep the first object, missing objects as their own variant, ranges at their offsets,
// recursive listing), s3:// URLs parsed and joined in one place, and the S3 client's settings
// as the README documents them (path style with an endpoint, region default, timeouts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKindlingError } from '../../src/shared/errors.js';
import { fsObjectStore, fsSyncReader } from '../../src/storage/fs-object-store.js';
import { s3ClientConfig } from '../../src/storage/s3-object-store.js';
import {
  baseName,
  joinStoragePath,
  parseS3Url,
  resolveStoragePath,
} from '../../src/storage/storage-url.js';

test('a no-clobber write keeps the object already there, as If-None-Match: * does', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-store-'));
  try {
    const file = path.join(dir, 'a', '_manifest.json');
    assert.deepEqual(await fsObjectStore.write(file, Buffer.from('first'), { noClobber: true }), {
      kind: 'written',
    });
    assert.deepEqual(await fsObjectStore.write(file, Buffer.from('second'), { noClobber: true }), {
      kind: 'exists',
    });
    assert.equal(fs.readFileSync(file, 'utf8'), 'first');
    await fsObjectStore.write(file, Buffer.from('replaced'));
    assert.equal(fs.readFileSync(file, 'utf8'), 'replaced');
    // No temp file is left beside it.
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['_manifest.json']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing object is its own answer, and a range lands at its own offset', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-store-'));
  try {
    assert.deepEqual(fsSyncReader.read(path.join(dir, 'none')), { kind: 'missing' });
    assert.deepEqual(fsSyncReader.stat(path.join(dir, 'none')), { kind: 'missing' });
    assert.deepEqual(await fsObjectStore.download(path.join(dir, 'none'), path.join(dir, 'x')), {
      kind: 'missing',
    });
    const source = path.join(dir, 'source');
    fs.writeFileSync(source, '0123456789');
    const copy = path.join(dir, 'copy');
    await fsObjectStore.download(source, copy, { start: 3, end: 6 });
    await fsObjectStore.download(source, copy, { start: 8, end: 10 });
    const bytes = fs.readFileSync(copy);
    assert.equal(bytes.subarray(3, 6).toString(), '345');
    assert.equal(bytes.subarray(8, 10).toString(), '89');
    const got = fsSyncReader.read(source, { start: 2, end: 5 });
    assert.equal(got.kind === 'found' ? got.bytes.toString() : 'missing', '234');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('listing a prefix gives every object under it with its size, sorted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-store-'));
  try {
    await fsObjectStore.write(path.join(dir, 'rdd-1', 'part-00001'), Buffer.from('abc'));
    await fsObjectStore.write(path.join(dir, 'rdd-1', 'part-00000'), Buffer.from('a'));
    await fsObjectStore.write(path.join(dir, 'top'), Buffer.from(''));
    assert.deepEqual(await fsObjectStore.list(dir), [
      { name: 'rdd-1/part-00000', size: 1 },
      { name: 'rdd-1/part-00001', size: 3 },
      { name: 'top', size: 0 },
    ]);
    await fsObjectStore.removeAll(path.join(dir, 'rdd-1'));
    assert.deepEqual(await fsObjectStore.list(dir), [{ name: 'top', size: 0 }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('s3:// URLs are parsed, checked and joined in one place', () => {
  assert.deepEqual(parseS3Url('s3://my-bucket/a/b/'), { bucket: 'my-bucket', key: 'a/b' });
  assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', key: '' });
  assert.equal(joinStoragePath('s3://my-bucket/cp', 'ctx', 'rdd-3'), 's3://my-bucket/cp/ctx/rdd-3');
  assert.equal(joinStoragePath('s3://my-bucket', 'x'), 's3://my-bucket/x');
  assert.equal(joinStoragePath('/tmp/a', 'b'), path.join('/tmp/a', 'b'));
  assert.equal(baseName('s3://my-bucket/cp/part-00003'), 'part-00003');
  assert.equal(resolveStoragePath('s3://my-bucket/p/', 'x'), 's3://my-bucket/p');
  for (const bad of ['s3://', 's3://A_B/x', 's3://ab/x', 'http://bucket/x']) {
    assert.throws(
      () => parseS3Url(bad, 'options.storage'),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && /options\.storage/.test(e.message),
      bad,
    );
  }
});

test('the S3 client follows the environment: path style and a region with an endpoint', () => {
  const withEndpoint = s3ClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' });
  assert.equal(withEndpoint.endpoint, 'http://127.0.0.1:9000');
  assert.equal(withEndpoint.forcePathStyle, true);
  assert.equal(withEndpoint.region, 'us-east-1');
  const aws = s3ClientConfig({ AWS_REGION: 'eu-west-3' });
  assert.equal(aws.endpoint, undefined);
  assert.equal(aws.forcePathStyle, false);
  assert.equal(aws.region, 'eu-west-3');
  const forced = s3ClientConfig({
    AWS_ENDPOINT_URL_S3: 'http://s3.local',
    KINDLING_S3_FORCE_PATH_STYLE: 'false',
  });
  assert.equal(forced.endpoint, 'http://s3.local');
  assert.equal(forced.forcePathStyle, false);
  assert.equal(typeof forced.maxAttempts, 'number');
});
