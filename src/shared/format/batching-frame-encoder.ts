// Cuts a stream of record batches of any size into frames of about targetBytes
// of raw payload. Record sizes are not known before encoding, so the records
// per frame adapt to the average encoded size of the frames emitted so far,
// starting small so that a first batch of huge records cannot make a huge frame.

import { errors } from '../errors.js';
import {
  encodeFrames,
  encodePairFrames,
  Lz4Probe,
  type Codec,
  type EncodedFrame,
} from './frames.js';
import { everyKeyHashed } from './record-codec.js';

export interface BatchingFrameEncoderOptions {
  /** Raw (uncompressed) payload per frame to aim for. */
  targetBytes?: number;
  /** Most records in one frame, however small they are. */
  maxRecords?: number;
  /** Decides which frames LZ4 tries (shared with other encoders of the same output). */
  probe?: Lz4Probe;
}

// 256 KiB of raw payload: LZ4 and crc32 run at their full speed from about
// 64 KiB, and larger frames only add latency and read-buffer size. The record
// cap keeps columns of tiny values from growing past the L2 cache.
export const DEFAULT_TARGET_FRAME_BYTES = 256 * 1024;
export const DEFAULT_MAX_FRAME_RECORDS = 65536;
const FIRST_FRAME_RECORDS = 64;

export class BatchingFrameEncoder {
  private readonly targetBytes: number;
  private readonly maxRecords: number;
  /** Pending records as the caller's own batches (or slices of them): no per-record copying. */
  private chunks: (readonly unknown[])[] = [];
  private pendingCount = 0;
  private target = FIRST_FRAME_RECORDS;
  private encodedRecords = 0;
  private encodedBytes = 0;
  private readonly probe: Lz4Probe;

  constructor(
    private readonly codec: Codec,
    private readonly onFrame: (frame: EncodedFrame) => void,
    options: BatchingFrameEncoderOptions = {},
  ) {
    this.targetBytes = positive('targetBytes', options.targetBytes ?? DEFAULT_TARGET_FRAME_BYTES);
    this.maxRecords = positive('maxRecords', options.maxRecords ?? DEFAULT_MAX_FRAME_RECORDS);
    this.target = Math.min(this.target, this.maxRecords);
    this.probe = options.probe ?? new Lz4Probe();
  }

  get pendingRecords(): number {
    return this.pendingCount;
  }

  push(records: readonly unknown[]): void {
    let i = 0;
    while (i < records.length) {
      const take = Math.min(this.target - this.pendingCount, records.length - i);
      this.chunks.push(i === 0 && take === records.length ? records : records.slice(i, i + take));
      this.pendingCount += take;
      if (this.pendingCount >= this.target) this.flush();
      i += take;
    }
  }

  /**
   * Emits the pending records, then the records [keys[i], values[i]] as frames of their own
   * (the last one not held back for later records); with `hashes` as encodePairFrames.
   */
  pushPairs(
    keys: readonly unknown[],
    values: readonly unknown[],
    hashes?: readonly number[],
  ): void {
    this.flush();
    const hashed = everyKeyHashed(keys, hashes);
    for (let i = 0; i < keys.length;) {
      const n = Math.min(this.target, keys.length - i);
      const whole = i === 0 && n === keys.length;
      const frames = encodePairFrames(
        whole ? keys : keys.slice(i, i + n),
        whole ? values : values.slice(i, i + n),
        this.codec,
        this.probe,
        whole ? hashed : hashed?.slice(i, i + n),
      );
      for (const frame of frames) this.emit(frame);
      i += n;
    }
  }

  /** Emits the pending records, if any, as one frame. */
  flush(): void {
    if (this.pendingCount === 0) return;
    const chunks = this.chunks;
    this.chunks = [];
    this.pendingCount = 0;
    const batch =
      chunks.length === 1 ? (chunks[0] as readonly unknown[]) : ([] as unknown[]).concat(...chunks);
    for (const frame of encodeFrames(batch, this.codec, this.probe)) this.emit(frame);
  }

  private emit(frame: EncodedFrame): void {
    this.encodedRecords += frame.records;
    this.encodedBytes += frame.rawLength;
    const perRecord = Math.max(1, this.encodedBytes / this.encodedRecords);
    this.target = Math.max(1, Math.min(this.maxRecords, Math.floor(this.targetBytes / perRecord)));
    this.onFrame(frame);
  }
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw errors.invalidArgument(name, 'a positive integer', v);
  return v;
}
