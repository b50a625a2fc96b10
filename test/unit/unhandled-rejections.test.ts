// kindling run's listener for promise rejections a job left unhandled: added when the run
// starts, removed by dispose() where it ends, so nothing of the run stays on the process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnhandledRejections } from '../../src/cli/unhandled-rejections.js';

test('dispose removes the unhandledRejection listener the run added, and only it', () => {
  const before = process.listeners('unhandledRejection');
  const unhandled = new UnhandledRejections();
  assert.equal(process.listenerCount('unhandledRejection'), before.length + 1);
  unhandled.dispose();
  assert.deepEqual(process.listeners('unhandledRejection'), before);
  unhandled.dispose();
  assert.deepEqual(process.listeners('unhandledRejection'), before, 'a second dispose is a no-op');
});
