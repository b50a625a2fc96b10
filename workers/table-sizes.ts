// How many keys the last task of a stage put in a table of each kind, so that the stage's next
// task in this worker sizes its table's index for as many up front and need not rehash as it
// grows (tasks of one stage are alike). A table that starts at 64 slots and doubles to 100 k
// keys rehashes every key about twice; a size hint made a PageRank-sized combine (22.5 k
// records into 13.4 k keys) ~30% cheaper a record. Only the index is sized: a wrong guess
// costs memory (at most a 1 MiB index for a stage never seen), never a wrong answer.

/** The tables that remember their sizes: map-side combine, reduce-side combine, a join's build. */
export type TableKind = 'combine' | 'reduce' | 'join';

// A few stages of each kind are remembered, the oldest forgotten.
const REMEMBERED = 16;
// A stage's first task in this worker takes the last size of its kind, capped: the stages of
// an iterative job (PageRank's) are alike, and each iteration's stages are new.
const UNKNOWN_STAGE_MAX_HINT = 1 << 16;

const sizes: Record<TableKind, Map<number, number>> = {
  combine: new Map(),
  reduce: new Map(),
  join: new Map(),
};
const lastSizes: Record<TableKind, number> = { combine: 0, reduce: 0, join: 0 };

/** Keys to size a `kind` table of stage `id` (a shuffle or RDD id) for. */
export function expectedTableSize(kind: TableKind, id: number): number {
  return sizes[kind].get(id) ?? Math.min(lastSizes[kind], UNKNOWN_STAGE_MAX_HINT);
}

/** Remembers that a `kind` table of stage `id` ended with `size` keys. */
export function noteTableSize(kind: TableKind, id: number, size: number): void {
  const known = sizes[kind];
  lastSizes[kind] = size;
  known.delete(id);
  known.set(id, size);
  if (known.size > REMEMBERED) known.delete(known.keys().next().value as number);
}
