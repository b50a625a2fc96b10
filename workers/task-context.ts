// The state of one task attempt inside a worker: its plan, its bound user functions, the
// accumulator deltas it made, and its side outputs (tees and their sinks). Side outputs are
// all-or-nothing: commitSideOutputs() after the result is known, abortSideOutputs() on failure.

import { errors } from '../src/shared/errors.js';
import type { ShippedAccumulator, ShippedCustomAccumulator } from '../src/shared/env-wire.js';
import {
  accumulatorLabel,
  addToTotal,
  checkAccumulatorValue,
  valueInTask,
} from '../src/shared/accumulator-values.js';
import type {
  FunctionPlan,
  PartitionDesc,
  PlanNode,
  TaskRequest,
  TaskSideOutputs,
} from '../src/shared/protocol.js';
import { plainRecords, type Batches } from './batch.js';
import { bindEnv, type EnvHandles } from './env.js';
import { functionKey, type UserFunction } from './functions.js';
import { getBroadcastValue, type LoadedPlan } from './plan-cache.js';
import type { FetchFailedError } from './task-errors.js';
import { newTaskCounters, type TaskCounters } from './task-metrics.js';
import { Tee, type BatchSink } from './tee.js';

export type TaskInfo = Pick<TaskRequest, 'stageId' | 'partitionIndex' | 'taskId' | 'attempt'>;

// Handles are per worker (broadcast) or per task (accumulator); both are plain objects so
// user code can read them like the main thread's Broadcast/Accumulator.
const broadcastHandles = new Map<number, { readonly id: number; readonly value: unknown }>();

function broadcastHandle(id: number): { readonly id: number; readonly value: unknown } {
  let handle = broadcastHandles.get(id);
  if (handle === undefined) {
    handle = {
      id,
      get value(): unknown {
        return getBroadcastValue(id);
      },
    };
    broadcastHandles.set(id, handle);
  }
  return handle;
}

export class TaskContext {
  readonly side: TaskSideOutputs = {
    accumulators: [],
    checkpoints: [],
    blocks: [],
    lostBlocks: [],
  };
  /** Records the stage's root produced (TaskMetrics.recordsRead). */
  recordsRead = 0;
  /**
   * The first fetch failure this task met, kept even if user code caught it: the task then
   * still answers fetchFailed, never a result short of that map output (Spark's
   * TaskContext.setFetchFailed).
   */
  fetchFailure: FetchFailedError | undefined;
  /** Shuffle, input, output and spill counters (TaskMetrics); out-of-core spills add here. */
  readonly counters: TaskCounters = newTaskCounters();
  private readonly envs = new Map<FunctionPlan, unknown>();
  private readonly accumulators = new Map<number, number>();
  /** Custom accumulators this task added to: its own value of each, from a copy of zero. */
  private readonly customAccumulators = new Map<number, { value: unknown }>();
  private readonly tees: Tee[] = [];
  /** The tee of each persisted partition this task computes, by node and index. */
  private readonly blockTees = new Map<string, Tee>();
  private readonly sinks: BatchSink[] = [];
  private readonly aborts: (() => void)[] = [];
  private readonly scratch: (() => void)[] = [];
  private readonly depths = new WeakMap<PartitionDesc, number>();
  private readonly handles: EnvHandles = {
    broadcast: broadcastHandle,
    accumulator: (shipped) => this.accumulatorHandle(shipped),
    customAccumulator: (shipped) => this.customAccumulatorHandle(shipped),
    fn: (shipped) => {
      const f = this.loaded.envFunctions.get(functionKey(shipped));
      if (f === undefined) throw errors.unsupported('A function in env was not loaded');
      return f;
    },
  };

  constructor(
    readonly loaded: LoadedPlan,
    readonly info: TaskInfo,
    root: PartitionDesc,
  ) {
    for (const id of loaded.accumulatorIds) this.accumulators.set(id, 0);
    this.recordDepths(root, 0);
  }

  get localDir(): string {
    return this.loaded.plan.localDir;
  }

  node(id: number): PlanNode {
    const node = this.loaded.nodes.get(id);
    if (node === undefined) {
      throw errors.internal(
        `the partition descriptor names node ${id}, not in plan ${this.loaded.plan.planId}`,
      );
    }
    return node;
  }

  fn(fp: FunctionPlan): UserFunction {
    const f = this.loaded.functions.get(fp);
    if (f === undefined) throw errors.internal('a function of the stage plan was not loaded');
    return f;
  }

  /**
   * The env `fp`'s function receives as its last argument, with live handles.
   * Each task gets its own copy, as Spark deserializes a closure per task: a
   * function that mutates its env cannot leak state into the worker's next task.
   */
  env(fp: FunctionPlan): unknown {
    if (!this.envs.has(fp)) {
      const copy = structuredClone(fp.env.data);
      this.envs.set(fp, this.loaded.boundEnvs.has(fp) ? bindEnv(copy, fp.env, this.handles) : copy);
    }
    return this.envs.get(fp);
  }

  /** Wraps `input` so `sink` receives every batch of the partition described by `desc`. */
  tee(desc: PartitionDesc, input: Batches, sink: BatchSink): Tee {
    const tee = new Tee(plainRecords(input, desc.node), sink, this.depths.get(desc) ?? 0);
    this.tees.push(tee);
    this.sinks.push(sink);
    return tee;
  }

