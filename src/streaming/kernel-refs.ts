// Main-thread side of kernels.ts: the fn() reference to a kernel plus the env
// that carries the user's functions. User functions and env are checked here, at
// the call that defines the stream (TASK_NOT_SERIALIZABLE names the free variable;
// a handle keeps the path it has here when each batch's job ships the kernel env).
// A user fn(module, export) cannot be rebuilt synchronously inside a kernel, so
// for those a generated data: module imports both and binds them.

import { shipFunction, type ShippedFunction } from '../shipping/closure.js';
import { FunctionRef } from '../shipping/fn.js';
import { prepareEnv } from '../rdd/user-function.js';
import type { KernelEnv } from './kernels.js';

const KERNELS_URL = new URL('./kernels.js', import.meta.url).href;

export type KernelName =
  | 'updateStatePartition'
  | 'mapWithStatePartition'
  | 'reduceWindowPartition'
  | 'selectState'
  | 'selectMapped'
  | 'snapshotPairs'
  | 'pairValues'
  | 'initialTriples'
  | 'countRecords';

export function kernel(name: KernelName): FunctionRef {
  return new FunctionRef(KERNELS_URL, name);
}

export interface BoundKernel {
  fn: FunctionRef;
  env: KernelEnv;
}

/** Ships `userFns` (validated now) and the user's env for kernel `name`. */
export function bindKernel(
  name: KernelName,
  userFns: unknown[],
  userEnv: unknown,
  where: string,
): BoundKernel {
  const fns: ShippedFunction[] = userFns.map((f) => shipFunction(f, where));
  const env: KernelEnv = { fns, userEnv: prepareEnv(userEnv, where) };
  if (fns.every((f) => f.kind === 'source')) return { fn: kernel(name), env };
  const imports = fns.map((f, i) =>
    f.kind === 'ref' ? `import { ${f.exportName} as u${i} } from ${JSON.stringify(f.module)};` : '',
  );
  const prebuilt = fns.map((f, i) => (f.kind === 'ref' ? `u${i}` : 'undefined')).join(', ');
  const source = [
    `import { ${name} as k } from ${JSON.stringify(KERNELS_URL)};`,
    ...imports,
    `export function bound(it, env) { return k(it, env, [${prebuilt}]); }`,
  ].join('\n');
  return {
    fn: new FunctionRef(`data:text/javascript,${encodeURIComponent(source)}`, 'bound'),
    env,
  };
}
