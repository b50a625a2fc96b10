// Engine-side functions behind the methods added for Spark parity (sortByKey's keyfunc, zip,
// set operations, numeric statistics). Shipped to workers like user functions, so each uses
// only its parameters; a user function reaches them through env, where functions travel too.

/** sortByKey({ keyfunc }): the sort key of a [k, v] record is keyfunc(k, env). */
export function keyfuncOfPair(
  kv: [unknown, unknown],
  env: { keyfunc: (k: unknown, env: unknown) => unknown; env: unknown },
): unknown {
  return env.keyfunc(kv[0], env.env);
}
