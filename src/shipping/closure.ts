// Turns a user function into plain data a worker thread can rebuild (README.md, "How user
// functions travel"). The check is static and happens at the call that defines the function:
// any free variable that is not a global of a worker thread is refused, where Spark's
// ClosureCleaner would try to serialize it. The worker side is workers/functions.ts.
import * as acorn from 'acorn';
import { analyze } from 'eslint-scope';
import { runInNewContext } from 'node:vm';
import { errors } from '../shared/errors.js';
import { FunctionRef } from './fn.js';
import {
  IMPORT_HELPER,
  type FunctionOrigin,
  type ShippedFunction,
} from '../shared/shipped-function.js';
import { captureCallSite } from './call-site.js';
import { describeOrigin, functionOrigin } from './function-origin.js';
import { noteShippedRef } from './ref-check.js';

export type { ShippedFunction } from '../shared/shipped-function.js';

type Analysis =
  | { ok: true; source: string }
  | { ok: false; variable: string; usage: VariableUsage }
  | { ok: false; reason: string };

/** How the function uses a free variable: the advice differs for a value, a call and a `new`. */
export type VariableUsage = 'value' | 'call' | 'new';

/** A callback of an RDD method, or a helper function placed in its env (called by the user). */
export type FunctionRole = 'callback' | 'env';

const byFunction = new WeakMap<object, Analysis>();
// Where each function object was first passed from: one stack capture per new function.
const originByFunction = new WeakMap<object, FunctionOrigin | undefined>();
// Closures made in a loop are new objects with the same source: cache by text too, bounded
// because streaming jobs can generate sources without end.
const bySource = new Map<string, Analysis>();
const SOURCE_CACHE_LIMIT = 1000;

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;
// Workers evaluate in strict mode, so parse in strict mode: sloppy-only code (with, octal
// literals, duplicate parameters) is refused here rather than failing in a worker.
const STRICT_PREFIX = '"use strict";(';
// eslint-scope needs `range` on nodes (it compares parameter and body positions).
const PARSE_OPTIONS: acorn.Options = { ecmaVersion: 'latest', sourceType: 'script', ranges: true };

export function shipFunction(
  f: unknown,
  where: string,
  role: FunctionRole = 'callback',
): ShippedFunction {
  if (f instanceof FunctionRef)
    return noteShippedRef({ kind: 'ref', module: f.module, exportName: f.exportName });
  if (typeof f !== 'function') {
    throw errors.invalidArgument(`function of ${where}`, 'a function or fn(module, exportName)', f);
  }
  let analysis = byFunction.get(f);
  if (analysis === undefined) {
    analysis = analyzeFunction(f);
    byFunction.set(f, analysis);
  }
  if (analysis.ok) {
    const shipped: ShippedFunction = { kind: 'source', source: analysis.source, name: f.name };
    const origin = originOf(f, where);
    if (origin !== undefined) shipped.origin = origin;
    return shipped;
  }
  // Where the function is, as the user wrote it (a .ts job's own line and column).
  const origin = originOf(f, where);
  const at = origin === undefined ? undefined : describeOrigin(origin);
  if ('variable' in analysis)
    throw errors.notSerializable(where, analysis.variable, analysis.usage, role, at);
  throw errors.notShippable(where, analysis.reason, at);
}

function originOf(f: object, where: string): FunctionOrigin | undefined {
  if (originByFunction.has(f)) return originByFunction.get(f);
  const origin = functionOrigin(Function.prototype.toString.call(f), where, captureCallSite());
  originByFunction.set(f, origin);
  return origin;
}

function analyzeFunction(f: { readonly name: string }): Analysis {
  const source = Function.prototype.toString.call(f);
  if (NATIVE.test(source)) {
    const reason = f.name.startsWith('bound ')
      ? 'it is a bound function, and what bind() captured cannot travel; pass values through env instead'
      : 'it is a native function with no JavaScript source; call it from a function of your own, e.g. (x) => Math.sqrt(x) rather than Math.sqrt';
    return { ok: false, reason };
  }
  const cached = bySource.get(source);
  if (cached !== undefined) return cached;
  const analysis = analyzeSource(source);
  if (bySource.size >= SOURCE_CACHE_LIMIT) bySource.delete(bySource.keys().next().value as string);
  bySource.set(source, analysis);
  return analysis;
}

function analyzeSource(source: string, isRewrite = false): Analysis {
  let program: acorn.Program;
  try {
    program = acorn.parse(`${STRICT_PREFIX}${source}\n)`, PARSE_OPTIONS);
  } catch (e) {
    // Method shorthand (`foo(x) {}`, `get foo() {}`, `[k](x) {}`, `#m() {}`) is not an
    // expression: rewrite it to a function expression. A computed key is dropped on purpose, so
    // it can never name a free variable the worker lacks.
    if (isRewrite) {
      return {
        ok: false,
        reason: `it is a method that cannot stand alone as a function (${message(e)})`,
      };
    }
    const rewritten = methodAsFunction(source);
    if (rewritten === undefined) {
      const reason = `its source could not be parsed as strict-mode code, as workers run it (${message(e)})`;
      return { ok: false, reason };
    }
    return analyzeSource(rewritten, true);
  }
  const statement = program.body[1]; // body[0] is the "use strict" directive
  const expression = statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
  if (expression?.type === 'ClassExpression') {
    return { ok: false, reason: 'it is a class; pass a function, e.g. (x) => new MyClass(x)' };
  }
  if (expression?.type !== 'FunctionExpression' && expression?.type !== 'ArrowFunctionExpression') {
    return { ok: false, reason: 'its source is not a function expression' };
  }
  const free = firstDisallowedFreeVariable(program);
  if (free !== undefined) return { ok: false, variable: free.name, usage: free.usage };
  return rewriteImports(program, source);
}

