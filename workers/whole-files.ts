// wholeTextFiles' and binaryFiles' partition: each of its files read whole, one
// [name, content] record a file, named as the user named it (a path or an `s3://` URL) while
// the bytes come from `path` (the file itself, or task staging's local copy of the object).
// One batch a file, so a partition of large files never holds more than one at a time.

import { readWholeInput } from './input-files.js';
import type { WholeFile } from '../src/shared/protocol.js';

export function* wholeFilesPartition(
  files: readonly WholeFile[],
  content: 'text' | 'binary',
  onRead: (bytes: number) => void,
): Generator<unknown[]> {
  for (const file of files) {
    const bytes = readWholeInput(file.path, file.name);
    onRead(bytes.length);
    // A Buffer is a class instance: binaryFiles gives a plain Uint8Array, as before.
    yield [[file.name, content === 'text' ? bytes.toString('utf8') : Uint8Array.from(bytes)]];
  }
}
