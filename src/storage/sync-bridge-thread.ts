// The helper thread of sync-bridge.ts: runs one S3 read at a time for a main thread that
// waits on the request's flag, answers on the request's port, then wakes it. Never throws: a
// failure is an `error` answer carrying the KindlingError's code, message and context.

import { parentPort } from 'node:worker_threads';
import { errors, isKindlingError } from '../shared/errors.js';
import { s3ObjectStore } from './s3-object-store.js';
import type { BridgeAnswer, BridgeMessage, BridgeRequest } from './sync-bridge.js';

async function answer(request: BridgeRequest): Promise<BridgeAnswer> {
  switch (request.kind) {
    case 'stat':
      return { kind: 'stat', value: await s3ObjectStore.stat(request.url) };
    case 'read':
      return { kind: 'read', value: await s3ObjectStore.read(request.url, request.range) };
    case 'list':
      return { kind: 'list', value: await s3ObjectStore.list(request.prefix) };
  }
}

parentPort?.on('message', (message: BridgeMessage) => {
  void (async () => {
    let reply: BridgeAnswer;
    try {
      reply = await answer(message.request);
    } catch (e) {
      const k = isKindlingError(e) ? e : errors.internal(`S3 helper: ${String(e)}`);
      reply = {
        kind: 'error',
        error: { code: k.code, message: k.message, context: { ...k.context } },
      };
    }
    message.port.postMessage(reply);
    message.port.close();
    const flag = new Int32Array(message.flag);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  })();
});
