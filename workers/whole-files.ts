// wholeTextFiles' and binaryFiles' partition: each of its files read whole, one
// [name, content] record a file, named as the user named it (a path or an `s3://` URL) while
// the bytes come from `path` (the file itself, or task staging's local copy of the object).
// One batch a file, so a partition of large files never holds more than one at a time.

import { readFileSync } from 'node:fs';
import { errors } from '../src/shared/errors.js';
import type { WholeFile } from '../src/shared/protocol.js';

export function* wholeFilesPartition(
  files: readonly WholeFile[],
  content: 'text' | 'binary',
  onRead: (bytes: number) => void,
): Generator<unknown[]> {
  for (const file of files) {
    const bytes = readWhole(file);
    onRead(bytes.length);
    // A Buffer is a class instance: binaryFiles gives a plain Uint8Array, as before.
    yield [[file.name, content === 'text' ? bytes.toString('utf8') : Uint8Array.from(bytes)]];
  }
}

function readWhole(file: WholeFile): Buffer {
  try {
    return readFileSync(file.path);
  } catch (e) {
    const errno =
      e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    const why = e instanceof Error ? e.message : String(e);
    throw errors.io('read the input file', file.name, why, errno, e);
  }
}
