// The console progress line (src/scheduler/progress-bar.ts), laid out as Spark's
// ConsoleProgressBar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from '../../src/scheduler/progress-bar.js';

test("the progress line looks like Spark's", () => {
  assert.equal(
    render(3, { total: 40, done: 12, started: 0 }, 20, 2),
    '[Stage 3:======>             (12 + 2) / 40]',
  );
  assert.equal(
    render(0, { total: 4, done: 4, started: 0 }, 10, 2),
    '[Stage 0:==========(4 + 0) / 4]',
  );
});
