// Generated loops for fused runs of narrow steps (fused-steps.ts) and the sink they feed (a
// batch array, a map-side combine into a KeyTable, a shuffle's buckets) or the hash join probe
// that feeds them. Each distinct run is compiled once per
// worker from its own source text, so the loop's calls see one user function each and V8
// inlines them: a record that only passes from one step to the next (the [key, value] array of
// `map(x => [k(x), 1])` feeding a combine) is never allocated (measured on 500 k records of
// map -> map -> distinct's combine: ~80 ns a record through one shared loop a step, ~30 fused).
// A step that throws has its RDD noted on the error (task-errors.ts), as unfused steps do.

import vm from 'node:vm';
import { errors } from '../src/shared/errors.js';
import type { KeyTable } from '../src/shared/key-table.js';
import { asPair, BATCH_SIZE, type Batches } from './batch.js';
import { BatchTake, takenBatches } from './batch-bytes.js';
import type { JoinTable } from './join-table.js';
import type { PairColumns } from './pair-columns.js';
import type { AggregatorCalls } from './aggregator.js';
import type { UserFunction } from './functions.js';
import type { FusedStep, StepKind } from './fused-steps.js';
import { tagFailedNode } from './task-errors.js';
import { isPlainPair } from '../src/shared/format/record-codec.js';

/** Where a fused run's records go. */
export type FusedSink =
  | { kind: 'array' }
  /** Map-side combine of [key, value] records, or of records that are keys (value null). */
  | { kind: 'combine'; recordsAreKeys: boolean; agg: AggregatorCalls }
  /** A shuffle's buckets without combining (shuffle-write.ts routes each record). */
  | { kind: 'route'; recordsAreKeys: boolean; routes: RouteCalls }
  /**
   * Not a sink but a source: a shuffled hash join's probe (hash-join.ts), its matches as the
   * run's records, pushed to an array.
   */
  | { kind: 'join' };

/**
 * Where the route sink hands each record, with the writer's state: plain functions of the
 * shuffle writer, the same in every loop, so a loop's call to them stays monomorphic.
 */
export interface RouteCalls {
  /** A plain [key, value] array, taken apart. */
  pair: (state: unknown, key: unknown, value: unknown) => void;
  /** Any other record, kept whole. */
  record: (state: unknown, record: unknown) => void;
  /** A record that is a key (its value is null). */
  key: (state: unknown, key: unknown) => void;
}

/**
 * What a loop takes at each call rather than at compile time, so that one compiled loop serves
 * every stage running the same functions (PageRank's iterations): each step's env and RDD, and
 * what a combine's malformed record is named after.
 */
export interface LoopInputs {
  envs: readonly unknown[];
  nodes: readonly number[];
  where: string;
}

/** The run's records of `batch`, in a new array. */
export type ArrayLoop = (batch: readonly unknown[], inputs: LoopInputs) => unknown[];

/**
 * Combines the run's records of `batch` into `table`; `check` sees the batch's first and last
 * records past the steps (unless a filter drops them) before they are combined (records leaving
 * the thread are checked, batch.ts; a refused one fails the task, its table discarded).
 */
export type CombineLoop = (
  batch: readonly unknown[],
  inputs: LoopInputs,
  table: KeyTable<unknown>,
  agg: AggregatorCalls,
  check: (record: unknown) => void,
) => void;

/** Routes the run's records of `batch` to the writer's buckets (`state`); `check` as above. */
export type RouteLoop = (
  batch: readonly unknown[],
  inputs: LoopInputs,
  state: unknown,
  check: (record: unknown) => void,
) => void;

export function routeLoop(
  steps: readonly FusedStep[],
  sink: Extract<FusedSink, { kind: 'route' }>,
): RouteLoop {
  return compiled<RouteLoop>(steps, sink);
}

/**
 * Probes `table` with the streamed records `from` to `to` of `columns` (by the key hashes a
 * shuffle sent, when it did) and pushes the run's records of each match ([key, [left, right]],
 * the missing side of an outer join undefined) to `out`: a join's output never exists as
 * arrays when a step consumes it (a map reading the two values). Returns where it stopped:
 * early, once `out` holds BATCH_SIZE records (a key with many values a side must not pile up
 * a batch's matches).
 */
export type JoinLoop = (
  columns: PairColumns,
  from: number,
  to: number,
  table: JoinTable,
  how: { buildLeft: boolean; keepStream: boolean },
  out: unknown[],
  inputs: LoopInputs,
) => number;

export function joinLoop(steps: readonly FusedStep[]): JoinLoop {
  return compiled<JoinLoop>(steps, { kind: 'join' });
}

export function arrayLoop(steps: readonly FusedStep[]): ArrayLoop {
  return compiled<ArrayLoop>(steps, { kind: 'array' });
}

export function combineLoop(
  steps: readonly FusedStep[],
  sink: Extract<FusedSink, { kind: 'combine' }>,
): CombineLoop {
  return compiled<CombineLoop>(steps, sink);
}

