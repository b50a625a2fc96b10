// Concurrent jobs over one cached RDD: a partition being cached is computed once, and
// the other jobs wait for its block instead of computing it again (Spark's
// BlockInfoManager write lock on a block being put).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context, StorageLevel } from 'kindling';

const ctx = new Context({ workers: 2, progress: false });
after(() => ctx.stop());

for (const level of [StorageLevel.MEMORY_ONLY, StorageLevel.DISK_ONLY]) {
  test(`twelve concurrent count() over a ${level.name} RDD compute each partition once`, async () => {
    const computed = ctx.longAccumulator('partitions computed');
    const rdd = ctx
      .range(0, 8000, 1, 8)
      .mapPartitions(
        function* (records, env) {
          env.computed.add(1);
          yield* records;
        },
        { env: { computed } },
      )
      .persist(level);
    const counts = await Promise.all(Array.from({ length: 12 }, () => rdd.count()));
    assert.deepEqual(
      counts,
      Array.from({ length: 12 }, () => 8000),
    );
    assert.equal(computed.value, rdd.getNumPartitions());
    assert.equal(await rdd.count(), 8000);
    assert.equal(computed.value, rdd.getNumPartitions(), 'later jobs read the blocks');
  });
}
