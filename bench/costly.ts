// The CPU-bound record function of the cpu-scaling bench, the same body in
// every variant (plain loop, raw piscina, Kindling ships it as source): about
// 40 rounds of sin/cos/sqrt per record, no allocation.

export function costly(x: number): number {
  let v = x;
  for (let i = 0; i < 40; i++) v = Math.sin(v) * Math.cos(v) + Math.sqrt(Math.abs(v) + i);
  return v;
}

/** The plain-loop baseline over [start, end): what a single thread does without any engine. */
export function sumCostly(start: number, end: number): number {
  let sum = 0;
  for (let x = start; x < end; x++) sum += costly(x);
  return sum;
}
