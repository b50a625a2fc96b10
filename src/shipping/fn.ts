// fn(module, exportName): a user function named by the module that exports it, for functions
// that need what a shipped source cannot carry (imports, module state). Only the two strings
// travel; each worker imports the module itself (workers/functions.ts).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../shared/errors.js';

export class FunctionRef<F = unknown> {
  /** Type only, never set: the caller's own type of the export, `fn<typeof parse>(...)`. */
  declare readonly signature?: F;
  readonly module: string;
  readonly exportName: string;

  constructor(module: string, exportName: string) {
    this.module = module;
    this.exportName = exportName;
  }
}

const MODULE_EXPECTED =
  "an absolute path, a file: URL or a package name (a relative path means nothing in a worker thread: use an absolute path or new URL('./x.js', import.meta.url))";

export function fn<F = unknown>(module: string | URL, exportName: string): FunctionRef<F> {
  return new FunctionRef<F>(normalizeModule(module), validateExportName(exportName));
}

function normalizeModule(module: unknown): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:' && module.protocol !== 'node:') {
      throw errors.invalidArgument('module', MODULE_EXPECTED, module.href);
    }
    return module.href;
  }
  if (typeof module !== 'string' || module === '')
    throw errors.invalidArgument('module', MODULE_EXPECTED, module);
  // Checked before the scheme test so that Windows paths (C:\...) are paths, not URLs.
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  if (module === '.' || module === '..' || /^\.\.?[\\/]/.test(module)) {
    throw errors.invalidArgument('module', MODULE_EXPECTED, module);
  }
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(module)) {
    if (module.startsWith('file:')) return new URL(module).href;
    if (module.startsWith('node:')) return module;
    throw errors.invalidArgument('module', MODULE_EXPECTED, module);
  }
  return module; // a bare package specifier
}

function validateExportName(exportName: unknown): string {
  if (typeof exportName !== 'string' || exportName === '') {
    throw errors.invalidArgument('exportName', 'a non-empty string', exportName);
  }
  return exportName;
}

/**
 * Imports the module on the main thread and checks the export is a function, so a bad
 * reference fails before any task runs. Resolves as workers/functions.ts does.
 */
export async function checkFunctionRef(ref: FunctionRef): Promise<void> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(resolveModule(ref.module))) as Record<string, unknown>;
  } catch (e) {
    const why = `the module could not be imported: ${e instanceof Error ? e.message : String(e)}`;
    throw errors.functionRefInvalid(ref.module, ref.exportName, why, e);
  }
  if (!(ref.exportName in namespace)) {
    throw errors.functionRefInvalid(
      ref.module,
      ref.exportName,
      `the module has no export '${ref.exportName}'`,
    );
  }
  const value = namespace[ref.exportName];
  if (typeof value !== 'function') {
    const why = `the export '${ref.exportName}' is a ${value === null ? 'null' : typeof value}, not a function`;
    throw errors.functionRefInvalid(ref.module, ref.exportName, why);
  }
}

// A bare specifier is looked up from Kindling's install first, then from the current directory
// (the user's project), the same order as the worker uses.
function resolveModule(module: string): string {
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(module)) return module;
  try {
    return import.meta.resolve(module);
  } catch {
    return pathToFileURL(createRequire(path.join(process.cwd(), 'noop.js')).resolve(module)).href;
  }
}
