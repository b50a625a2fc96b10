// The byte layout of part files shared by their writer and reader: magic,
// version, codec byte, header and trailer sizes, and the stats a commit
// reports. Diagrams and rules: docs/checkpoint-format.md.

import { crc32 } from '../../../native-bindings/crc32.js';
import type { Codec } from './frames.js';

export const PART_FILE_MAGIC = 'KNDL';
export const PART_FILE_TRAILER_MAGIC = 'KNDE';
export const PART_FILE_VERSION = 1;
//   0      4         6       7         8                 12
//   | KNDL | version | codec | reserved | crc32(bytes 0-7) |
export const PART_FILE_HEADER_BYTES = 12;
//   0      4        8                16
//   | KNDE | frames | records (u64)  |
export const PART_FILE_TRAILER_BYTES = 16;
export const CODEC_BYTES: Record<Codec, number> = { none: 0, lz4: 1 };

export interface PartFileStats {
  records: number;
  /** File size in bytes. */
  bytes: number;
  frames: number;
  /** crc32 of the whole file, header and trailer included. */
  crc32: number;
}

export interface PartFileCommit extends PartFileStats {
  /** Another attempt had committed first; its file was kept, this one deleted. */
  finalExisted: boolean;
  /** Frame payloads before compression (the codec's input), for the compression ratio. */
  rawBytes: number;
}

export interface PartFileHeader {
  version: number;
  codec: Codec;
}

export function encodePartFileHeader(codec: Codec): Buffer {
  const b = Buffer.alloc(PART_FILE_HEADER_BYTES);
  b.write(PART_FILE_MAGIC, 0, 'latin1');
  b.writeUInt16LE(PART_FILE_VERSION, 4);
  b.writeUInt8(CODEC_BYTES[codec], 6);
  b.writeUInt32LE(crc32(b.subarray(0, 8)), 8);
  return b;
}
