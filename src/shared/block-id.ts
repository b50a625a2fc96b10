// Block ids name a cached RDD partition the same way in every thread: rdd_<rddId>_<partitionIndex>,
// Spark's RDDBlockId. One format/parse pair, so no module builds or splits these strings itself.

export interface RDDBlockId {
  rddId: number;
  partitionIndex: number;
}

export function formatBlockId(rddId: number, partitionIndex: number): string {
  return `rdd_${rddId}_${partitionIndex}`;
}

/** The ids of `rdd_<rddId>_<partitionIndex>`, or undefined for any other string. */
export function parseBlockId(blockId: string): RDDBlockId | undefined {
  const m = /^rdd_(\d+)_(\d+)$/.exec(blockId);
  if (m === null) return undefined;
  return { rddId: Number(m[1]), partitionIndex: Number(m[2]) };
}
