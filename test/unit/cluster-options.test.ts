// The master and storage options: 'local' by default, a redis:// URL (password and db
// included) in cluster mode, which needs storage; every bad value is named, and a password
// never appears in a message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isKindlingError } from '../../src/shared/errors.js';
import { resolveContextOptions } from '../../src/options.js';

test('master defaults to local, and storage is ignored there', () => {
  assert.deepEqual(resolveContextOptions({}).master, { kind: 'local' });
  assert.equal(resolveContextOptions({ master: 'local', storage: 'x' }).storage, undefined);
});

test('a redis URL with password and db is parsed, its display form redacted', () => {
  const opts = resolveContextOptions({
    master: 'redis://:p%40ss@10.0.0.1:6380/2',
    storage: 'shared',
  });
  assert.deepEqual(opts.master, {
    kind: 'redis',
    url: 'redis://:p%40ss@10.0.0.1:6380/2',
    display: 'redis://:***@10.0.0.1:6380/2',
    host: '10.0.0.1',
    port: 6380,
    db: 2,
    password: 'p@ss',
  });
  assert.equal(opts.storage, path.resolve('shared'));
  const noPort = resolveContextOptions({ master: 'redis://host', storage: '/s' }).master;
  assert.ok(noPort.kind === 'redis' && noPort.port === 6379 && noPort.db === 0);
});

test('bad masters and a missing storage are refused, naming the option', () => {
  for (const master of ['redis:/nohost', 'http://host:1', 'redis://h:1/x', 42, '']) {
    assert.throws(
      () => resolveContextOptions({ master, storage: '/s' } as never),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && /options\.master/.test(e.message),
      String(master),
    );
  }
  assert.throws(
    () => resolveContextOptions({ master: 'redis://:secret@h:1/x', storage: '/s' }),
    (e: unknown) => isKindlingError(e) && !e.message.includes('secret'),
  );
  assert.throws(
    () => resolveContextOptions({ master: 'redis://h:1' }),
    (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && /options\.storage/.test(e.message),
  );
  assert.equal(
    resolveContextOptions({ master: 'redis://h:1', storage: 's3://bucket-1/a/prefix/' }).storage,
    's3://bucket-1/a/prefix',
  );
  assert.throws(
    () => resolveContextOptions({ master: 'redis://h:1', storage: 's3://B/prefix' }),
    (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && /options\.storage/.test(e.message),
  );
  assert.equal(
    resolveContextOptions({ checkpointDir: 's3://bucket-1/checkpoints' }).checkpointDir,
    's3://bucket-1/checkpoints',
  );
});
