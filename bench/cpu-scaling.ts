// cpu-scaling: a CPU-bound map over 8,000,000 numbers in 16 partitions, then a
// sum. Kindling with N workers (default 2) and with 1 worker, against the plain
// single-threaded loop and raw piscina on the same 16-way split, all calling the
// same costly() in the same run. Targets (issue 2): kindling(2) >= 1.8x plain,
// >= 0.95x raw piscina; kindling(1) >= 0.95x plain.

import { observedChecks, OBSERVED, withContext, withRawPool } from './raw-piscina.js';
import {
  best,
  check,
  emit,
  makeRecord,
  timed,
  type BenchOptions,
  type BenchRecord,
} from './bench-record.js';
import { costly, sumCostly } from './costly.js';

const RECORDS = 8_000_000;
const PARTITIONS = 16;

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const n = Math.round(RECORDS * opts.scale);
  const bytes = n * 8;
  const records: BenchRecord[] = [];
  const variants: [string, number, () => Promise<number>][] = [
    ['plain loop', 1, () => Promise.resolve(sumCostly(0, n))],
    ['raw piscina', opts.workers, () => rawPiscina(n, opts.workers)],
    [`kindling`, opts.workers, () => kindling(n, opts.workers)],
    ['kindling 1 worker', 1, () => kindling(n, 1)],
    [OBSERVED, opts.workers, () => kindling(n, opts.workers, true)],
  ];
  let expected: number | undefined;
  for (let r = 0; r < opts.runs; r++) {
    for (const [variant, workers, f] of variants) {
      const { value, ms, cpuMs } = await timed(f);
      expected ??= value;
      // Partition sums add in another order: equal up to rounding.
      const note =
        Math.abs(value - expected) > 1e-6 * Math.abs(expected)
          ? `sum ${value} != ${expected}`
          : undefined;
      records.push(
        emit(
          opts,
          makeRecord({
            bench: 'cpu-scaling',
            variant,
            run: r,
            records: n,
            bytes,
            workers,
            wallMs: ms,
            cpuMs,
            ...(note ? { note } : {}),
          }),
        ),
      );
    }
  }
  const plain = best(records, 'plain loop').wallMs;
  const raw = best(records, 'raw piscina').wallMs;
  const k = best(records, 'kindling');
  const k1 = best(records, 'kindling 1 worker');
  k.checks = [
    check(`kindling(${opts.workers}) vs plain loop`, plain / k.wallMs, 'x', '>= 1.8'),
    check(
      `kindling(${opts.workers}) vs raw piscina(${opts.workers})`,
      raw / k.wallMs,
      'x',
      '>= 0.95',
    ),
  ];
  best(records, OBSERVED).checks = observedChecks(k, best(records, OBSERVED));
  k1.checks = [check('kindling(1) vs plain loop', plain / k1.wallMs, 'x', '>= 0.95')];
  // Load-independent: the CPU the engine spends for the same work (1 = no overhead).
  const plainCpu = best(records, 'plain loop').cpuMs ?? NaN;
  k.checks.push(
    check(
      `CPU cost kindling(${opts.workers}) / plain loop`,
      (k.cpuMs ?? NaN) / plainCpu,
      'x',
      '<= 1.05',
    ),
  );
  k1.checks.push(
    check('CPU cost kindling(1) / plain loop', (k1.cpuMs ?? NaN) / plainCpu, 'x', '<= 1.05'),
  );
  return records;
}

function kindling(n: number, workers: number, observed = false): Promise<number> {
  return withContext(
    workers,
    (ctx) =>
      ctx
        .range(0, n, 1, PARTITIONS)
        .map(costly)
        .reduce((a, b) => a + b),
    observed,
  );
}

function rawPiscina(n: number, workers: number): Promise<number> {
  return withRawPool(workers, async (pool) => {
    const step = Math.ceil(n / PARTITIONS);
    const parts = Array.from({ length: PARTITIONS }, (_, i) =>
      pool.run({ kind: 'sum', start: i * step, end: Math.min(n, (i + 1) * step) }),
    );
    return (await Promise.all(parts)).reduce((a, b) => a + b, 0);
  });
}
