// The master and storage options: 'local' by default, a redis:// URL (password and db
// included) in cluster mode, which needs storage; every bad value is named, and a password
// never appears in a message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isKindlingError } from '../../src/shared/errors.js';
import { MASTER_ENV, resolveContextOptions, STORAGE_ENV } from '../../src/options.js';

test('master defaults to local, where a storage given in code is refused, not left unused', () => {
  assert.deepEqual(resolveContextOptions({}).master, { kind: 'local' });
  assert.throws(
    () => resolveContextOptions({ master: 'local', storage: 'x' }),
    (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT') && /options\.storage/.test(e.message),
  );
  const saved = process.env[STORAGE_ENV];
  process.env[STORAGE_ENV] = '/shared';
  try {
    // KINDLING_STORAGE is for cluster runs: a local Context reads only what it needs.
    assert.equal(resolveContextOptions({}).storage, undefined);
  } finally {
    if (saved === undefined) delete process.env[STORAGE_ENV];
    else process.env[STORAGE_ENV] = saved;
  }
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

test('an IPv6 master host is the address without its URL brackets', () => {
  const master = resolveContextOptions({ master: 'redis://[::1]:6390', storage: '/s' }).master;
  assert.ok(master.kind === 'redis');
  assert.equal(master.host, '::1');
  assert.equal(master.port, 6390);
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

/** Runs f with the two variables set as given (undefined: unset), restoring them after. */
function withEnvironment(vars: Record<string, string | undefined>, f: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    f();
  } finally {
    apply(saved);
  }
}

test('KINDLING_MASTER and KINDLING_STORAGE stand for the options a program leaves out', () => {
  withEnvironment({ [MASTER_ENV]: 'redis://10.0.0.2:7000', [STORAGE_ENV]: 'from-env' }, () => {
    const opts = resolveContextOptions({ workers: 2 });
    assert.ok(opts.master.kind === 'redis' && opts.master.port === 7000);
    assert.equal(opts.storage, path.resolve('from-env'));
    const explicit = resolveContextOptions({ master: 'local' });
    assert.deepEqual(explicit.master, { kind: 'local' });
    assert.equal(explicit.storage, undefined);
    const ownStorage = resolveContextOptions({ storage: '/mine' });
    assert.equal(ownStorage.storage, path.resolve('/mine'));
  });
  withEnvironment({ [MASTER_ENV]: '', [STORAGE_ENV]: undefined }, () => {
    assert.deepEqual(resolveContextOptions({}).master, { kind: 'local' });
  });
});

test('a bad KINDLING_MASTER, or one without storage, is refused naming the variable', () => {
  withEnvironment({ [MASTER_ENV]: 'http://:secret@h:1', [STORAGE_ENV]: '/s' }, () => {
    assert.throws(
      () => resolveContextOptions({}),
      (e: unknown) =>
        isKindlingError(e, 'INVALID_ARGUMENT') &&
        /KINDLING_MASTER/.test(e.message) &&
        !e.message.includes('secret'),
    );
  });
  withEnvironment({ [MASTER_ENV]: 'redis://h:1', [STORAGE_ENV]: undefined }, () => {
    assert.throws(
      () => resolveContextOptions({}),
      (e: unknown) =>
        isKindlingError(e, 'INVALID_ARGUMENT') &&
        /options\.storage/.test(e.message) &&
        /KINDLING_STORAGE/.test(e.message),
    );
  });
});
