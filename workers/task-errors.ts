// How a worker reports what went wrong: errors become plain SerializedError data (a custom
// class thrown across piscina would arrive stripped of its code and fields), a shuffle block
// that cannot be read becomes a FetchFailedError (Spark's FetchFailedException: the scheduler
// reruns the map stage instead of retrying the task), and the RDD whose code threw is noted.

import { KindlingError } from '../src/shared/errors.js';
import type { SerializedError, ShuffleBlockRef } from '../src/shared/protocol.js';

/** Raised while reading a shuffle block; the task then answers `fetchFailed`. */
export class FetchFailedError extends KindlingError {
  readonly shuffleId: number;
  readonly mapIndex: number;
  /** The file that failed to read; undefined when the map output was missing. */
  readonly path: string | undefined;

  constructor(block: ShuffleBlockRef, cause: unknown) {
    const from = block.kind === 'range' ? ` from ${block.path}` : '';
    super(
      'FETCH_FAILED',
      `Cannot read shuffle ${block.shuffleId} map output ${block.mapIndex} for reduce partition ` +
        `${block.reduceIndex}${from}: ${messageOf(cause)}`,
      block.kind === 'range'
        ? { path: block.path, partitionIndex: block.reduceIndex }
        : { partitionIndex: block.reduceIndex },
      cause,
    );
    this.shuffleId = block.shuffleId;
    this.mapIndex = block.mapIndex;
    this.path = block.kind === 'range' ? block.path : undefined;
  }
}

// The innermost RDD that saw an error wins: each pipeline step tags what passes through it
// and an upstream tag is never overwritten downstream.
const failedNode = new WeakMap<object, number>();

export function tagFailedNode(e: unknown, node: number): void {
  if (typeof e === 'object' && e !== null && !failedNode.has(e)) failedNode.set(e, node);
}

export function getFailedNode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? failedNode.get(e) : undefined;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: messageOf(e) };
  const out: SerializedError = { name: e.name, message: e.message };
  if (e.stack !== undefined) out.stack = e.stack;
  const code: unknown = (e as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (e instanceof KindlingError) {
    out.kindling = { code: e.code, context: { ...e.context } };
  }
  return out;
}

/** A printable message for anything thrown, including non-Errors and hostile objects. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return typeof e === 'string' ? e : `${String(e)} (thrown value, not an Error)`;
  } catch {
    return 'a value that cannot be printed was thrown';
  }
}
