// The k-way merge of sorted record streams behind every spill (Spark's ExternalSorter
// mergeSort): a binary heap of one cursor per stream. Stable: of equal records, those of an
// earlier stream come first, and a stream's own order is kept, so runs spilled in arrival
// order merge in arrival order. An output batch is never longer than the shortest batch a
// stream is on: spill runs cut frames of large records short (spill-files.ts), and a merge of
// such records must not gather a thousand of them in one batch.

import { BATCH_SIZE, type Batches } from './batch.js';

class Cursor {
  head: unknown;
  private batch: unknown[] = [];
  private pos = 0;
  /** Whether the last advance() took a new batch. */
  tookBatch = false;

  constructor(
    private readonly source: Iterator<unknown[]>,
    readonly order: number,
  ) {}

  /** Moves head to the next record; false when the stream is exhausted. */
  advance(): boolean {
    this.tookBatch = false;
    while (this.pos >= this.batch.length) {
      const r = this.source.next();
      if (r.done === true) return false;
      this.batch = r.value;
      this.pos = 0;
      this.tookBatch = true;
    }
    this.head = this.batch[this.pos++];
    return true;
  }

  get batchLength(): number {
    return this.batch.length;
  }

  close(): void {
    this.source.return?.();
  }
}

/** The records of every sorted stream in `compare` order, as batches. */
export function* mergeSorted(
  streams: Batches[],
  compare: (a: unknown, b: unknown) => number,
): Generator<unknown[], void, undefined> {
  const less = (a: Cursor, b: Cursor): boolean => {
    const c = compare(a.head, b.head);
    return c < 0 || (c === 0 && a.order < b.order);
  };
  const all = streams.map((s, i) => new Cursor(s[Symbol.iterator](), i));
  try {
    const heap: Cursor[] = [];
    for (const c of all) if (c.advance()) heapPush(heap, c, less);
    let most = shortestBatch(heap);
    let out: unknown[] = [];
    while (heap.length > 0) {
      const top = heap[0] as Cursor;
      out.push(top.head);
      if (out.length >= most) {
        yield out;
        out = [];
      }
      const more = top.advance();
      if (more) siftDown(heap, 0, less);
      else {
        const last = heap.pop() as Cursor;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(heap, 0, less);
        }
      }
      if (top.tookBatch || !more) most = shortestBatch(heap);
    }
    if (out.length > 0) yield out;
  } finally {
    for (const c of all) c.close();
  }
}

/** BATCH_SIZE, or the length of the shortest batch a stream is on (at least 1). */
function shortestBatch(cursors: readonly Cursor[]): number {
  let most = BATCH_SIZE;
  for (const c of cursors) most = Math.min(most, c.batchLength);
  return Math.max(1, most);
}

function heapPush(heap: Cursor[], c: Cursor, less: (a: Cursor, b: Cursor) => boolean): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i] as Cursor, heap[parent] as Cursor)) break;
    [heap[i], heap[parent]] = [heap[parent] as Cursor, heap[i] as Cursor];
    i = parent;
  }
}

function siftDown(heap: Cursor[], i: number, less: (a: Cursor, b: Cursor) => boolean): void {
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    const r = l + 1;
    const child = r < n && less(heap[r] as Cursor, heap[l] as Cursor) ? r : l;
    if (!less(heap[child] as Cursor, heap[i] as Cursor)) return;
    [heap[i], heap[child]] = [heap[child] as Cursor, heap[i] as Cursor];
    i = child;
  }
}
