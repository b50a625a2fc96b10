// Types for comlink's ESM node adapter: the package ships its declaration only next to the UMD
// build, where NodeNext resolution of the `.mjs` path does not look. Used by both ends of the
// control plane (src/scheduler/control-plane.ts, workers/control.ts).
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';

  export interface NodeEndpoint {
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    on(type: 'message', listener: (value: unknown) => void): unknown;
    off(type: 'message', listener: (value: unknown) => void): unknown;
    start?: () => void;
  }

  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
