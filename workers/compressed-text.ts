// textFile's partition for a compressed file (src/shared/text-codecs.ts): the whole file is one
// partition, inflated here; lines end at '\n', '\r' or '\r\n', as in the plain reader
// (text-file.ts, src/shared/line-ends.ts). A file that does not decompress is refused, naming it;
// one that cannot be read is an input's IO_ERROR (input-files.ts).

import { gunzipSync, inflateSync } from 'node:zlib';
import { errors } from '../src/shared/errors.js';
import type { TextCodec } from '../src/shared/text-codecs.js';
import { batchesOf, type Batches } from './batch.js';
import { readWholeInput } from './input-files.js';
import { linesOf } from '../src/shared/line-ends.js';

const FORMAT: Record<TextCodec, string> = { gzip: 'gzip', deflate: 'zlib (.deflate)' };

export function* compressedTextPartition(path: string, codec: TextCodec): Batches {
  const bytes = readWholeInput(path);
  let text: string;
  try {
    text = (codec === 'gzip' ? gunzipSync(bytes) : inflateSync(bytes)).toString('utf8');
  } catch (e) {
    throw errors.invalidArgument(
      `textFile input ${path}`,
      `a readable ${FORMAT[codec]} file`,
      e instanceof Error ? e.message : String(e),
    );
  }
  yield* batchesOf(linesOf(text));
}
