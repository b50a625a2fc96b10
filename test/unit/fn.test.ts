import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isKindlingError } from '../../src/shared/errors.js';
import { checkFunctionRef, fn, FunctionRef } from '../../src/shipping/fn.js';

const invalid = (argument: string) => (e: unknown) =>
  isKindlingError(e, 'INVALID_ARGUMENT') && e.context.argument === argument;
const keysModule = new URL('../../src/shared/keys.js', import.meta.url);

describe('fn', () => {
  it('normalizes an absolute path to a file URL', () => {
    const absolute = path.resolve('/tmp/job.js');
    const ref = fn(absolute, 'run');
    assert.ok(ref instanceof FunctionRef);
    assert.equal(ref.module, pathToFileURL(absolute).href);
    assert.equal(ref.exportName, 'run');
  });

  it('keeps file: URLs, node: builtins and bare package names', () => {
    assert.equal(fn(keysModule, 'hashKey').module, keysModule.href);
    assert.equal(fn(keysModule.href, 'hashKey').module, keysModule.href);
    assert.equal(fn('node:path', 'join').module, 'node:path');
    assert.equal(fn('some-package/sub', 'f').module, 'some-package/sub');
  });

  it('refuses relative paths, saying what to use instead', () => {
    for (const relative of ['./x.js', '../x.js', '.']) {
      assert.throws(
        () => fn(relative, 'f'),
        (e: unknown) =>
          invalid('module')(e) &&
          /absolute path/.test((e as Error).message) &&
          /import\.meta\.url/.test((e as Error).message),
      );
    }
  });

  it('refuses empty or non-string arguments and non-file URLs', () => {
    assert.throws(() => fn('', 'f'), invalid('module'));
    assert.throws(() => fn(42 as unknown as string, 'f'), invalid('module'));
    assert.throws(() => fn('https://example.com/x.js', 'f'), invalid('module'));
    assert.throws(() => fn(new URL('https://example.com/x.js'), 'f'), invalid('module'));
    assert.throws(() => fn('node:path', ''), invalid('exportName'));
    assert.throws(() => fn('node:path', undefined as unknown as string), invalid('exportName'));
  });
});

describe('checkFunctionRef', () => {
  it('accepts an exported function', async () => {
    await checkFunctionRef(fn(keysModule, 'hashKey'));
    await checkFunctionRef(fn('node:path', 'join'));
  });

  it('refuses a missing export, a non-function export and a missing module', async () => {
    await assert.rejects(
      checkFunctionRef(fn(keysModule, 'noSuchExport')),
      (e: unknown) => invalid('fn')(e) && /no export 'noSuchExport'/.test((e as Error).message),
    );
    await assert.rejects(
      checkFunctionRef(fn('node:path', 'sep')),
      (e: unknown) => invalid('fn')(e) && /not a function/.test((e as Error).message),
    );
    await assert.rejects(checkFunctionRef(fn('/no/such/module.js', 'f')), invalid('fn'));
    await assert.rejects(checkFunctionRef(fn('no-such-package-kindling', 'f')), invalid('fn'));
  });
});
