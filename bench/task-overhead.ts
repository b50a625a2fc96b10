// task-overhead: range(0, 10000, 1, 10000).count(), one record a task, so the
// time is the engine's per-task cost (scheduling, plan lookup, worker round
// trip, result decoding). Next to it: 10,000 raw piscina round trips of a no-op
// on the same worker count. Target (issue 2): the count in <= 1 s.

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

const TASKS = 10_000;

export async function run(opts: BenchOptions): Promise<BenchRecord[]> {
  const tasks = Math.max(1, Math.round(TASKS * opts.scale));
  const records: BenchRecord[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const raw = await timed(() => rawRoundTrips(tasks, opts.workers));
    records.push(
      emit(
        opts,
        makeRecord({
          bench: 'task-overhead',
          variant: 'raw piscina',
          run: r,
          records: tasks,
          bytes: 0,
          workers: opts.workers,
          wallMs: raw.ms,
          cpuMs: raw.cpuMs,
        }),
      ),
    );
    for (const observed of [false, true]) {
      const k = await timed(() => kindlingCount(tasks, opts.workers, observed));
      const note = k.value === tasks ? undefined : `count ${k.value} != ${tasks}`;
      records.push(
        emit(
          opts,
          makeRecord({
            bench: 'task-overhead',
            variant: observed ? OBSERVED : 'kindling',
            run: r,
            records: tasks,
            bytes: 0,
            workers: opts.workers,
            wallMs: k.ms,
            cpuMs: k.cpuMs,
            ...(note ? { note } : {}),
          }),
        ),
      );
    }
  }
  const k = best(records, 'kindling');
  const raw = best(records, 'raw piscina');
  k.checks = [
    check(
      `range(0, ${tasks}, 1, ${tasks}).count()`,
      k.wallMs,
      'ms',
      `<= ${Math.round(1000 * opts.scale)}`,
    ),
    check('kindling µs per task', (1000 * k.wallMs) / tasks, 'µs', 'info'),
  ];
  const o = best(records, OBSERVED);
  o.checks = observedChecks(k, o);
  raw.checks = [check('raw piscina µs per round trip', (1000 * raw.wallMs) / tasks, 'µs', 'info')];
  return records;
}

function kindlingCount(tasks: number, workers: number, observed: boolean): Promise<number> {
  return withContext(workers, (ctx) => ctx.range(0, tasks, 1, tasks).count(), observed);
}

function rawRoundTrips(tasks: number, workers: number): Promise<void> {
  return withRawPool(workers, async (pool) => {
    await Promise.all(Array.from({ length: tasks }, () => pool.run({ kind: 'noop' })));
  });
}
