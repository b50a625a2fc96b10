// textFile's partition for a `.gz` file: gzip cannot be split, so the whole file is one
// partition (as Hadoop's GzipCodec input) and is inflated here; lines split on '\n', with a
// trailing '\r' dropped, like the plain reader. A file that is not valid gzip is refused.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { errors } from '../src/shared/errors.js';
import { batchesOf, type Batches } from './batch.js';

export function isGzipPath(path: string): boolean {
  return path.endsWith('.gz');
}

export function* gzipTextPartition(path: string): Batches {
  let text: string;
  try {
    text = gunzipSync(readFileSync(path)).toString('utf8');
  } catch (e) {
    throw errors.invalidArgument(
      `textFile input ${path}`,
      'a readable gzip file',
      e instanceof Error ? e.message : String(e),
    );
  }
  if (text === '') return;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  yield* batchesOf(lines);
}
