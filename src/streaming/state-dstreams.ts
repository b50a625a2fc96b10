// Stateful streams: updateStateByKey (Spark's StateDStream) and
// mapWithState (MapWithStateDStream). The state after batch t is an RDD
// hash-partitioned by key, computed from the state after t - slide cogrouped
// with the batch's data (the same partitioner makes the state side narrow),
// persisted between batches and reliably checkpointed at the stream's interval;
// on recovery the checkpoint is reopened and later batches are replayed.

import type { RDD } from '../rdd/rdd.js';
import type { Partitioner } from '../rdd/partitioner.js';
import { StorageLevel } from '../storage/storage-level.js';
import type { DStream, DStreamImpl, StatefulImpl } from './dstream.js';
import { kernel, type BoundKernel } from './kernel-refs.js';

/** Old state RDDs are dropped from the cache once no batch needs them. */
export class StateHistory {
  private readonly byTime = new Map<number, RDD<unknown>[]>();

  set(timeMs: number, ...rdds: RDD<unknown>[]): void {
    this.byTime.set(timeMs, rdds);
  }
  get(timeMs: number): RDD<unknown> | undefined {
    return this.byTime.get(timeMs)?.[0];
  }
  clearBefore(timeMs: number): void {
    for (const [t, rdds] of this.byTime) {
      if (t > timeMs) continue;
      this.byTime.delete(t);
      for (const rdd of rdds) rdd.unpersist();
    }
  }
}

/** What both keyed state streams share: one parent, its slide, and the state per batch. */
abstract class KeyedStateImpl implements DStreamImpl, StatefulImpl {
  abstract readonly kind: string;
  readonly parents: DStream<unknown>[];
  readonly state = this;
  protected readonly history = new StateHistory();

  constructor(protected readonly parent: DStream<unknown>) {
    this.parents = [parent];
  }

  get slideMs(): number {
    return this.parent.slideDurationMs;
  }

  abstract compute(timeMs: number, self: DStream<unknown>): RDD<unknown>;
  abstract restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown>;
  abstract defaultCheckpointIntervalMs(slideMs: number): number;

  stateAt(timeMs: number): RDD<unknown> | undefined {
    return this.history.get(timeMs);
  }

  clearBefore(timeMs: number): void {
    this.history.clearBefore(timeMs);
  }
}

/** Pairs of a keyed stream's RDD: its records are [key, value] by the stream's type. */
function pairs(rdd: RDD<unknown>): RDD<[unknown, unknown]> {
  return rdd as RDD<[unknown, unknown]>;
}

export class UpdateStateImpl extends KeyedStateImpl {
  readonly kind = 'updateStateByKey';

  constructor(
    parent: DStream<unknown>,
    private readonly kernelFn: BoundKernel,
    private readonly partitioner: Partitioner,
    private readonly initialRDD: RDD<unknown> | undefined,
  ) {
    super(parent);
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> {
    const ctx = self.ssc.sparkContext;
    const prev = self.getOrCompute(timeMs - this.slideMs) ?? this.initialRDD ?? ctx.emptyRDD();
    const data = this.parent.getOrCompute(timeMs) ?? ctx.emptyRDD();
    const grouped = pairs(prev).cogroup(pairs(data), { partitioner: this.partitioner });
    const next = grouped.mapPartitions(this.kernelFn.fn, {
      env: this.kernelFn.env,
      preservesPartitioning: true,
    });
    next.persist(StorageLevel.MEMORY_ONLY);
    this.history.set(timeMs, next);
    return next;
  }

  restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown> {
    this.history.set(timeMs, rdd);
    return rdd;
  }

  defaultCheckpointIntervalMs(slideMs: number): number {
    return slideMs * Math.ceil(10_000 / slideMs);
  }
}

export interface MapWithStateSettings {
  kernelFn: BoundKernel;
  partitioner: Partitioner;
  timeoutMs: number | undefined;
  initialRDD: RDD<unknown> | undefined;
}

export class MapWithStateImpl extends KeyedStateImpl {
  readonly kind = 'mapWithState';

  constructor(
    parent: DStream<unknown>,
    private readonly settings: MapWithStateSettings,
  ) {
    super(parent);
  }

  compute(timeMs: number, self: DStream<unknown>): RDD<unknown> {
    const ctx = self.ssc.sparkContext;
    const { kernelFn, partitioner, timeoutMs, initialRDD } = this.settings;
    self.getOrCompute(timeMs - this.slideMs);
    const prev =
      this.history.get(timeMs - this.slideMs) ??
      initialRDD?.mapPartitions(kernel('initialTriples'), { env: { timeMs } }) ??
      ctx.emptyRDD();
    const data = this.parent.getOrCompute(timeMs) ?? ctx.emptyRDD();
    const grouped = pairs(prev).cogroup(pairs(data), { partitioner });
    const env = { ...kernelFn.env, timeMs, timeoutMs: timeoutMs ?? null };
    const combined = grouped.mapPartitions(kernelFn.fn, { env, preservesPartitioning: true });
    combined.persist(StorageLevel.MEMORY_ONLY);
    const state = combined.mapPartitions(kernel('selectState'), { preservesPartitioning: true });
    state.persist(StorageLevel.MEMORY_ONLY);
    this.history.set(timeMs, state, combined);
    return combined.mapPartitions(kernel('selectMapped'));
  }

  /** The restored time's mapped values belong to a completed batch: none are needed. */
  restore(timeMs: number, rdd: RDD<unknown>): RDD<unknown> {
    this.history.set(timeMs, rdd);
    return rdd.context.emptyRDD();
  }

  /** Spark's mapWithState default (MapWithStateDStream.DEFAULT_CHECKPOINT_DURATION_MULTIPLIER): ten batches. */
  defaultCheckpointIntervalMs(slideMs: number): number {
    return slideMs * 10;
  }
}

/** mapWithState(...).stateSnapshots(): every (key, state) after each batch. */
export class StateSnapshotImpl implements DStreamImpl {
  readonly kind = 'stateSnapshots';
  readonly parents: DStream<unknown>[];

  constructor(
    private readonly mapped: DStream<unknown>,
    private readonly impl: MapWithStateImpl,
  ) {
    this.parents = [mapped];
  }

  get slideMs(): number {
    return this.mapped.slideDurationMs;
  }

  compute(timeMs: number): RDD<unknown> | undefined {
    this.mapped.getOrCompute(timeMs);
    return this.impl
      .stateAt(timeMs)
      ?.mapPartitions(kernel('snapshotPairs'), { preservesPartitioning: true });
  }
}
