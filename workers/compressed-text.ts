// textFile's partition for a compressed file (src/shared/text-codecs.ts): the whole file is one
// partition, inflated here; lines split on '\n', with a trailing '\r' dropped, like the plain
// reader. A file that does not decompress is refused, naming it.

import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';
import { errors } from '../src/shared/errors.js';
import type { TextCodec } from '../src/shared/text-codecs.js';
import { batchesOf, type Batches } from './batch.js';

const FORMAT: Record<TextCodec, string> = { gzip: 'gzip', deflate: 'zlib (.deflate)' };

export function* compressedTextPartition(path: string, codec: TextCodec): Batches {
  let text: string;
  try {
    const bytes = readFileSync(path);
    text = (codec === 'gzip' ? gunzipSync(bytes) : inflateSync(bytes)).toString('utf8');
  } catch (e) {
    throw errors.invalidArgument(
      `textFile input ${path}`,
      `a readable ${FORMAT[codec]} file`,
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
