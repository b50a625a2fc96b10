// Module hooks for `kindling run` (registered with node:module register(), so
// they run on Node's loader thread). Two jobs:
// - `import ... from 'kindling'` in a job resolves to this CLI's own copy of the
//   package, wherever the job lives: the Context the job receives and the fn()/
//   RDD classes it imports are then the same module instances.
// - .ts/.mts files are transpiled on load (types stripped, no type check) and a
//   relative `./x.js` import falls back to `./x.ts`, the NodeNext convention, so
//   multi-file TypeScript jobs run as they would after tsc. Without the
//   typescript package, on a Node that strips types itself (run.ts decides),
//   .ts files go to Node's own loader instead. A .ts file with a syntax error is
//   refused here with typescript's message, its file, line and caret.
// Each ES module loaded from a file is posted on `loaded`, for syntax-error.ts.
//
// Why typescript's transpileModule and not tsx or esbuild: Node 20 has no type
// stripping of its own; tsx and esbuild ship a native binary per platform and a
// second compiler whose output can differ from tsc's, while a TypeScript user
// already has the `typescript` package (pure JS, the reference compiler). It is
// an optional peer dependency, imported only when a .ts job is run. We hook the
// loader instead of writing a temp .mjs next to the job because a temp file
// cannot follow the job's own imports of other .ts files and may be left behind.

import fs from 'node:fs';
import type { InitializeHook, LoadHook, ModuleFormat, ResolveHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { Diagnostic } from 'typescript';
import { COMPILED_CODE_FIELD } from '../shipping/source-maps.js';

export interface JobHooksData {
  kindlingUrl: string;
  /** true: .ts files are transpiled here by the typescript package; false: Node strips them. */
  transpile: boolean;
  /** Receives the URL of each ES module loaded from a file, Kindling's own excepted. */
  loaded: MessagePort;
}

type TypeScript = typeof import('typescript');
let kindlingUrl = '';
let kindlingRoot = '';
let transpile = true;
let loaded: MessagePort | undefined;
let ts: TypeScript | undefined;

export const initialize: InitializeHook<JobHooksData> = (data) => {
  kindlingUrl = data.kindlingUrl;
  kindlingRoot = new URL('../', kindlingUrl).href;
  transpile = data.transpile;
  loaded = data.loaded;
};

const TS_FILE = /\.m?ts$/;
// Node's format for an ES module in TypeScript (22.7 and later), unknown to the
// Node 20 typings this project builds against.
const MODULE_TYPESCRIPT = 'module-typescript' as ModuleFormat;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === 'kindling') return { url: kindlingUrl, format: 'module', shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const fromTs = context.parentURL !== undefined && TS_FILE.test(context.parentURL);
    if (!fromTs || !/^\.\.?\//.test(specifier) || !/\.m?js$/.test(specifier)) throw e;
    const candidate = new URL(specifier.replace(/js$/, 'ts'), context.parentURL);
    if (!fs.existsSync(fileURLToPath(candidate))) throw e;
    // No format: load (ours or Node's type stripping) decides it for a .ts file.
    return { url: candidate.href, shortCircuit: true };
  }
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) {
    const result = await nextLoad(url, context);
    if (result.format === 'module' && url.startsWith('file:') && !url.startsWith(kindlingRoot))
      loaded?.postMessage(url);
    return result;
  }
  // A job is an ES module, as when transpiled below, whatever its package.json says
  // (without "type", Node would first try the file as CommonJS, and warn).
  if (!transpile) return nextLoad(url, { ...context, format: MODULE_TYPESCRIPT });
  ts ??= (await import('typescript')).default;
  const file = fileURLToPath(url);
  const { outputText, sourceMapText, diagnostics } = ts.transpileModule(
    fs.readFileSync(file, 'utf8'),
    {
      fileName: file,
      // Syntax errors only: transpileModule does not type-check.
      reportDiagnostics: true,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        // A source map (inlined below): with source maps on, stacks point at the .ts lines.
        sourceMap: true,
        inlineSources: true,
      },
    },
  );
  const error = diagnostics?.find((d) => d.category === ts?.DiagnosticCategory.Error);
  if (error !== undefined) throw syntaxError(ts, url, error);
  return { format: 'module', source: withSourceMap(outputText, sourceMapText), shortCircuit: true };
};

/**
 * The compiled module with its source map inlined, the compiled code itself kept in the map
 * (shipping/source-maps.ts, COMPILED_CODE_FIELD): a shipped function's text is compiled text,
 * found there, and its place in the compiled code mapped to the .ts file.
 */
export function withSourceMap(outputText: string, sourceMapText: string | undefined): string {
  // transpileModule ends the code with a `//# sourceMappingURL=<name>.js.map` line.
  const code = outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n');
  if (sourceMapText === undefined) return code;
  const map = { ...(JSON.parse(sourceMapText) as object), [COMPILED_CODE_FIELD]: code };
  const data = Buffer.from(JSON.stringify(map)).toString('base64');
  return `${code}//# sourceMappingURL=data:application/json;base64,${data}\n`;
}

/** typescript's diagnostic as Node reports a SyntaxError: `url:line`, the line, a caret. */
function syntaxError(typescript: TypeScript, url: string, d: Diagnostic): SyntaxError {
  const e = new SyntaxError(typescript.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (d.file !== undefined && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const text = d.file.text.split(/\r?\n/)[line] ?? '';
    e.stack = `${url}:${line + 1}\n${text}\n${' '.repeat(character)}^\n\nSyntaxError: ${e.message}`;
  }
  return e;
}