  /**
   * tee() into the block of a persisted partition (`sink()`, made once), or, when this task
   * already tees that partition (a join of an RDD with its own mapValues, as PageRank's first
   * iteration), the block's batches as the first tee wrote them: Spark's getOrElseUpdate reads
   * the block it just stored instead of computing the partition twice. A first tee that has not
   * finished by the time the second reader starts (zip of an RDD with itself) leaves the second
   * to compute the partition again, untee'd.
   */
  teeBlock(desc: PartitionDesc, compute: () => Batches, sink: () => BatchSink): Batches {
    const id = `${desc.node}/${desc.index}`;
    const first = this.blockTees.get(id);
    if (first === undefined) {
      const tee = this.tee(desc, compute(), sink());
      this.blockTees.set(id, tee);
      return tee;
    }
    return again(first, compute);
  }

  /** Cleanup for outputs that are not tees (shuffle files, text output) if the task fails. */
  onAbort(abort: () => void): void {
    this.aborts.push(abort);
  }

  /** Removal of scratch that lives only while the task runs (spill runs): at its end, either way. */
  onTaskEnd(remove: () => void): void {
    this.scratch.push(remove);
  }

  /**
   * Finishes every tee the consumer left early. A downstream tee (lower depth) drains first:
   * its source runs through any upstream tee, which would otherwise be drained on its own and
   * starve the downstream one. Draining can start new tees (lazily built parents): loop.
   */
  drainTees(): void {
    for (;;) {
      let next: Tee | undefined;
      for (const t of this.tees) {
        if (!t.isFinished && (next === undefined || t.depth < next.depth)) next = t;
      }
      if (next === undefined) return;
      next.drain();
    }
  }

  commitSideOutputs(): void {
    this.removeScratch();
    for (const sink of this.sinks) sink.commit();
    this.side.accumulators = [...this.accumulators].map(([id, delta]) => ({ id, delta }));
    if (this.customAccumulators.size > 0) {
      this.side.customAccumulators = [...this.customAccumulators].map(([id, { value }]) => ({
        id,
        value,
      }));
    }
  }

  abortSideOutputs(): void {
    // Best effort, every one of them: the task's own error is what gets reported.
    const cleanups = [...this.sinks.map((s) => () => s.abort()), ...this.aborts];
    for (const abort of [...cleanups, ...this.scratch.splice(0)]) {
      try {
        abort();
      } catch {
        // A temp file that cannot be removed is left for the localDir cleanup.
      }
    }
    // A failed attempt's updates and outputs must not count; lost blocks are still news.
    this.side.accumulators = [];
    delete this.side.customAccumulators;
    this.side.blocks = [];
    this.side.checkpoints = [];
  }

  private removeScratch(): void {
    for (const remove of this.scratch.splice(0)) {
      try {
        remove();
      } catch {
        // Left for the attempt-tag cleanup of localDir; the task's result stands.
      }
    }
  }

  /** A task's numeric accumulator: add() checks as the main thread's does, value is refused. */
  private accumulatorHandle(shipped: ShippedAccumulator): TaskAccumulator<number> {
    const { id, type, name } = shipped;
    const deltas = this.accumulators;
    const label = accumulatorLabel(type, id, name);
    return taskAccumulator(id, label, (n) => {
      const checked = checkAccumulatorValue(type, label, 'add n', n);
      deltas.set(id, addToTotal(type, label, deltas.get(id) ?? 0, checked, 'add'));
    });
  }

  /** Spark's AccumulatorV2 in a task: add(v) folds v into the task's own copy of zero. */
  private customAccumulatorHandle(shipped: ShippedCustomAccumulator): TaskAccumulator<unknown> {
    const add = this.loaded.envFunctions.get(functionKey(shipped.add));
    if (add === undefined)
      throw errors.internal(`the add function of accumulator ${shipped.id} was not loaded`);
    const states = this.customAccumulators;
    return taskAccumulator(
      shipped.id,
      accumulatorLabel('custom', shipped.id, shipped.name),
      (v) => {
        let state = states.get(shipped.id);
        if (state === undefined) {
          state = { value: structuredClone(shipped.zero) };
          states.set(shipped.id, state);
        }
        state.value = add(state.value, v);
      },
    );
  }

  private recordDepths(desc: PartitionDesc, depth: number): void {
    this.depths.set(desc, depth);
    for (const child of childDescs(desc)) this.recordDepths(child, depth + 1);
  }
}

/** What user code in a task holds for an accumulator in env: add only. */
interface TaskAccumulator<V> {
  readonly id: number;
  add(v: V): void;
  value: never;
}

/**
 * A plain object, as the Broadcast handles; `value` throws either way: read in a task it was
 * undefined, and set it made a property nobody read (PySpark refuses it in a task too).
 */
function taskAccumulator<V>(id: number, label: string, add: (v: V) => void): TaskAccumulator<V> {
  return {
    id,
    add,
    get value(): never {
      throw valueInTask(label);
    },
    set value(_: never) {
      throw valueInTask(label);
    },
  };
}

/** A second reader of a tee'd partition: its replay once the tee finished, else a recomputation. */
function* again(first: Tee, compute: () => Batches): Batches {
  const replay = first.isFinished ? first.sink.replay?.() : undefined;
  yield* replay ?? compute();
}

function childDescs(desc: PartitionDesc): PartitionDesc[] {
  switch (desc.kind) {
    case 'narrow':
    case 'union':
      return [desc.parent];
    case 'coalesce':
    case 'zipped':
      return desc.parents;
    case 'cartesian':
      return [desc.left, desc.right];
    case 'cogrouped':
      return desc.inputs.flatMap((i) => (i.kind === 'narrow' ? [i.parent] : []));
    case 'cached':
      return [desc.fallback];
    case 'parallelize':
    case 'range':
    case 'textFile':
    case 'wholeFiles':
    case 'empty':
    case 'shuffled':
    case 'checkpointFile':
      return [];
  }
}
