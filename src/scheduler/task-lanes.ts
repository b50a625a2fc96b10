// Hands a stage's partitions to the pool a few at a time, in `lanes` parallel
// loops: a 10,000-task stage must not queue 10,000 requests (and abort
// listeners) at once. Each lane takes a chunk whose size the caller decides as
// the stage goes (tiny tasks travel several per message). Results keep the
// partitions' order; the first error stops every lane.

export async function runInLanes<T, R>(
  items: readonly T[],
  lanes: number,
  chunkSize: (remaining: number) => number,
  run: (chunk: T[]) => Promise<R[]>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const start = next;
      const size = Math.max(1, Math.min(chunkSize(items.length - start), items.length - start));
      next += size;
      try {
        const out = await run(items.slice(start, start + size));
        out.forEach((r, k) => (results[start + k] = r));
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}

/**
 * Tasks per message: one, unless the stage's tasks have proven tiny (a mean
 * under `targetMs`), then enough for about `targetMs` of work each, while
 * leaving every lane several chunks so the stage's tail stays balanced.
 */
export function adaptiveChunkSize(
  meanTaskMs: number | undefined,
  remaining: number,
  lanes: number,
  targetMs = 2,
  max = 64,
): number {
  if (meanTaskMs === undefined || meanTaskMs >= targetMs) return 1;
  const byTime = Math.floor(targetMs / Math.max(meanTaskMs, 0.01));
  const byBalance = Math.floor(remaining / (lanes * 4));
  return Math.max(1, Math.min(max, byTime, byBalance));
}
