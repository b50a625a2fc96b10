// Fault injection on scratch files: between two actions over the same RDD, each kind of
// file the engine keeps under localDir (shuffle output, map-side spill files, disk cache
// blocks, spilled MEMORY_AND_DISK blocks, local-checkpoint blocks) is deleted, truncated or
// overwritten at several places. The second action must return the exact answer (the
// engine recomputes from lineage) or fail with a KindlingError; never a short or altered one.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context, isKindlingError, StorageLevel, type RDD } from 'kindling';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-faults-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every file under dir, absolute paths. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((p) => path.join(dir, p))
    .filter((p) => fs.statSync(p).isFile());
}

interface Damage {
  name: string;
  apply(file: string): void;
}

function overwrite(at: (size: number) => number): (file: string) => void {
  return (file) => {
    const b = fs.readFileSync(file);
    const i = Math.max(0, Math.min(at(b.length), b.length - 4));
    for (let k = i; k < Math.min(i + 4, b.length); k++) b[k] = (b[k] as number) ^ 0xa5;
    fs.writeFileSync(file, b);
  };
}

const damages: Damage[] = [
  { name: 'deleted', apply: (f) => fs.rmSync(f) },
  { name: 'truncated to half', apply: (f) => fs.truncateSync(f, fs.statSync(f).size >> 1) },
  { name: 'truncated by one byte', apply: (f) => fs.truncateSync(f, fs.statSync(f).size - 1) },
  { name: 'emptied', apply: (f) => fs.truncateSync(f, 0) },
  { name: 'overwritten at the start', apply: overwrite(() => 0) },
  { name: 'overwritten in the first frame header', apply: overwrite(() => 14) },
  { name: 'overwritten in the middle', apply: overwrite((n) => n >> 1) },
  { name: 'overwritten at the end', apply: overwrite((n) => n - 4) },
];

/**
 * Runs `first` on a fresh RDD, damages every new file that `pick` selects, then checks
 * that `second` gives `expected` exactly or rejects with a KindlingError.
 */
async function damageBetweenActions<T>(
  localDir: string,
  build: () => RDD<T>,
  pick: (file: string) => boolean,
  damage: Damage,
  expected: unknown,
  normalize: (got: T[]) => unknown,
): Promise<void> {
  const before = new Set(filesUnder(localDir));
  const rdd = build();
  assert.deepEqual(normalize(await rdd.collect()), expected, 'first action is exact');
  const victims = filesUnder(localDir).filter((f) => !before.has(f) && pick(path.basename(f)));
  assert.ok(victims.length > 0, 'the first action left files of the kind under test');
  for (const f of victims) damage.apply(f);
  let got: T[];
  try {
    got = await rdd.collect();
  } catch (e) {
    assert.ok(isKindlingError(e), `a KindlingError, not ${String(e)}`);
    return;
  }
  assert.deepEqual(normalize(got), expected, `exact result after the file was ${damage.name}`);
}

/** One test a damage: every map output file `build`'s job wrote, damaged between two actions. */
function damageEveryMapOutput<T>(
  localDir: string,
  build: () => RDD<T>,
  expected: unknown,
  normalize: (got: T[]) => unknown,
): void {
  for (const damage of damages) {
    it(`every map output file ${damage.name}: exact result or KindlingError`, () =>
      damageBetweenActions(
        localDir,
        build,
        (f) => /^shuffle_.*\.data$/.test(f),
        damage,
        expected,
        normalize,
      ));
  }
}

const sortedPairs = (got: [number, number][]): [number, number][] =>
  [...got].sort((a, b) => a[0] - b[0]);

describe('shuffle output', () => {
  const localDir = path.join(root, 'shuffle');
  const ctx = new Context({ workers: 2, progress: false, localDir });
  after(() => ctx.stop());
  const expected = Array.from({ length: 256 }, (_, k) => [k, k < 4000 % 256 ? 16 : 15]);
  const build = () =>
    ctx
      .range(0, 4000, 1, 4)
      .map((x) => [x % 256, 1] as [number, number])
      .reduceByKey((a, b) => a + b, { numPartitions: 256 });

  it('a deleted map output file is recomputed, and the sum stays 4000', async () => {
    const counted = build();
    assert.equal(await counted.count(), 256);
    const data = filesUnder(localDir).filter((f) =>
      /^shuffle_\d+_\d+_\d+\.data$/.test(path.basename(f)),
    );
    assert.equal(data.length, 4);
    fs.rmSync(data[1] as string);
    const got = await counted.collect();
    assert.equal(
      got.reduce((s, [, n]) => s + n, 0),
      4000,
    );
    assert.deepEqual(sortedPairs(got), expected);
  });

  damageEveryMapOutput(localDir, build, expected, sortedPairs);
});

