// Preloaded (node --import) into an end-to-end test file that runs in cluster mode, so its
// local-only tests are skipped, with their reason, without editing the file: KINDLING_TEST_SKIP
// holds [{ name, reason }], and test/it/describe/suite of node:test skip a test of that exact
// name. A listed name that no test has is an error at exit: a renamed test must not run here
// unnoticed, nor a stale entry linger.

import { createRequire, syncBuiltinESMExports } from 'node:module';

export const SKIP_ENV = 'KINDLING_TEST_SKIP';

export interface SkippedTest {
  name: string;
  reason: string;
}

type Registrar = (...args: unknown[]) => unknown;

const skips = new Map<string, string>(
  (JSON.parse(process.env[SKIP_ENV] ?? '[]') as SkippedTest[]).map((s) => [s.name, s.reason]),
);
const seen = new Set<string>();

/** The registrar, skipping a listed name; its own properties (skip, todo, only) kept. */
function skipping(register: Registrar): Registrar {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const [name] = args;
    const reason = typeof name === 'string' ? skips.get(name) : undefined;
    if (reason === undefined) return register.apply(this, args);
    seen.add(name as string);
    const fn = args.find((a) => typeof a === 'function');
    const options = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null) ?? {};
    return register.call(this, name, { ...options, skip: `local mode only: ${reason}` }, fn);
  };
  return Object.assign(wrapped, register);
}

if (skips.size > 0) {
  // The CommonJS face of node:test is mutable; syncBuiltinESMExports carries the change to
  // the ESM named exports the test file imports after this module.
  const nodeTest = createRequire(import.meta.url)('node:test') as Record<string, Registrar>;
  for (const key of ['test', 'it', 'describe', 'suite']) {
    const register = nodeTest[key];
    if (register !== undefined) nodeTest[key] = skipping(register);
  }
  syncBuiltinESMExports();
  process.once('exit', () => {
    const stale = [...skips.keys()].filter((name) => !seen.has(name));
    if (stale.length === 0) return;
    process.stderr.write(`${SKIP_ENV} names tests this file does not have: ${stale.join('; ')}\n`);
    process.exitCode = 1;
  });
}
