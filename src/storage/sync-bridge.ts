// Synchronous S3 reads for the calls whose answer the public API needs at once
// (ctx.checkpointFile reads a manifest, ctx.textFile lists objects: both return an RDD whose
// partition count is known). A helper thread runs the asynchronous SDK; the main thread waits
// on a shared flag (Atomics.wait), with a deadline, and takes the answer with
// receiveMessageOnPort. The thread is started on first use, unref'd, and reused.

import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from 'node:worker_threads';
import { errors, KindlingError } from '../shared/errors.js';
import type {
  ByteRange,
  ListedObject,
  ReadResult,
  StatResult,
  SyncObjectReader,
} from './object-store.js';

export type BridgeRequest =
  | { kind: 'stat'; url: string }
  | { kind: 'read'; url: string; range?: ByteRange }
  | { kind: 'list'; prefix: string };

export type BridgeAnswer =
  | { kind: 'stat'; value: StatResult }
  | { kind: 'read'; value: { kind: 'found'; bytes: Uint8Array } | { kind: 'missing' } }
  | { kind: 'list'; value: ListedObject[] }
  | {
      kind: 'error';
      error: { code: KindlingError['code']; message: string; context: KindlingError['context'] };
    };

export interface BridgeMessage {
  request: BridgeRequest;
  flag: SharedArrayBuffer;
  port: MessagePort;
}

/** Longer than any request's own deadline and retries: a backstop, never the usual way out. */
const BRIDGE_DEADLINE_MS = 200_000;

let thread: Worker | undefined;

function getThread(): Worker {
  if (thread !== undefined) return thread;
  const started = new Worker(new URL('./sync-bridge-thread.js', import.meta.url));
  started.unref();
  started.on('error', () => {
    if (thread === started) thread = undefined;
  });
  started.on('exit', () => {
    if (thread === started) thread = undefined;
  });
  thread = started;
  return started;
}

function call(request: BridgeRequest, url: string): BridgeAnswer {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = getThread();
  try {
    const message: BridgeMessage = { request, flag, port: port2 };
    worker.postMessage(message, [port2]);
    const waited = Atomics.wait(new Int32Array(flag), 0, 0, BRIDGE_DEADLINE_MS);
    const received = receiveMessageOnPort(port1) as { message: BridgeAnswer } | undefined;
    if (received === undefined) {
      // Timed out, or the thread died: start afresh next time.
      thread = undefined;
      void worker.terminate();
      throw errors.io(
        'read',
        url,
        waited === 'timed-out'
          ? `no answer from S3 within ${BRIDGE_DEADLINE_MS / 1000} s`
          : 'the S3 helper thread stopped',
      );
    }
    const answer = received.message;
    if (answer.kind === 'error') {
      const { code, message: text, context } = answer.error;
      throw new KindlingError(code, text, context);
    }
    return answer;
  } finally {
    port1.close();
  }
}

export const s3SyncReader: SyncObjectReader = {
  stat(url: string): StatResult {
    const answer = call({ kind: 'stat', url }, url);
    if (answer.kind !== 'stat')
      throw errors.internal(`the S3 helper answered ${answer.kind} to stat`);
    return answer.value;
  },
  read(url: string, range?: ByteRange): ReadResult {
    const answer = call(
      range === undefined ? { kind: 'read', url } : { kind: 'read', url, range },
      url,
    );
    if (answer.kind !== 'read')
      throw errors.internal(`the S3 helper answered ${answer.kind} to read`);
    const v = answer.value;
    return v.kind === 'missing' ? v : { kind: 'found', bytes: Buffer.from(v.bytes) };
  },
  list(prefix: string): ListedObject[] {
    const answer = call({ kind: 'list', prefix }, prefix);
    if (answer.kind !== 'list')
      throw errors.internal(`the S3 helper answered ${answer.kind} to list`);
    return answer.value;
  },
};
