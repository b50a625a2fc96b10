// The Context's options (src/options.ts): each field is validated on its own, and the error
// names the field that is wrong.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resolveContextOptions } from '../../src/options.js';

test('options are validated field by field, naming the bad one', () => {
  assert.equal(resolveContextOptions({ workers: 3 }).workers, 3);
  assert.equal(resolveContextOptions(undefined).checkpointCompression, 'lz4');
  assert.equal(resolveContextOptions({}).maxTaskFailures, 4);
  assert.throws(
    () => resolveContextOptions({ workers: 1.5 }),
    /options\.workers.*positive integer.*1\.5/,
  );
  assert.throws(
    () => resolveContextOptions({ progress: 'yes' as unknown as boolean }),
    /options\.progress/,
  );
  assert.throws(
    () => resolveContextOptions({ wrokers: 2 } as unknown as { workers: number }),
    /options\.wrokers/,
  );
});

test("the default localDir is the user's own under os.tmpdir(): a directory another user made there is not writable", () => {
  const uid = process.getuid?.();
  const expected = path.join(os.tmpdir(), uid === undefined ? 'kindling' : `kindling-${uid}`);
  assert.equal(resolveContextOptions({}).localDir, expected);
  assert.equal(resolveContextOptions({ localDir: 'here' }).localDir, path.resolve('here'));
});
