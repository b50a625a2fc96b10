// The order argument of top and takeOrdered: Spark's comparator or PySpark's key function. A
// bare function's arity decides, since both are plain functions and guessing wrong would give a
// wrong answer silently: one parameter is a key function, two (three with env) a comparator.
// A key function that needs env uses the object form { key: (x, env) => ... }.

import { errors } from '../shared/errors.js';
import type { OrderPlan } from '../shared/protocol.js';
import { FunctionRef } from '../shipping/fn.js';
import { compareKeys } from '../shared/keys.js';
import { FN_FIELDS, resolveMethodOptions } from './method-options.js';
import { localFunction, planFunction, type UserFn } from './user-function.js';

/** What compares by value as a key: what a key function must return. */
export type KeyValue = string | number | boolean | bigint | null | undefined | readonly KeyValue[];

/** The object form of a key function: the only form for a key function taking env. */
export interface KeyOrdering<T, E> {
  key: UserFn<[T, E], KeyValue>;
}

/** `argument` names the order in errors: rdd.max order. */
type Resolved =
  | { kind: 'natural' }
  | { kind: 'compare' | 'key'; f: unknown; env: unknown; plan: OrderPlan; argument: string };

const EXPECTED =
  'a key function (x) => key, a comparator (a, b) => number (a third parameter receives env), ' +
  'or { key: (x, env) => key }';

/** Validates order and opts for `method` (rdd.top, rdd.takeOrdered, rdd.max, ...) and plans the order. */
export function resolveOrdering(method: string, order: unknown, rawOpts: unknown): Resolved {
  const opts = resolveMethodOptions(method, rawOpts, FN_FIELDS);
  if (order === undefined) return { kind: 'natural' };
  let kind: 'compare' | 'key';
  let f: unknown;
  if (order instanceof FunctionRef) {
    // Its arity is unknown until imported: a bare reference is a comparator, { key } a key.
    kind = 'compare';
    f = order;
  } else if (typeof order === 'function') {
    if (order.length === 1) kind = 'key';
    else if (order.length === 2 || order.length === 3) kind = 'compare';
    else {
      throw errors.invalidArgument(
        `${method} order`,
        EXPECTED,
        `a function of ${order.length} parameters (${describeFunction(order)})`,
      );
    }
    f = order;
  } else if (typeof order === 'object' && order !== null && !Array.isArray(order)) {
    const given = resolveMethodOptions(method, order, ['key'], 'order');
    if (given.key === undefined)
      throw errors.invalidArgument(`${method} order.key`, EXPECTED, order);
    kind = 'key';
    f = given.key;
  } else {
    throw errors.invalidArgument(`${method} order`, EXPECTED, order);
  }
  const plan: OrderPlan = { kind, f: planFunction(f, opts, method) };
  return { kind, f, env: opts.env, plan, argument: `${method} order` };
}

export function orderPlan(resolved: Resolved): OrderPlan {
  return resolved.kind === 'natural' ? { kind: 'natural' } : resolved.plan;
}

/** The same order on the main thread, to merge the partitions' candidates. */
export async function mainThreadComparator(
  resolved: Resolved,
): Promise<(a: unknown, b: unknown) => number> {
  if (resolved.kind === 'natural') return compareKeys;
  const f = await localFunction(resolved.f, resolved.argument);
  const env = resolved.env;
  if (resolved.kind === 'compare') return (a, b) => Number(f(a, b, env));
  return (a, b) => compareKeys(f(a, env), f(b, env));
}

function describeFunction(f: { name: string }): string {
  return f.name === '' ? 'anonymous' : f.name;
}
