// toDebugString: the lineage one RDD a line, indented at each shuffle as Spark
// prints it, with where each RDD was created ("at map at job.js:12") and cache and
// checkpoint marks.

import { formatCallSite } from '../shipping/call-site.js';
import type { RDD } from './rdd.js';

export function debugString(root: RDD<unknown>): string {
  const lines: string[] = [];
  const seen = new Set<number>();
  const visit = (rdd: RDD<unknown>, depth: number, prefix: string): void => {
    const marks: string[] = [];
    if (rdd.getStorageLevel().name !== 'NONE') marks.push(rdd.getStorageLevel().name);
    const cp = rdd.checkpointData;
    if (cp !== undefined)
      marks.push(
        cp.state === 'checkpointed' ? `${cp.kind} checkpointed` : `${cp.kind} checkpoint marked`,
      );
    const site = rdd.creationSite === undefined ? '' : ` at ${formatCallSite(rdd.creationSite)}`;
    const label = `(${rdd.getNumPartitions()}) ${rdd.toString()}${site}${marks.length > 0 ? ` [${marks.join(', ')}]` : ''}`;
    lines.push(`${'  '.repeat(depth)}${prefix}${label}`);
    if (seen.has(rdd.id)) return;
    seen.add(rdd.id);
    for (const dep of rdd.dependencies()) {
      visit(
        dep.rdd,
        dep.kind === 'shuffle' ? depth + 1 : depth,
        dep.kind === 'shuffle' ? '+-' : ' |  ',
      );
    }
  };
  visit(root, 0, '');
  return lines.join('\n');
}
