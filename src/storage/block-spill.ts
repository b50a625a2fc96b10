// Spilling a memory block to disk when the cache budget is exceeded: the
// block's frames are rewritten as a part file, so disk blocks have one format
// whether a worker wrote them (DISK_ONLY) or the budget pushed them out.

import { decodeFramesFromBuffer, type Codec } from '../shared/format/frames.js';
import { PartFileWriter } from '../shared/format/part-file.js';

export function spillBlock(buffer: SharedArrayBuffer, codec: Codec, target: string): void {
  const writer = new PartFileWriter(target, codec, 'spill', {
    durable: false,
    what: 'the spilled cache block',
  });
  try {
    for (const batch of decodeFramesFromBuffer(new Uint8Array(buffer), codec, {
      path: target,
      describe: 'spilled block',
    })) {
      writer.write(batch);
    }
    writer.commit();
  } catch (e) {
    writer.abort();
    throw e;
  }
}
