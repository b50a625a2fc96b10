// saveAsObjectFile's task: the partition's records as they are (structured-clone types kept)
// in one checksummed part file, `part-NNNNN`, the format checkpoints use; published by the part
// file's no-clobber commit, the directory by the main thread once every part is there.

import path from 'node:path';
import { ensureDirectory } from '../src/shared/io-errors.js';
import { PartFileWriter } from '../src/shared/format/part-file.js';
import type { Batches } from './batch.js';
import { outputPartName } from '../src/shared/file-names.js';
import { taskAttemptTag } from './side-sinks.js';
import type { TaskContext } from './task-context.js';

export function saveAsObjectPart(ctx: TaskContext, dir: string, batches: Batches): number {
  ensureDirectory(dir, 'output directory');
  const finalPath = path.join(dir, outputPartName(ctx.info.partitionIndex));
  const writer = new PartFileWriter(finalPath, 'lz4', taskAttemptTag(ctx), {
    what: 'the output part',
  });
  let done = false;
  ctx.onAbort(() => {
    if (!done) writer.abort();
    done = true;
  });
  for (const batch of batches) writer.write(batch);
  done = true;
  return writer.commit().records;
}
