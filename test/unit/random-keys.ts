// Random keys of every supported kind for property tests: -0, NaN, infinities, bigints equal in
// value to numbers, strings starting with '\u0000', nested and empty arrays. Deterministic from a
// seed, so a failure reproduces.

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function randomKey(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth < 2 ? 9 : 8));
  switch (pick) {
    case 0:
      return depth === 0 && rand() < 0.5 ? null : undefined;
    case 1:
      return rand() < 0.5;
    case 2:
      return [0, -0, NaN, Infinity, -Infinity, 1.5, -2, 2 ** 40][Math.floor(rand() * 8)];
    case 3:
    case 4:
      return Math.floor(rand() * 20) - 5;
    case 5:
      return BigInt(Math.floor(rand() * 10) - 5) * (rand() < 0.2 ? 10n ** 30n : 1n);
    case 6:
      return ['', 'a', 'b', 'ab', '\u0000', '\u0000a', '\u0000[n1]', 'é', '😀'][
        Math.floor(rand() * 9)
      ];
    case 7:
      return 'k' + String(Math.floor(rand() * 30));
    default:
      return Array.from({ length: Math.floor(rand() * 3) }, () => randomKey(rand, depth + 1));
  }
}
