// Estimated heap bytes of records and of the collections that buffer them (Spark's
// SizeEstimator and SizeTracker): what the spill budget is measured in. Estimates follow V8's
// layout on 64-bit without pointer compression and sample large arrays, so one costs
// O(depth x samples), never O(size); they are meant to be within a small factor, not exact.

const POINTER = 8;
const OBJECT_HEADER = 24; // map, properties, elements
const ARRAY_HEADER = OBJECT_HEADER + 8 + 16; // + length, + the backing store's own header
const HEAP_NUMBER = 16;
const STRING_HEADER = 16;
// Arrays longer than this are estimated from SAMPLES evenly spaced elements.
const SAMPLE_ABOVE = 64;
const SAMPLES = 32;
const MAX_DEPTH = 16;

/** Estimated bytes `value` occupies on the heap, not counting the slot that points to it. */
export function estimateSize(value: unknown): number {
  return sizeOf(value, 0);
}

function sizeOf(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'number':
      // Small integers (Smi) live in the slot itself; other numbers are boxed.
      return (value | 0) === value ? 0 : HEAP_NUMBER;
    case 'string':
      // Sequential strings: one byte a character when Latin-1; two is the safe guess beyond.
      return STRING_HEADER + align8(value.length * (isOneByte(value) ? 1 : 2));
    case 'bigint':
      return HEAP_NUMBER + align8(Math.ceil(value.toString(16).length / 2));
    case 'object':
      if (value === null || depth >= MAX_DEPTH) return 0;
      if (Array.isArray(value)) return arraySize(value, depth);
      if (ArrayBuffer.isView(value)) return OBJECT_HEADER * 2 + value.byteLength;
      if (value instanceof Map || value instanceof Set) return mapSize(value, depth);
      return objectSize(value as Record<string, unknown>, depth);
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return 0;
  }
}

function arraySize(a: readonly unknown[], depth: number): number {
  const n = a.length;
  let sum = 0;
  if (n <= SAMPLE_ABOVE) {
    for (let i = 0; i < n; i++) sum += sizeOf(a.at(i), depth + 1);
  } else {
    const step = n / SAMPLES;
    for (let s = 0; s < SAMPLES; s++) sum += sizeOf(a.at(Math.floor(s * step)), depth + 1);
    sum = (sum / SAMPLES) * n;
  }
  return ARRAY_HEADER + n * POINTER + sum;
}

function objectSize(o: Record<string, unknown>, depth: number): number {
  let sum = OBJECT_HEADER;
  let n = 0;
  for (const k in o) {
    // Property names are shared by the object's hidden class: only the value slot counts.
    sum += POINTER + sizeOf(o[k], depth + 1);
    if (++n > SAMPLE_ABOVE) return (sum / n) * Object.keys(o).length;
  }
  return sum;
}

function mapSize(m: Map<unknown, unknown> | Set<unknown>, depth: number): number {
  let sum = 0;
  let n = 0;
  for (const [k, v] of m.entries()) {
    sum += sizeOf(k, depth + 1) + sizeOf(v, depth + 1);
    if (++n >= SAMPLES) break;
  }
  return OBJECT_HEADER + m.size * 3 * POINTER + (n === 0 ? 0 : (sum / n) * m.size);
}

function isOneByte(s: string): boolean {
  // A prefix decides: strings of records are rarely mixed, and this stays O(1).
  const n = Math.min(s.length, 16);
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * The estimated size of a growing collection (Spark's SizeTracker): re-estimated from a
 * sample of its elements at exponentially spaced updates, extrapolated in between by the bytes
 * an update added on average. `sample` returns the current estimate of the whole collection.
 */
export class SizeTracker {
  private updates = 0;
  private nextSample = 1;
  private sampledBytes = 0;
  private sampledUpdates = 0;
  private bytesPerUpdate = 0;

  constructor(private readonly sample: () => number) {}

  /** Call after each insert or update (or once after `n` of them). */
  afterUpdates(n = 1): void {
    this.updates += n;
    if (this.updates >= this.nextSample) this.takeSample();
  }

  estimate(): number {
    return this.sampledBytes + this.bytesPerUpdate * (this.updates - this.sampledUpdates);
  }

  reset(): void {
    this.updates = 0;
    this.nextSample = 1;
    this.sampledBytes = 0;
    this.sampledUpdates = 0;
    this.bytesPerUpdate = 0;
  }

  private takeSample(): void {
    const bytes = this.sample();
    const delta = this.updates - this.sampledUpdates;
    if (delta > 0) this.bytesPerUpdate = Math.max(0, (bytes - this.sampledBytes) / delta);
    this.sampledBytes = bytes;
    this.sampledUpdates = this.updates;
    // Spark's SizeTracker.SAMPLE_GROWTH_RATE.
    this.nextSample = Math.ceil(this.updates * 1.1);
  }
}
