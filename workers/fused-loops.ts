// Generated loops for fused runs of narrow steps (fused-steps.ts) and the sink they feed: a
// batch array, or a map-side combine into a KeyTable. Each distinct run is compiled once per
// worker from its own source text, so the loop's calls see one user function each and V8
// inlines them: a record that only passes from one step to the next (the [key, value] array of
// `map(x => [k(x), 1])` feeding a combine) is never allocated (measured on 500 k records of
// map -> map -> distinct's combine: ~80 ns a record through one shared loop a step, ~30 fused).
// A step that throws has its RDD noted on the error (task-errors.ts), as unfused steps do.

import { errors } from '../src/shared/errors.js';
import type { KeyTable } from '../src/shared/key-table.js';
import { asPair, type Batches } from './batch.js';
import type { AggregatorCalls } from './aggregator.js';
import type { UserFunction } from './functions.js';
import type { FusedStep, StepKind } from './fused-steps.js';
import { tagFailedNode } from './task-errors.js';

/** Where a fused run's records go. */
export type FusedSink =
  | { kind: 'array' }
  /** Map-side combine of [key, value] records, or of records that are keys (value null). */
  | { kind: 'combine'; recordsAreKeys: boolean; agg: AggregatorCalls };

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
 * Combines the run's records of `batch` into `table`; `check` sees the first and last record
 * of the batch that reach the combine (records leaving the thread are checked, batch.ts).
 */
export type CombineLoop = (
  batch: readonly unknown[],
  inputs: LoopInputs,
  table: KeyTable<unknown>,
  agg: AggregatorCalls,
  check: (record: unknown) => void,
) => void;

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
const cache = new Map<string, ArrayLoop | CombineLoop>();
const functionIds = new WeakMap<UserFunction, number>();
let nextId = 0;

function idOf(f: UserFunction | undefined): number {
  if (f === undefined) return -1;
  let id = functionIds.get(f);
  if (id === undefined) functionIds.set(f, (id = nextId++));
  return id;
}

/** The loop for these steps and sink, compiled on first use and kept (its JIT state with it). */
function compiled<L extends ArrayLoop | CombineLoop>(
  steps: readonly FusedStep[],
  sink: FusedSink,
): L {
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
  } else parts.push('array');
  return parts.join('|');
}

let compiledCount = 0;

function build(steps: readonly FusedStep[], sink: FusedSink): ArrayLoop | CombineLoop {
  const fns = steps.map((s) => s.f);
  const hasFilter = steps.some((s) => s.kind === 'filter');
  const body = steps.map((s, j) => `step = ${j}; ${stepSource(s.kind, j)}`).join('\n      ');
  // A unique comment gives each loop its own compiled function, so its own type feedback.
  const name = `kindling:fused-loop-${compiledCount++}`;
  let source: string;
  let extra: unknown[] = [];
  if (sink.kind === 'array') {
    source = `
  return function fusedArrayLoop(batch, inputs) {
    const { envs, nodes } = inputs;
    const n = batch.length;
    const out = ${hasFilter ? '[]' : 'new Array(n)'};
    let step = -1;
    try {
      for (let i = 0; i < n; i++) {
        let r = batch[i];
        ${body}
        ${hasFilter ? 'out.push(r);' : 'out[i] = r;'}
      }
    } catch (e) {
      if (step >= 0) tag(e, nodes[step]);
      throw e;
    }
    return out;
  };`;
  } else {
    const { agg } = sink;
    const take = sink.recordsAreKeys
      ? 'const k = r; const v = null;'
      : 'const p = pair(r, where); const k = p[0]; const v = p[1];';
    const create =
      agg.createCombiner !== undefined
        ? 'createCombiner(v, agg.createCombinerEnv)'
        : 'mergeValue(clone(agg.zero), v, agg.mergeValueEnv)';
    source = `
  return function fusedCombineLoop(batch, inputs, table, agg, check) {
    const { envs, nodes, where } = inputs;
    const n = batch.length;
    const last = n - 1;
    const combiners = table.entries;
    let step = -1;
    try {
      for (let i = 0; i < n; i++) {
        let r = batch[i];
        ${body}
        step = -1;
        if (i === 0 || i === last) check(r);
        ${take}
        const at = table.find(k);
        if (at < 0) table.insert(k, ${create});
        else combiners[at] = mergeValue(combiners[at], v, agg.mergeValueEnv);
      }
    } catch (e) {
      if (step >= 0) tag(e, nodes[step]);
      throw e;
    }
  };`;
    extra = [agg.createCombiner, agg.mergeValue];
  }
  const params = [
    ...fns.map((_, j) => `f${j}`),
    'pair',
    'tag',
    'clone',
    'createCombiner',
    'mergeValue',
  ];
  const args = [...fns, asPair, tagFailedNode, structuredClone, ...padded(extra, 2)];
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function(...params, `"use strict";${source}\n//# sourceURL=${name}`) as (
      ...values: unknown[]
    ) => ArrayLoop | CombineLoop;
    return factory(...args);
  } catch (e) {
    throw errors.internal(`the fused loop ${name} did not compile: ${String(e)}`);
  }
}

function padded(values: unknown[], length: number): unknown[] {
  return Array.from({ length }, (_, i) => values[i]);
}

/** One step's statement on `r`, the record so far; `continue` drops it. */
function stepSource(kind: StepKind, j: number): string {
  switch (kind) {
    case 'map':
      return `r = f${j}(r, envs[${j}]);`;
    case 'filter':
      return `if (!f${j}(r, envs[${j}])) continue;`;
    case 'keyBy':
      return `r = [f${j}(r, envs[${j}]), r];`;
    case 'mapValues':
      return `{ const p = pair(r, 'mapValues'); r = [p[0], f${j}(p[1], envs[${j}])]; }`;
    case 'keys':
      return `r = pair(r, 'keys')[0];`;
    case 'values':
      return `r = pair(r, 'values')[1];`;
  }
}

/** `input` through the fused steps, a batch at a time (empty batches dropped). */
export function* fusedBatches(steps: readonly FusedStep[], input: Batches): Batches {
  const loop = arrayLoop(steps);
  const inputs = loopInputs(steps, '');
  for (const batch of input) {
    const out = loop(batch, inputs);
    if (out.length > 0) yield out;
  }
}
