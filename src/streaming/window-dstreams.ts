// Windowed streams (Spark's WindowedDStream and ReducedWindowedDStream). A
// window at time t covers the parent's batches in (t - window, t]. With an
// inverse function the window is incremental: the previous window's values,
// minus the batches that left, plus those that entered; that makes it state,
// so it is checkpointed (mustCheckpoint) and restored on recovery.

import { RDD } from '../rdd/rdd.js';
import type { Partitioner } from '../rdd/partitioner.js';
import { CoGroupedRDD } from '../rdd/shuffled-rdds.js';
import { StorageLevel } from '../storage/storage-level.js';
import type { DStream, DStreamImpl, StatefulImpl } from './dstream.js';
import type { BoundKernel } from './kernel-refs.js';
import { StateHistory } from './state-dstreams.js';

/** The parent's RDDs for batch times in (from, to], oldest first. */
function rddsIn<T>(parent: DStream<T>, fromMs: number, toMs: number): RDD<T>[] {
  const out: RDD<T>[] = [];
  const slide = parent.slideDurationMs;
  for (let t = toMs; t > fromMs; t -= slide) {
    const rdd = parent.getOrCompute(t);
    if (rdd !== undefined) out.unshift(rdd);
  }
  return out;
}

function unionOf<T>(self: DStream<unknown>, rdds: RDD<T>[]): RDD<T> {
  const ctx = self.ssc.sparkContext;
  return rdds.length === 0 ? ctx.emptyRDD<T>() : ctx.union(rdds);
}

export class WindowedImpl implements DStreamImpl {
  readonly kind = 'window';
  readonly parents: DStream<unknown>[];
  readonly parentRememberExtraMs: number;

  constructor(
    private readonly parent: DStream<unknown>,
    readonly windowMs: number,
    readonly slideMs: number,
  ) {
    this.parents = [parent];
    this.parentRememberExtraMs = windowMs;
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> {
    return unionOf(self, rddsIn(this.parent, timeMs - this.windowMs, timeMs));
  }
}

export class ReducedWindowedImpl<K, V> implements DStreamImpl, StatefulImpl {
  readonly kind = 'reduceByKeyAndWindow';
  readonly parents: DStream<unknown>[];
  readonly parentRememberExtraMs: number;
  readonly state = this;
  private readonly windows = new StateHistory();

  constructor(
    /** Already reduced by key per batch. */
    private readonly reduced: DStream<[K, V]>,
    private readonly kernelFn: BoundKernel & { env: { hasFilter: boolean } },
    private readonly reduceAll: (rdd: RDD<[K, V]>) => RDD<[K, V]>,
    private readonly partitioner: Partitioner,
    readonly windowMs: number,
    readonly slideMs: number,
  ) {
    this.parents = [reduced];
    this.parentRememberExtraMs = windowMs + slideMs;
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> {
    const { windowMs: w, slideMs: s } = this;
    const prev = self.getOrCompute(timeMs - s);
    let next: RDD<unknown>;
    if (prev === undefined) {
      next = this.reduceAll(unionOf(self, rddsIn(this.reduced, timeMs - w, timeMs)));
    } else {
      const ctx = self.ssc.sparkContext;
      const olds = unionOf(self, rddsIn(this.reduced, timeMs - s - w, timeMs - w));
      const news = unionOf(self, rddsIn(this.reduced, timeMs - s, timeMs));
      const grouped = new RDD(
        ctx,
        new CoGroupedRDD([prev, olds, news], this.partitioner, () => ctx.newShuffleId()),
      );
      next = grouped.mapPartitions(this.kernelFn.fn, {
        env: this.kernelFn.env,
        preservesPartitioning: true,
      });
    }
    next.persist(StorageLevel.MEMORY_ONLY);
    this.windows.set(timeMs, next);
    return next;
  }

  stateAt(timeMs: number): RDD<unknown> | undefined {
    return this.windows.get(timeMs);
  }

  restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown> {
    this.windows.set(timeMs, rdd);
    return rdd;
  }

  /** Spark's default for mustCheckpoint streams: the smallest multiple of the slide >= 10 s. */
  defaultCheckpointIntervalMs(slideMs: number): number {
    return slideMs * Math.ceil(10_000 / slideMs);
  }

  clearBefore(timeMs: number): void {
    this.windows.clearBefore(timeMs);
  }
}
