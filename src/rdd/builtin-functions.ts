// Engine-side functions shipped to workers like user functions (so they must
// use only their parameters): the aggregators and reshapes behind groupByKey,
// distinct and repartition (joins run in workers/hash-join.ts).

export function identity<T>(v: T): T {
  return v;
}
export function firstArg<T>(a: T): T {
  return a;
}
export function toList<T>(v: T): T[] {
  return [v];
}
export function appendToList<T>(list: T[], v: T): T[] {
  list.push(v);
  return list;
}
export function concatLists<T>(a: T[], b: T[]): T[] {
  for (const v of b) a.push(v);
  return a;
}
export function toNullValue<T>(x: T): [T, null] {
  return [x, null];
}
export function pairKey<K>(kv: [K, unknown]): K {
  return kv[0];
}
/** Spark's coalesce(shuffle = true) keying: position from a hashed start, round-robin. */
export function* positionKeyed<T>(
  index: number,
  it: Iterable<T>,
  env: { n: number },
): Iterable<[number, T]> {
  let position = (Math.imul(index + 1, 0x9e3779b1) >>> 0) % env.n;
  for (const x of it) {
    yield [position, x];
    position = position + 1 === env.n ? 0 : position + 1;
  }
}
