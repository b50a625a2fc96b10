// Compressed textFile inputs, told by their file extension as Hadoop's CompressionCodecFactory
// tells them: `.gz` (GzipCodec) and `.deflate` (DefaultCodec, the zlib format) are inflated,
// each file whole in one partition (neither can be split). The other codecs Hadoop reads
// (bzip2, lz4, snappy, zstd, lzo) have no decoder in Node 20: their files are refused by name,
// never read as if their bytes were text. The main thread plans the splits, a worker reads.

export type TextCodec = 'gzip' | 'deflate';

const READ: Record<string, TextCodec> = { '.gz': 'gzip', '.deflate': 'deflate' };
const REFUSED = ['.bz2', '.lz4', '.snappy', '.zst', '.lzo'];

/** The codec a textFile input is read with, or undefined for plain text. */
export function textCodecOf(path: string): TextCodec | undefined {
  return READ[extensionOf(path)];
}

/** The extension of a compressed input Kindling cannot read (".bz2"), or undefined. */
export function unreadableTextCodec(path: string): string | undefined {
  const ext = extensionOf(path);
  return REFUSED.includes(ext) ? ext : undefined;
}

function extensionOf(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(dot) : '';
}
