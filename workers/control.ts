// The worker's end of the control plane: a MessageChannel whose other port goes to the main
// thread through piscina's worker 'message' event, wrapped by comlink as a typed ControlApi
// proxy. The only workers/ module that imports comlink (one wrapper per dependency, docs/architecture.md).

import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { MessageChannel, parentPort } from 'node:worker_threads';
import { errors } from '../src/shared/errors.js';
import { CONTROL_PORT_MESSAGE, type ControlApi } from '../src/shared/protocol.js';
import type { ControlClient } from './plan-cache.js';

export function connectControlPlane(): ControlClient {
  if (parentPort === null) {
    // Imported outside a worker thread (a test, a tool): fail the calls, not the import.
    const missing = (): Promise<never> =>
      Promise.reject(
        errors.internal('the worker control plane exists only inside a worker thread'),
      );
    return { getPlan: missing, getBroadcast: missing };
  }
  const { port1, port2 } = new MessageChannel();
  parentPort.postMessage({ kind: CONTROL_PORT_MESSAGE, port: port2 }, [port2]);
  // Piscina's own port keeps the thread alive; this one must not hold it up at shutdown.
  port1.unref();
  const remote = Comlink.wrap<ControlApi>(nodeEndpoint(port1));
  return {
    getPlan: (planId) => remote.getPlan(planId),
    getBroadcast: (id) => remote.getBroadcast(id),
  };
}
