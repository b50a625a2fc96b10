// A CPU-heavy function kept in a module of its own: workers import it by
// reference (fn(module, 'costly')), and importing a module runs its top level,
// so this one has no side effects.

/** Costly math per record. */
export function costly(x: number): number {
  let v = x;
  for (let i = 0; i < 40; i++) v = Math.sin(v) * Math.cos(v) + Math.sqrt(Math.abs(v) + i);
  return v;
}
