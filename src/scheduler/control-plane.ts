// The main thread's end of the control plane: each worker sends a MessagePort
// when it starts (through Piscina's 'message' event) and the main thread
// exposes the ControlApi on it with comlink. Only low-rate control calls go
// here (stage plans, broadcast values); data travels with tasks and results.

import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';
import { CONTROL_PORT_MESSAGE, type ControlApi } from '../shared/protocol.js';

export function isControlPortMessage(
  message: unknown,
): message is { kind: string; port: MessagePort } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { kind?: unknown }).kind === CONTROL_PORT_MESSAGE &&
    'port' in message
  );
}

export function exposeControlApi(api: ControlApi, port: MessagePort): void {
  Comlink.expose(api, nodeEndpoint(port));
  // The port must not keep the process alive: an idle context lets node exit.
  port.unref();
}