function methodAsFunction(source: string): string | undefined {
  for (const [prefix, suffix] of [
    ['({', '\n})'],
    ['(class {', '\n})'],
  ] as const) {
    let program: acorn.Program;
    try {
      program = acorn.parse(`${prefix}${source}${suffix}`, PARSE_OPTIONS);
    } catch {
      continue;
    }
    const statement = program.body[0];
    const expression = statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
    const member =
      expression?.type === 'ObjectExpression'
        ? expression.properties[0]
        : expression?.type === 'ClassExpression'
          ? expression.body.body[0]
          : undefined;
    if (member === undefined || (member.type !== 'Property' && member.type !== 'MethodDefinition'))
      continue;
    const value = member.value;
    if (value?.type !== 'FunctionExpression') continue;
    const text = `${prefix}${source}${suffix}`;
    // acorn starts a method's FunctionExpression at its parameter list.
    return `${value.async ? 'async ' : ''}function${value.generator ? '*' : ''} ${text.slice(value.start, value.end)}`;
  }
  return undefined;
}

/** The first free variable a worker lacks, and whether the function calls it (advice differs). */
function firstDisallowedFreeVariable(
  program: acorn.Program,
): { name: string; usage: VariableUsage } | undefined {
  const scopes = analyze(program, {
    ecmaVersion: 2024,
    sourceType: 'script',
    fallback: 'iteration',
    // Resolve statically even where eval could add bindings; otherwise a direct eval would make
    // every name in its scope look free.
    optimistic: true,
  });
  let first: { name: string; start: number } | undefined;
  for (const reference of scopes.globalScope?.through ?? []) {
    const { name, start = 0 } = reference.identifier;
    if (isWorkerGlobal(name)) continue;
    if (first === undefined || start < first.start) first = { name, start };
  }
  if (first === undefined) return undefined;
  return { name: first.name, usage: calleeStarts(program).get(first.start) ?? 'value' };
}

function calleeStarts(program: acorn.Program): Map<number, VariableUsage> {
  const starts = new Map<number, VariableUsage>();
  walk(program, (node) => {
    if (
      (node.type === 'CallExpression' || node.type === 'NewExpression') &&
      node.callee.type === 'Identifier'
    )
      starts.set(node.callee.start, node.type === 'NewExpression' ? 'new' : 'call');
  });
  return starts;
}

/** Replaces each `import(` with the helper, and refuses relative literal specifiers early. */
function rewriteImports(program: acorn.Program, source: string): Analysis {
  const starts: number[] = [];
  let relative: string | undefined;
  walk(program, (node) => {
    if (node.type !== 'ImportExpression') return;
    starts.push(node.start - STRICT_PREFIX.length);
    const specifier = node.source;
    if (
      specifier.type === 'Literal' &&
      typeof specifier.value === 'string' &&
      /^\.\.?\//.test(specifier.value)
    ) {
      relative ??= specifier.value;
    }
  });
  if (relative !== undefined) {
    return {
      ok: false,
      reason:
        `import('${relative}') is relative to a module a worker does not know; ` +
        `use an absolute path, or pass new URL('${relative}', import.meta.url).href through env`,
    };
  }
  let out = source;
  for (const start of starts.sort((a, b) => b - a)) {
    out = out.slice(0, start) + IMPORT_HELPER + out.slice(start + 'import'.length);
  }
  return { ok: true, source: out };
}

function walk(node: acorn.AnyNode, visit: (node: acorn.AnyNode) => void): void {
  visit(node);
  for (const value of Object.values(node) as unknown[]) {
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (isNode(item)) walk(item, visit);
    } else if (isNode(value)) {
      walk(value, visit);
    }
  }
}

function isNode(value: unknown): value is acorn.AnyNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

// Node's own globals that a worker thread has too. A plain `name in globalThis` would also
// accept whatever the user's program (or a library) put on the main thread's global object,
// which a worker never sees; so: ECMAScript globals of a fresh realm plus this list.
const NODE_GLOBALS = (
  'global process Buffer console queueMicrotask structuredClone setTimeout clearTimeout ' +
  'setInterval clearInterval setImmediate clearImmediate URL URLSearchParams TextEncoder ' +
  'TextDecoder TextEncoderStream TextDecoderStream AbortController AbortSignal Event ' +
  'EventTarget CustomEvent MessageChannel MessagePort MessageEvent BroadcastChannel Blob ' +
  'File fetch Request Response Headers FormData performance Performance PerformanceEntry ' +
  'PerformanceMark PerformanceMeasure PerformanceObserver PerformanceObserverEntryList ' +
  'PerformanceResourceTiming crypto Crypto CryptoKey SubtleCrypto atob btoa DOMException ' +
  'ReadableStream ReadableStreamDefaultReader ReadableStreamBYOBReader ' +
  'ReadableStreamBYOBRequest ReadableByteStreamController ReadableStreamDefaultController ' +
  'TransformStream TransformStreamDefaultController WritableStream ' +
  'WritableStreamDefaultWriter WritableStreamDefaultController ByteLengthQueuingStrategy ' +
  'CountQueuingStrategy CompressionStream DecompressionStream WebAssembly navigator'
).split(' ');
// Bound in the worker by workers/functions.ts (`require`) or by the language itself.
const ALWAYS = ['require', 'arguments', 'undefined', 'globalThis'];

let workerGlobals: Set<string> | undefined;

function isWorkerGlobal(name: string): boolean {
  workerGlobals ??= new Set([
    ...(runInNewContext('Object.getOwnPropertyNames(globalThis)') as string[]),
    ...NODE_GLOBALS.filter((g) => g in globalThis),
    ...ALWAYS,
  ]);
  return workerGlobals.has(name);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
