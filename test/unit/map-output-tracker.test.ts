// Map-output bookkeeping (src/shuffle/map-output-tracker.ts, Spark's MapOutputTracker): the
// blocks a reducer reads, a lost output reported as such, and an unknown shuffle as a bug.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { MapOutputTracker } from '../../src/shuffle/map-output-tracker.js';

test('a reducer gets one block per map output that has data for it, and a missing one as such', () => {
  const t = new MapOutputTracker();
  t.registerShuffle(0, 2, 'lz4');
  t.registerMapOutput({
    shuffleId: 0,
    mapIndex: 0,
    path: '/nonexistent/a',
    offsets: [8, 8, 20],
    checksums: [0, 0x1234],
  });
  assert.deepEqual(t.missingMaps(0), [1]);
  assert.deepEqual(t.blocksFor(0, 0), [
    { kind: 'missing', shuffleId: 0, mapIndex: 1, reduceIndex: 0 },
  ]);
  assert.deepEqual(t.blocksFor(0, 1), [
    {
      kind: 'range',
      shuffleId: 0,
      mapIndex: 0,
      reduceIndex: 1,
      path: '/nonexistent/a',
      start: 8,
      end: 20,
      checksum: 0x1234,
      codec: 'lz4',
    },
    { kind: 'missing', shuffleId: 0, mapIndex: 1, reduceIndex: 1 },
  ]);
});

test('a fetch failure on a file the map output no longer has leaves the new output alone', () => {
  const t = new MapOutputTracker();
  t.registerShuffle(0, 1, 'lz4');
  const status = { shuffleId: 0, mapIndex: 0, offsets: [12, 20], checksums: [7] };
  t.registerMapOutput({ ...status, path: '/nonexistent/recomputed' });
  t.unregisterMapOutput(0, 0, '/nonexistent/old');
  assert.deepEqual(t.missingMaps(0), []);
  t.unregisterMapOutput(0, 0, '/nonexistent/recomputed');
  assert.deepEqual(t.missingMaps(0), [0]);
});

test('blocks of a shuffle that was never registered are an INTERNAL error, not an empty read', () => {
  assert.throws(
    () => new MapOutputTracker().blocksFor(5, 0),
    (e: unknown) => isKindlingError(e, 'INTERNAL') && /shuffle 5/.test(e.message),
  );
});
