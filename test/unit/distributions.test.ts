// The quantiles behind the approximate actions' intervals (src/rdd/distributions.ts), against
// published tables of the standard normal and Student's t distributions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalQuantile, tCdf, tQuantile } from '../../src/rdd/distributions.js';

test("Student's t quantiles match the tables to 7 digits", () => {
  for (const [q, df, table] of [
    [0.975, 1, 12.7062047],
    [0.975, 2, 4.30265273],
    [0.95, 5, 2.01504837],
    [0.975, 10, 2.22813885],
    [0.995, 30, 2.74999565],
    [0.975, 100, 1.98397152],
  ] as const) {
    assert.ok(Math.abs(tQuantile(q, df) - table) < 1e-7, `t(${q}, ${df}) = ${tQuantile(q, df)}`);
    assert.ok(Math.abs(tCdf(table, df) - q) < 1e-8);
  }
  assert.equal(tQuantile(0.5, 7), 0);
  assert.ok(Math.abs(tQuantile(0.025, 10) + 2.22813885) < 1e-7, 'symmetric');
});

test('the normal quantile matches the tables', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.95) - 1.644853627) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.005) + 2.575829304) < 1e-8);
  assert.equal(normalQuantile(1), Infinity);
});