export function loopInputs(steps: readonly FusedStep[], where: string): LoopInputs {
  return { envs: steps.map((s) => s.env), nodes: steps.map((s) => s.node), where };
}

// ---- compiling ----

const CACHE_LIMIT = 256;
type Loop = ArrayLoop | CombineLoop | RouteLoop | JoinLoop;
const cache = new Map<string, Loop>();
const functionIds = new WeakMap<UserFunction, number>();
let nextId = 0;

function idOf(f: UserFunction | undefined): number {
  if (f === undefined) return -1;
  let id = functionIds.get(f);
  if (id === undefined) functionIds.set(f, (id = nextId++));
  return id;
}

/** The loop for these steps and sink, compiled on first use and kept (its JIT state with it). */
function compiled<L extends Loop>(steps: readonly FusedStep[], sink: FusedSink): L {
  const key = cacheKey(steps, sink);
  let loop = cache.get(key);
  if (loop === undefined) {
    loop = build(steps, sink);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, loop);
  }
  // The key names the sink, and build() made this sink's kind of loop.
  return loop as L;
}

function cacheKey(steps: readonly FusedStep[], sink: FusedSink): string {
  const parts = steps.map((s) => `${s.kind}:${idOf(s.f)}`);
  if (sink.kind === 'combine') {
    const { agg } = sink;
    parts.push(
      `combine:${sink.recordsAreKeys}:${idOf(agg.createCombiner)}:${idOf(agg.mergeValue)}`,
    );
  } else if (sink.kind === 'route') parts.push(`route:${sink.recordsAreKeys}`);
  else parts.push(sink.kind);
  return parts.join('|');
}

let compiledCount = 0;

function build(steps: readonly FusedStep[], sink: FusedSink): Loop {
  const fns = steps.map((s) => s.f);
  const hasFilter = steps.some((s) => s.kind === 'filter');
  const body = steps.map((s, j) => `step = ${j}; ${stepSource(s.kind, j)}`).join('\n      ');
  // Past the steps, an error is the sink's (no step's RDD); no steps, nothing to reset.
  const endSteps = steps.length > 0 ? 'step = -1;' : '';
  // The loop of the route and combine sinks: (batch, inputs, ...`state`, check), `consume`
  // taking each record `r` past the steps. The first and last records are checked, in `one`,
  // outside the loop over the others: a record the loop kept for the check, or a call inside
  // the loop, even rarely taken, made V8 allocate every record a step returns (the [key, value]
  // array of a map feeding the sink) and cost the loop its inlined lookups.
  const checkedLoop = (state: string, consume: string, before = ''): string => `
  function loop(batch, inputs, ${state}, check) {
    const { envs, where } = inputs;
    const n = batch.length;
    ${before}
    const one = (i) => {
      let r = batch[i];
      ${steps.map((s, j) => `step = ${j}; ${stepSource(s.kind, j, 'return')}`).join('\n      ')}
      ${endSteps}
      check(r);
      ${consume}
    };
    if (n === 0) return;
    one(0);
    const last = n - 1;
    for (let i = 1; i < last; i++) {
      let r = batch[i];
      ${body}
      ${endSteps}
      ${consume}
    }
    if (last > 0) one(last);
  }`;
  // A unique comment gives each loop its own compiled function, so its own type feedback.
  const name = `kindling:fused-loop-${compiledCount++}`;
  let source: string;
  // Where the loop takes its LoopInputs, for the wrapper below.
  let inputsAt: number;
  // The sink's functions, by the names its code calls them (SINK_PARAMS).
  let helpers: Partial<Record<(typeof SINK_PARAMS)[number], unknown>> = {};
  if (sink.kind === 'array') {
    source = `
  function loop(batch, inputs) {
    const { envs } = inputs;
    const n = batch.length;
    const out = ${hasFilter ? '[]' : 'new Array(n)'};
    for (let i = 0; i < n; i++) {
      let r = batch[i];
      ${body}
      ${hasFilter ? 'out.push(r);' : 'out[i] = r;'}
    }
    return out;
  }`;
    inputsAt = 1;
  } else if (sink.kind === 'join') {
    // The steps run in emit() (a filter's drop returns), called at each match; V8 inlines it.
    const emitBody = steps
      .map((s, j) => `step = ${j}; ${stepSource(s.kind, j, 'return')}`)
      .join('\n      ');
    source = `
  function loop(columns, from, to, table, how, out, inputs) {
    const { envs } = inputs;
    const { buildLeft, keepStream } = how;
    const { keys, values, hashes } = columns;
    const emit = (r) => {
      ${emitBody}
      out.push(r);
    };
    for (let i = from; i < to; i++) {
      const k = keys[i];
      const s = values[i];
      const entry = table.get(k, hashes === undefined ? undefined : hashes[i]);
      if (entry !== undefined) {
        entry.matched = true;
        emit(buildLeft ? [k, [entry.value, s]] : [k, [s, entry.value]]);
        const more = entry.more;
        if (more !== undefined) {
          for (let j = 0; j < more.length; j++)
            emit(buildLeft ? [k, [more[j], s]] : [k, [s, more[j]]]);
        }
      } else if (keepStream) {
        emit(buildLeft ? [k, [undefined, s]] : [k, [s, undefined]]);
      }
      if (out.length >= ${BATCH_SIZE}) return i + 1;
    }
    return to;
  }`;
    inputsAt = 6;
  } else if (sink.kind === 'route') {
    const route = sink.recordsAreKeys
      ? 'routeKey(state, r);'
      : 'if (isPlainPair(r)) routePair(state, r.at(0), r.at(1)); else routeRecord(state, r);';
    source = checkedLoop('state', route);
    inputsAt = 1;
    const { routes } = sink;
    helpers = { routePair: routes.pair, routeRecord: routes.record, routeKey: routes.key };
  } else {
    const { agg } = sink;
    const take = sink.recordsAreKeys
      ? 'const k = r; const v = null;'
      : 'const p = pair(r, where); const k = p.at(0); const v = p.at(1);';
    const create =
      agg.createCombiner !== undefined
        ? 'createCombiner(v, agg.createCombinerEnv)'
        : 'mergeValue(clone(agg.zero), v, agg.mergeValueEnv)';
    source = checkedLoop(
      'table, agg',
      `${take}
      const at = table.find(k);
      if (at < 0) table.insert(k, ${create});
      else combiners[at] = mergeValue(combiners[at], v, agg.mergeValueEnv);`,
      'const combiners = table.entries;',
    );
    inputsAt = 1;
    helpers = { createCombiner: agg.createCombiner, mergeValue: agg.mergeValue };
  }
  const params = [...fns.map((_, j) => `f${j}`), 'pair', 'tag', 'clone', 'isPlainPair'];
  const args: unknown[] = [...fns, asPair, tagFailedNode, structuredClone, isPlainPair];
  params.push(...SINK_PARAMS);
  args.push(...SINK_PARAMS.map((name) => helpers[name]));
  try {
    // Compiled by vm as user functions are (functions.ts): `new Function` is refused in a
    // process run with --disallow-code-generation-from-strings, a vm script is not.
    const factory = vm.runInThisContext(
      `(function (${params.join(', ')}) {"use strict";${wrapped(source, inputsAt)}\n})`,
      { filename: name },
    ) as (...values: unknown[]) => Loop;
    return factory(...args);
  } catch (e) {
    throw errors.internal(`the fused loop ${name} did not compile: ${String(e)}`);
  }
}

