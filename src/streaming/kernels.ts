// Worker-side partition functions of the stateful operators, referenced with
// fn(module, export) so that they travel as two strings. The user's function
// travels inside env as shipped source (checked for free variables on the main
// thread) and is rebuilt here once per worker; a user fn() reference is bound
// by a small generated module instead (see state-functions.ts). Nothing here may
// import main-thread modules beyond errors.

import { createRequire } from 'node:module';
import path from 'node:path';
import { streamingErrors } from '../shared/errors.js';
import { IMPORT_HELPER, type ShippedFunction } from '../shared/shipped-function.js';

type Fn = (...args: unknown[]) => unknown;

/** A user function as the kernels receive it: shipped source, or prebuilt by a generated module. */
export interface KernelEnv {
  fns: ShippedFunction[];
  /**
   * The user's env with its handles in place. On the main thread, until the kernel's own env
   * is shipped, the ShippedEnv prepareEnv made of it, which that shipping splices in.
   */
  userEnv: unknown;
}

const cache = new Map<string, Fn>();
const projectRequire = createRequire(path.join(process.cwd(), 'noop.js'));
const importHelper = (specifier: unknown): Promise<unknown> => import(String(specifier));

function userFunction(env: KernelEnv, i: number, prebuilt: Fn[] | undefined): Fn {
  const given = prebuilt?.[i];
  if (given !== undefined) return given;
  const shipped = env.fns[i];
  if (shipped === undefined || shipped.kind !== 'source') {
    throw streamingErrors.illegalState(
      `kernel function ${i} is missing or was not bound by its module`,
    );
  }
  let f = cache.get(shipped.source);
  if (f === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- rebuilding shipped user code is the point
    const factory = new Function(
      'require',
      IMPORT_HELPER,
      `"use strict"; return (${shipped.source}\n);`,
    ) as (r: NodeJS.Require, i: typeof importHelper) => Fn;
    f = factory(projectRequire, importHelper);
    if (cache.size > 1000) cache.clear();
    cache.set(shipped.source, f);
  }
  return f;
}

// ---- updateStateByKey (Spark's StateDStream) ----------------------------------

/** [k, [[state]?, values]] -> [k, state'] for every key of either side; undefined removes the key. */
export function* updateStatePartition(
  it: Iterable<[unknown, [unknown[], unknown[]]]>,
  env: KernelEnv,
  prebuilt?: Fn[],
): Iterable<[unknown, unknown]> {
  const f = userFunction(env, 0, prebuilt);
  for (const [key, [states, values]] of it) {
    const next = f(values, states.length > 0 ? states[0] : undefined, env.userEnv);
    if (next !== undefined) yield [key, next];
  }
}

// ---- mapWithState (Spark's MapWithStateRDD and StateImpl) --------------------------------

/** A mapWithState entry: a [key, value] pair so that cogroup sees the key. */
export type StateTriple = [key: unknown, entry: [state: unknown, updatedAtMs: number]];
export type MapWithStateRecord = ['s', unknown, unknown, number] | ['o', unknown];

class KernelState {
  private defined = false;
  private value: unknown;
  updated = false;
  removed = false;

  constructor(
    initial: StateTriple[1] | undefined,
    readonly timingOut: boolean,
  ) {
    if (initial !== undefined) {
      this.defined = true;
      this.value = initial[0];
    }
  }
  exists(): boolean {
    return this.defined;
  }
  get(): unknown {
    if (!this.defined) throw streamingErrors.stateError('State is not set');
    return this.value;
  }
  getOption(): unknown {
    return this.defined ? this.value : undefined;
  }
  update(s: unknown): void {
    if (this.removed)
      throw streamingErrors.stateError('Cannot update the state after it has been removed');
    if (this.timingOut)
      throw streamingErrors.stateError('Cannot update the state that is timing out');
    this.defined = true;
    this.value = s;
    this.updated = true;
  }
  remove(): void {
    if (this.timingOut)
      throw streamingErrors.stateError('Cannot remove the state that is timing out');
    if (this.removed)
      throw streamingErrors.stateError('Cannot remove the state that has already been removed');
    this.defined = false;
    this.updated = false;
    this.removed = true;
  }
  isTimingOut(): boolean {
    return this.timingOut;
  }
  toString(): string {
    return this.defined ? `State(${String(this.value)})` : '<state not set>';
  }
}

