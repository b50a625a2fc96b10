// The raw piscina baseline's worker: the same loop as the plain baseline over
// one range of the split, or nothing at all (a round trip, for task-overhead).

import { sumCostly } from './costly.js';

export type RawTask = { kind: 'sum'; start: number; end: number } | { kind: 'noop' };

export default function rawTask(task: RawTask): number {
  return task.kind === 'sum' ? sumCostly(task.start, task.end) : 0;
}
