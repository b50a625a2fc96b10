// Windowed streams (Spark's WindowedDStream and ReducedWindowedDStream). A
// window at time t covers the parent's batches in (t - window, t]. With an
// inverse function the window is incremental: the previous window's values,
// minus the batches that left, plus those that entered; that makes it state,
// so it is checkpointed (mustCheckpoint) and restored on recovery. Every
// incremental window (reduceByKeyAndWindow, reduceByWindow, countByWindow,
// countByValueAndWindow) is a ReducedWindowedImpl: one state shape to persist.

import { RDD } from '../rdd/rdd.js';
import type { Partitioner } from '../rdd/partitioner.js';
import { CoGroupedRDD } from '../rdd/shuffled-rdds.js';
import { StorageLevel } from '../storage/storage-level.js';
import type { DStream, DStreamImpl, StatefulImpl } from './dstream.js';
import { kernel, type BoundKernel } from './kernel-refs.js';
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

/** The operators whose window is incremental state; the kind keys it in the checkpoint. */
export type ReducedWindowKind =
  'reduceByKeyAndWindow' | 'reduceByWindow' | 'countByWindow' | 'countByValueAndWindow';

export interface ReducedWindowSettings {
  readonly kind: ReducedWindowKind;
  /** reduceWindowPartition bound to the user's f, invF and filterFunc. */
  readonly kernelFn: BoundKernel & { env: { hasFilter: boolean } };
  readonly partitioner: Partitioner;
  readonly windowMs: number;
  readonly slideMs: number;
  /** What the stream shows of its window of [key, value] pairs: the pairs, or their values
   * (reduceByWindow and countByWindow, whose one key is a placeholder). */
  readonly output: 'pairs' | 'values';
}

/**
 * Spark's ReducedWindowedDStream. The state is the window's [key, value] pairs, one definition
 * for every operator built on it (StateHistory, checkpointed like updateStateByKey's state).
 */
export class ReducedWindowedImpl implements DStreamImpl, StatefulImpl {
  readonly kind: ReducedWindowKind;
  readonly parents: DStream<unknown>[];
  readonly parentRememberExtraMs: number;
  readonly state = this;
  private readonly windows = new StateHistory();

  constructor(
    /** Already reduced by key per batch, with the settings' partitioner. */
    private readonly reduced: DStream<unknown>,
    private readonly settings: ReducedWindowSettings,
  ) {
    this.kind = settings.kind;
    this.parents = [reduced];
    this.parentRememberExtraMs = settings.windowMs + settings.slideMs;
  }

  get slideMs(): number {
    return this.settings.slideMs;
  }

  /**
   * [previous window, batches that left, batches that entered] cogrouped by key and merged by
   * the kernel. The first window has no previous one and takes every batch it covers, through
   * the same kernel, so filterFunc applies to it too (Spark cogroups an empty previous window).
   */
  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> {
    const { windowMs: w, slideMs: s, partitioner, kernelFn } = this.settings;
    const ctx = self.ssc.sparkContext;
    self.getOrCompute(timeMs - s);
    const prev = this.windows.get(timeMs - s);
    const olds =
      prev === undefined
        ? ctx.emptyRDD()
        : unionOf(self, rddsIn(this.reduced, timeMs - s - w, timeMs - w));
    const news = unionOf(
      self,
      rddsIn(this.reduced, prev === undefined ? timeMs - w : timeMs - s, timeMs),
    );
    const grouped = new RDD(
      ctx,
      new CoGroupedRDD([prev ?? ctx.emptyRDD(), olds, news], partitioner, () => ctx.newShuffleId()),
    );
    const next = grouped.mapPartitions(kernelFn.fn, {
      env: kernelFn.env,
      preservesPartitioning: true,
    });
    next.persist(StorageLevel.MEMORY_ONLY);
    this.windows.set(timeMs, next);
    return this.show(next);
  }

  private show(window: RDD<unknown>): RDD<unknown> {
    return this.settings.output === 'pairs' ? window : window.mapPartitions(kernel('pairValues'));
  }

  stateAt(timeMs: number): RDD<unknown> | undefined {
    return this.windows.get(timeMs);
  }

  restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown> {
    this.windows.set(timeMs, rdd);
    return this.show(rdd);
  }

  /** Spark's default for mustCheckpoint streams: the smallest multiple of the slide >= 10 s. */
  defaultCheckpointIntervalMs(slideMs: number): number {
    return slideMs * Math.ceil(10_000 / slideMs);
  }

  clearBefore(timeMs: number): void {
    this.windows.clearBefore(timeMs);
  }
}
