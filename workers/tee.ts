// A tee copies a partition's batches into a side output (cache block, checkpoint file) while
// they flow downstream. Side outputs need the WHOLE partition even when the consumer stops
// early (take(n), first()), so closing a tee's iterator leaves its source open: the task
// drains it afterwards (TaskContext.drainTees) by pulling the same source to its end.

import { errors } from '../src/shared/errors.js';
import type { Batches } from './batch.js';

/** Where a tee writes: committed only if the whole task succeeds, aborted otherwise. */
export interface BatchSink {
  write(batch: unknown[]): void;
  /** Finishes the output and records it in the task's side outputs. */
  commit(): void;
  /** Removes anything written (temp files); must not throw. */
  abort(): void;
  /**
   * The batches written so far, decoded again from what the sink holds, for a second reader of
   * the partition in the same task once the tee has finished; absent where that is not cheap.
   */
  replay?(): Batches;
}

export class Tee implements Iterable<unknown[]> {
  private source: Iterator<unknown[]> | undefined;
  private iterated = false;
  private finished = false;

  constructor(
    private readonly input: Batches,
    readonly sink: BatchSink,
    /** Distance from the task's root partition: downstream tees drain first. */
    readonly depth: number,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  [Symbol.iterator](): Iterator<unknown[]> {
    if (this.iterated) throw errors.internal('a tee of a partition can be read only once');
    this.iterated = true;
    return {
      next: () => this.pull(),
      // Deliberately not forwarded to the source: see the module comment.
      return: () => ({ done: true, value: undefined }),
    };
  }

  /** Pulls the rest of the partition into the sink. */
  drain(): void {
    while (!this.pull().done);
  }

  private pull(): IteratorResult<unknown[], undefined> {
    if (this.finished) return { done: true, value: undefined };
    this.source ??= this.input[Symbol.iterator]();
    const r = this.source.next();
    if (r.done === true) {
      this.finished = true;
      return { done: true, value: undefined };
    }
    this.sink.write(r.value);
    return r;
  }
}
