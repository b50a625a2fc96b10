// Which state checkpoint each stateful stream restarts from, and how far back
// each stream must recompute, when a recovery's first batch is `firstMs`. One
// definition for the two sides that must agree: getOrCreate restores what it
// chooses, and the running JobGenerator keeps what a recovery at that moment
// would choose (those state checkpoints and newer ones, the inputs' recorded
// files from the earliest batch the plan recomputes).
//
// A stream is asked for times from E: the first batch for an output's stream;
// for a parent, what its children reach back to (a window its length). A
// stateful stream restored at c recomputes every time after c, and at c itself
// only its state is back (mapWithState's mapped values are not), so c must
// come before E: a window over its output, or a stateful stream it feeds whose
// own checkpoint is older, then gets exactly the RDDs an uninterrupted run had.
// When none is that old (the stream's first checkpoints), it starts where the
// history of the run that wrote the checkpoint started (HistoryStart): that
// run kept the recorded inputs from there.

import type { DStream } from './dstream.js';
import type { DStreamGraph } from './dstream-graph.js';
import type { StateRecord } from './metadata-checkpoint.js';

type Any = DStream<unknown>;

export interface RestorePlan {
  /** Stateful stream key -> the state checkpoint it restarts from; absent: it has none. */
  readonly restoreFrom: Map<string, StateRecord>;
  /** Stateful stream key -> the time it restarts empty after, with no checkpoint (HistoryStart). */
  readonly emptyAfter: Map<string, number>;
  /** The earliest batch time each stream will be asked for; absent: never asked. */
  readonly earliestMs: Map<Any, number>;
}

/**
 * Where a stateful stream's history starts when none of its checkpoints is old enough: 'zero'
 * (recomputed from the zero time), a time (its checkpoint of that time, from which the run
 * went on; none: a stream new in a recovered graph, empty from there), or 'oldest' (its oldest
 * checkpoint: a file of an older build does not say, and kept inputs from about there).
 */
export type HistoryStart = number | 'zero' | 'oldest';

export function planRestore(
  graph: DStreamGraph,
  zeroTimeMs: number,
  firstMs: number,
  records: readonly StateRecord[],
  startOf: (s: Any) => HistoryStart,
): RestorePlan {
  const restoreFrom = new Map<string, StateRecord>();
  const emptyAfter = new Map<string, number>();
  const earliestMs = new Map<Any, number>();
  for (const op of graph.outputs) earliestMs.set(op.stream, firstMs);
  // Children are created after their parents: one pass from the end visits a stream's
  // children before it.
  for (let i = graph.streams.length - 1; i >= 0; i--) {
    const s = graph.streams[i] as Any;
    const asked = earliestMs.get(s);
    if (asked === undefined) continue;
    let from = asked;
    if (s.impl.state !== undefined) {
      let record = newestBefore(records, s.key, asked);
      let start = record?.timeMs ?? zeroTimeMs;
      if (record === undefined) {
        const history = startOf(s);
        if (history === 'oldest') record = oldest(records, s.key);
        else if (history !== 'zero')
          record = records.find((r) => isOf(r, s.key) && r.timeMs === history);
        start = record?.timeMs ?? (typeof history === 'number' ? history : zeroTimeMs);
      }
      if (record !== undefined) restoreFrom.set(s.key, record);
      else if (start !== zeroTimeMs) emptyAfter.set(s.key, start);
      from = start + s.slideDurationMs;
    }
    const reach = from - (s.impl.parentRememberExtraMs ?? 0);
    for (const p of s.impl.parents) earliestMs.set(p, Math.min(earliestMs.get(p) ?? reach, reach));
  }
  return { restoreFrom, emptyAfter, earliestMs };
}

function newestBefore(
  records: readonly StateRecord[],
  key: string,
  beforeMs: number,
): StateRecord | undefined {
  let best: StateRecord | undefined;
  for (const r of records) {
    if (!isOf(r, key) || r.timeMs >= beforeMs) continue;
    if (best === undefined || r.timeMs > best.timeMs) best = r;
  }
  return best;
}

function oldest(records: readonly StateRecord[], key: string): StateRecord | undefined {
  let best: StateRecord | undefined;
  for (const r of records) {
    if (!isOf(r, key)) continue;
    if (best === undefined || r.timeMs < best.timeMs) best = r;
  }
  return best;
}

function isOf(r: StateRecord, key: string): boolean {
  return r.key === key && r.stateful;
}