/**
 * The loop with the wrapper that names the RDD of a step that threw: the loop notes the step
 * it is in (`step`, a variable of the factory's scope) and the wrapper's catch reads it. Not a
 * try/catch around the loop itself: that made V8 compile a user function inlined into it ~7%
 * slower (a CPU-bound map, measured).
 */
function wrapped(loop: string, inputsAt: number): string {
  const args = Array.from({ length: 8 }, (_, i) => `a${i}`).join(', ');
  return `
  let step = -1;
  ${loop}
  return function (${args}) {
    step = -1;
    try {
      return loop(${args});
    } catch (e) {
      if (step >= 0) tag(e, a${inputsAt}.nodes[step]);
      throw e;
    }
  };`;
}

// The sink functions' names in generated code (undefined in loops of other sinks).
const SINK_PARAMS = [
  'createCombiner',
  'mergeValue',
  'routePair',
  'routeRecord',
  'routeKey',
] as const;

/** One step's statement on `r`, the record so far; `drop` (continue or return) drops it. */
function stepSource(kind: StepKind, j: number, drop: 'continue' | 'return' = 'continue'): string {
  switch (kind) {
    case 'map':
      return `r = f${j}(r, envs[${j}]);`;
    case 'filter':
      return `if (!f${j}(r, envs[${j}])) ${drop};`;
    case 'keyBy':
      return `r = [f${j}(r, envs[${j}]), r];`;
    case 'mapValues':
      return `{ const p = pair(r, 'mapValues'); r = [p.at(0), f${j}(p.at(1), envs[${j}])]; }`;
    case 'keys':
      return `r = pair(r, 'keys').at(0);`;
    case 'values':
      return `r = pair(r, 'values').at(1);`;
  }
}

/**
 * `input` through the fused steps, a batch at a time (empty batches dropped), each input batch
 * cut shorter when the steps make large records (BatchTake: a map making 700 KB strings must
 * not hold 4096 of them at once).
 */
export function* fusedBatches(steps: readonly FusedStep[], input: Batches): Batches {
  if (steps.length === 0) {
    yield* input;
    return;
  }
  const loop = arrayLoop(steps);
  const inputs = loopInputs(steps, '');
  const take = new BatchTake();
  for (const part of takenBatches(input, take)) {
    const out = loop(part, inputs);
    take.observe(out, part.length);
    if (out.length > 0) yield out;
  }
}