describe('shuffle output of array keys (frames that carry their key hashes)', () => {
  const localDir = path.join(root, 'hashed');
  const ctx = new Context({ workers: 2, progress: false, localDir });
  after(() => ctx.stop());
  // A join routes every record with its key's hash; a reduceByKey ships its combined keys'.
  const key = (x: number): [string, number] => ['k' + (x % 16), x % 5];
  const expected = (() => {
    const sums = new Map<string, number>();
    for (let x = 0; x < 2000; x++) {
      const k = key(x).join('|');
      sums.set(k, (sums.get(k) ?? 0) + x * 3);
    }
    return [...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  })();
  // The key is written out in each function: a shipped function cannot capture `key`.
  const build = () => {
    const left = ctx
      .range(0, 2000, 1, 4)
      .map((x) => [['k' + (x % 16), x % 5], x] as [[string, number], number]);
    const right = ctx
      .range(0, 80, 1, 2)
      .map((x) => [['k' + (x % 16), x % 5], 3] as [[string, number], number])
      .reduceByKey((a) => a, { numPartitions: 3 });
    return left
      .join(right, { numPartitions: 3 })
      .map(([k, [x, three]]) => [k, x * three] as [[string, number], number])
      .reduceByKey((a, b) => a + b, { numPartitions: 3 });
  };
  const normalize = (got: [[string, number], number][]): [string, number][] =>
    got
      .map(([k, v]) => [k.join('|'), v] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));

  damageEveryMapOutput(localDir, build, expected, normalize);
});

describe('map-side spill files', () => {
  const localDir = path.join(root, 'spills');
  const ctx = new Context({ workers: 2, progress: false, localDir, shuffleSpillRecords: 100 });
  after(() => ctx.stop());
  // groupByKey does not combine on the map side, so each map task spills every 100 records.
  const expected = Array.from({ length: 64 }, (_, k) => {
    let sum = 0;
    for (let x = k; x < 4000; x += 64) sum += x;
    return [k, sum];
  });
  const build = () =>
    ctx
      .range(0, 4000, 1, 4)
      .map((x) => [x % 64, x] as [number, number])
      .groupByKey({ numPartitions: 8 })
      .mapValues((vs) => vs.reduce((a, b) => a + b, 0));

  for (const damage of damages) {
    it(`every spill file ${damage.name}: exact result or KindlingError`, () =>
      damageBetweenActions(
        localDir,
        build,
        (f) => /^shuffle_.*\.spill\d+\.data$/.test(f),
        damage,
        expected,
        sortedPairs,
      ));
  }
});

describe('cached blocks on disk', () => {
  const localDir = path.join(root, 'cache');
  // A budget smaller than one block: every MEMORY_AND_DISK block spills to disk.
  const ctx = new Context({ workers: 2, progress: false, localDir, memoryLimitBytes: 1000 });
  after(() => ctx.stop());
  const n = 20_000;
  const expected = Array.from({ length: n }, (_, i) => i * 1.5);
  const cases: { name: string; build: () => RDD<number> }[] = [
    {
      name: 'DISK_ONLY block',
      build: () =>
        ctx
          .range(0, n, 1, 4)
          .map((x) => x * 1.5)
          .persist(StorageLevel.DISK_ONLY),
    },
    {
      name: 'spilled MEMORY_AND_DISK block',
      build: () =>
        ctx
          .range(0, n, 1, 4)
          .map((x) => x * 1.5)
          .persist(StorageLevel.MEMORY_AND_DISK),
    },
    {
      name: 'local checkpoint block',
      build: () => {
        const rdd = ctx
          .range(0, n, 1, 4)
          .map((x) => x * 1.5)
          .localCheckpoint();
        return rdd;
      },
    },
  ];
  for (const c of cases) {
    for (const damage of damages) {
      it(`every ${c.name} ${damage.name}: exact result or KindlingError`, () =>
        damageBetweenActions(
          localDir,
          c.build,
          (f) => /^rdd_\d+_\d+/.test(f),
          damage,
          expected,
          (got) => got,
        ));
    }
  }
});
