// Rebuilds shipped user functions inside a worker thread (the other half of
// src/shipping/closure.ts). Each distinct source or fn() reference is built once per worker and
// cached, since the same function runs for every partition of a stage.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../src/shared/errors.js';
import { IMPORT_HELPER, type ShippedFunction } from '../src/shared/shipped-function.js';

export type UserFunction = (...args: unknown[]) => unknown;

const CACHE_LIMIT = 1000;
const cache = new Map<string, UserFunction>();

// `require` in a user function resolves from the current directory, i.e. the user's project,
// not from wherever Kindling is installed.
const projectRequire = createRequire(path.join(process.cwd(), 'noop.js'));

/*
 * Dynamic import() inside code built by `new Function` works in a Node 20 worker thread, but it
 * resolves from the module that called `new Function` (this file): `node:` builtins, absolute
 * file: URLs and absolute paths load, while a bare package name is looked up from Kindling's own
 * install and fails for a package only the user's project has (checked by experiment). import()
 * is syntax, so it cannot be handed in like `require`; instead closure.ts rewrites each `import(`
 * to a call of the helper below, which tries Kindling's install (ESM resolution, via
 * import.meta.resolve) and then the user's project (`require` resolution from the current
 * directory: Node 20 has no unflagged ESM resolve from another parent).
 */
async function importFromProject(
  specifier: unknown,
  options?: ImportCallOptions,
): Promise<unknown> {
  return import(resolveSpecifier(String(specifier)), options);
}

function resolveSpecifier(specifier: string): string {
  if (path.isAbsolute(specifier)) return pathToFileURL(specifier).href; // also C:\ on Windows
  // Relative: like `require`, from the current directory (closure.ts refuses literal ones).
  if (/^\.\.?([\\/]|$)/.test(specifier)) return pathToFileURL(path.resolve(specifier)).href;
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(specifier)) return specifier; // node:, file:, data:
  try {
    return import.meta.resolve(specifier);
  } catch {
    return pathToFileURL(projectRequire.resolve(specifier)).href;
  }
}

/** Equal for shipped functions that rebuild to the same function. */
export function functionKey(shipped: ShippedFunction): string {
  return shipped.kind === 'source'
    ? shipped.source
    : `${shipped.module}\u0000${shipped.exportName}`;
}

export async function loadFunction(
  shipped: ShippedFunction,
  where = describe(shipped),
): Promise<UserFunction> {
  const key = functionKey(shipped);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const built =
    shipped.kind === 'source'
      ? buildSource(shipped.source, where)
      : await importRef(shipped, where);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, built);
  return built;
}

function buildSource(source: string, where: string): UserFunction {
  let value: unknown;
  try {
    // Strict mode: `this` in a plain function is undefined, and sloppy-mode surprises (implicit
    // globals) fail loudly instead of leaking between tasks of the same worker.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- rebuilding user code is the point
    const factory = new Function(
      'require',
      IMPORT_HELPER,
      `"use strict"; return (${source}\n);`,
    ) as (require: NodeJS.Require, importHelper: typeof importFromProject) => unknown;
    value = factory(projectRequire, importFromProject);
  } catch (e) {
    throw errors.notShippable(where, `its source did not evaluate in the worker: ${messageOf(e)}`);
  }
  if (typeof value !== 'function')
    throw errors.notShippable(where, 'its source did not evaluate to a function');
  return value as UserFunction;
}

async function importRef(
  ref: { module: string; exportName: string },
  where: string,
): Promise<UserFunction> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await importFromProject(ref.module)) as Record<string, unknown>;
  } catch (e) {
    throw errors.notShippable(
      where,
      `its module ${ref.module} could not be imported: ${messageOf(e)}`,
    );
  }
  const value = namespace[ref.exportName];
  if (typeof value !== 'function') {
    throw errors.notShippable(where, `${ref.module} has no exported function '${ref.exportName}'`);
  }
  return value as UserFunction;
}

function describe(shipped: ShippedFunction): string {
  return shipped.kind === 'source'
    ? `a task (function ${shipped.name || '(anonymous)'})`
    : `a task (fn(${JSON.stringify(shipped.module)}, ${JSON.stringify(shipped.exportName)}))`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
