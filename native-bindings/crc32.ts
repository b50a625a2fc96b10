// CRC-32 (IEEE, as zlib and gzip compute it) over node's zlib.crc32, which is
// native and available from Node 20.15. `initial` continues a running crc, so
// a file's crc can be computed chunk by chunk while it is written.

import zlib from 'node:zlib';

export function crc32(buf: Uint8Array, initial = 0): number {
  return zlib.crc32(buf, initial);
}
