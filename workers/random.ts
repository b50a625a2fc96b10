// Seeded pseudo-random numbers for sample() and sampleKeys: the same seed and partition give
// the same choice in every worker and on every retry, so a recomputed partition (lost block,
// retried task) samples exactly as the first computation did.

/** A [0, 1) generator (mulberry32) seeded from a user seed and a partition index. */
export function seededRandom(seed: number, partitionIndex: number): () => number {
  // Fold all 53 bits of the seed in, then the partition, through a murmur3-style finalizer.
  const hi = Math.floor(seed / 0x100000000);
  let s = mix32(mix32((seed >>> 0) ^ 0x9e3779b9) ^ hi) ^ mix32(partitionIndex + 0x7f4a7c15);
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

// Knuth's method needs exp(-mean) to stay well above 0; larger means are sums of smaller
// Poisson draws (Poisson(a + b) = Poisson(a) + Poisson(b)).
const POISSON_CHUNK = 30;

/** A Poisson(mean) count: how many copies of a record sampling with replacement keeps. */
export function poisson(random: () => number, mean: number): number {
  let total = 0;
  let left = mean;
  while (left > 0) {
    const m = Math.min(left, POISSON_CHUNK);
    left -= m;
    const limit = Math.exp(-m);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    total += k;
  }
  return total;
}
