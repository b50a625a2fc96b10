// Rebuilds shipped user functions inside a worker thread (the other half of
// src/shipping/closure.ts). Each distinct source or fn() reference is built once per worker and
// cached, since the same function runs for every partition of a stage.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { errors } from '../src/shared/errors.js';
import {
  IMPORT_HELPER,
  type FunctionOrigin,
  type ShippedFunction,
} from '../src/shared/shipped-function.js';

export type UserFunction = (...args: unknown[]) => unknown;

const CACHE_LIMIT = 1000;
const cache = new Map<string, UserFunction>();

// `require` in a user function resolves from the current directory, i.e. the user's project,
// not from wherever Kindling is installed.
const projectRequire = createRequire(path.join(process.cwd(), 'noop.js'));

/*
 * Dynamic import() in a script compiled by node:vm fails without an importModuleDynamically
 * hook, and inside code built by `new Function` it resolves from this file, so a bare package
 * name only the user's project has is not found (checked by experiment). import() is syntax, so
 * it cannot be handed in like `require`; instead closure.ts rewrites each `import(` to a call of
 * the helper below, which tries Kindling's install (ESM resolution, via
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
  if (shipped.kind === 'ref') return `${shipped.module}\u0000${shipped.exportName}`;
  const o = shipped.origin;
  // The same text defined at two places compiles to two functions: their frames differ.
  return o === undefined ? shipped.source : `${shipped.source}\u0000${scriptName(o)}:${o.line}`;
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
      ? buildSource(shipped.source, shipped.origin, where)
      : await importRef(shipped, where);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, built);
  return built;
}

// The factory takes `require` and the import helper; "use strict" because sloppy-mode surprises
// (implicit globals) would otherwise leak between tasks of the same worker.
const FACTORY_PREFIX = `(function (require, ${IMPORT_HELPER}) { "use strict"; return (`;

/**
 * Compiles the source as a script named after the user's file, its first line placed at the
 * line and column where the function was defined (the prefix sits on the line before, the
 * first line is padded to the column), so a throw inside it shows the user's own file:line.
 */
function buildSource(
  source: string,
  origin: FunctionOrigin | undefined,
  where: string,
): UserFunction {
  let value: unknown;
  try {
    const column = origin?.kind === 'defined' ? origin.column - 1 : 0;
    const code = `${FACTORY_PREFIX}\n${' '.repeat(column)}${source}\n); })`;
    const factory: unknown = vm.runInThisContext(code, {
      filename: origin === undefined ? `kindling:${where}` : scriptName(origin),
      lineOffset: (origin?.kind === 'defined' ? origin.line : 1) - 2,
      displayErrors: false,
    });
    if (typeof factory !== 'function') throw new TypeError('the factory is not a function');
    value = (factory as (r: NodeJS.Require, i: typeof importFromProject) => unknown)(
      projectRequire,
      importFromProject,
    );
  } catch (e) {
    throw errors.notShippable(where, `its source did not evaluate in the worker: ${messageOf(e)}`);
  }
  if (typeof value !== 'function')
    throw errors.notShippable(where, 'its source did not evaluate to a function');
  return value as UserFunction;
}

/** The script name its frames show: the user's file, or the call that passed the function. */
function scriptName(origin: FunctionOrigin): string {
  return origin.kind === 'defined'
    ? origin.file
    : `function passed to ${origin.where} at ${origin.file}:${origin.line}:${origin.column}, ` +
        `${origin.compiled === true ? 'whose compiled code was not found' : 'whose source is not in that file'}; at its own line`;
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