export interface MapWithStateEnv extends KernelEnv {
  timeMs: number;
  timeoutMs: number | null;
}

/**
 * [k, [[triple]?, values]] -> state records ('s') and mapped values ('o'). The function is
 * called once per value, in order; a key without values whose state is idle past the timeout
 * is called once with isTimingOut() and dropped. Unlike Spark (MapWithStateRDD's doFullScan only at checkpoints) this runs every batch.
 */
export function* mapWithStatePartition(
  it: Iterable<[unknown, [StateTriple[1][], unknown[]]]>,
  env: MapWithStateEnv,
  prebuilt?: Fn[],
): Iterable<MapWithStateRecord> {
  const f = userFunction(env, 0, prebuilt);
  const threshold = env.timeoutMs === null ? undefined : env.timeMs - env.timeoutMs;
  for (const [key, [entries, values]] of it) {
    let entry = entries[0];
    if (values.length === 0) {
      if (entry === undefined) continue;
      if (threshold !== undefined && entry[1] < threshold) {
        const mapped = f(key, undefined, new KernelState(entry, true), env.userEnv);
        if (mapped !== undefined) yield ['o', mapped];
        continue;
      }
      yield ['s', key, entry[0], entry[1]];
      continue;
    }
    for (const value of values) {
      const state = new KernelState(entry, false);
      const mapped = f(key, value, state, env.userEnv);
      if (mapped !== undefined) yield ['o', mapped];
      if (state.removed) entry = undefined;
      else if (state.updated || (state.exists() && threshold !== undefined))
        entry = [state.get(), env.timeMs];
    }
    if (entry !== undefined) yield ['s', key, entry[0], entry[1]];
  }
}

export function* selectState(it: Iterable<MapWithStateRecord>): Iterable<StateTriple> {
  for (const r of it) if (r[0] === 's') yield [r[1], [r[2], r[3]]];
}

export function* selectMapped(it: Iterable<MapWithStateRecord>): Iterable<unknown> {
  for (const r of it) if (r[0] === 'o') yield r[1];
}

export function* snapshotPairs(it: Iterable<StateTriple>): Iterable<[unknown, unknown]> {
  for (const [k, [s]] of it) yield [k, s];
}

/** [k, v] -> v: the stream of reduceByWindow and countByWindow, whose one key is a placeholder. */
export function* pairValues(it: Iterable<[unknown, unknown]>): Iterable<unknown> {
  for (const [, v] of it) yield v;
}

export function* initialTriples(
  it: Iterable<[unknown, unknown]>,
  env: { timeMs: number },
): Iterable<StateTriple> {
  for (const [k, s] of it) yield [k, [s, env.timeMs]];
}

// ---- reduceByKeyAndWindow with an inverse (Spark's ReducedWindowedDStream) ----------

/** [k, [prev, old, new]] -> [k, f(invF(prev, reduce(old)), reduce(new))], filtered. */
export function* reduceWindowPartition(
  it: Iterable<[unknown, [unknown[], unknown[], unknown[]]]>,
  env: KernelEnv & { hasFilter: boolean },
  prebuilt?: Fn[],
): Iterable<[unknown, unknown]> {
  const f = userFunction(env, 0, prebuilt);
  const inv = userFunction(env, 1, prebuilt);
  const keep = env.hasFilter ? userFunction(env, 2, prebuilt) : undefined;
  const reduce = (vs: unknown[]): unknown => vs.reduce((a, b) => f(a, b, env.userEnv));
  for (const [key, [prev, olds, news]] of it) {
    let value: unknown;
    if (prev.length === 0) {
      if (news.length === 0) continue;
      value = reduce(news);
    } else {
      value = prev[0];
      if (olds.length > 0) value = inv(value, reduce(olds), env.userEnv);
      if (news.length > 0) value = f(value, reduce(news), env.userEnv);
    }
    if (keep === undefined || keep([key, value], env.userEnv)) yield [key, value];
  }
}

// ---- input accounting ------------------------------------------------------------------

/** Passes records through, adding their count to env.acc once per partition. */
export function* countRecords(
  it: Iterable<unknown>,
  env: { acc: { add(n: number): void } },
): Iterable<unknown> {
  let n = 0;
  try {
    for (const x of it) {
      n++;
      yield x;
    }
  } finally {
    env.acc.add(n);
  }
}
