// The one module that imports lz4-napi. Blocks use its sync block calls (u32
// raw size, then one LZ4 block): on a 300 KB record batch its frame API was
// ~35% slower to compress and ~3x slower to decompress. lz4-napi validates
// nothing (zero-filled input "decompresses" to an empty buffer), so every
// decompression is checked against the raw length the caller recorded.

import { compressSync, uncompressSync } from 'lz4-napi';

/** Raised when a block does not decompress to the expected raw length. */
export class Lz4DecompressError extends Error {
  override readonly name = 'Lz4DecompressError';
  constructor(
    message: string,
    readonly expectedLength: number,
    readonly actualLength?: number,
  ) {
    super(message);
  }
}

function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Compresses synchronously (worker threads are already off the main loop). */
export function lz4Compress(buf: Uint8Array): Buffer {
  return compressSync(asBuffer(buf));
}

/**
 * Decompresses a block made by lz4Compress and checks it yields exactly
 * rawLength bytes. uncompressSync takes no output size, so the check is ours.
 */
export function lz4Decompress(buf: Uint8Array, rawLength: number): Buffer {
  let out: Buffer;
  try {
    out = uncompressSync(buf);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Lz4DecompressError(`LZ4 block does not decompress: ${why}`, rawLength);
  }
  if (out.length !== rawLength) {
    throw new Lz4DecompressError(
      `LZ4 block decompressed to ${out.length} bytes, expected ${rawLength}`,
      rawLength,
      out.length,
    );
  }
  return out;
}
