// Where a shipped function was defined, so that its frames in a worker's stack name the user's
// file and line instead of `<anonymous>` (workers/functions.ts compiles the source with that
// file name and line offset). V8 gives no function location without the inspector, so the
// function's own text is looked up in the file of the call that passed it: Function.toString
// is the exact source text. In compiled code (a TypeScript job) that text is the compiled
// code's, so it is looked up there (source-maps.ts), and the place is the compiled code's,
// mapped to the source where it is shown. Files are read once and kept (a few, bounded).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FunctionOrigin } from '../shared/shipped-function.js';
import { formatPosition, type CallSite } from './call-site.js';
import { compiledCode, originalPosition } from './source-maps.js';

const FILE_CACHE_LIMIT = 32;
// A file's text and where each of its lines starts; null when it cannot be read.
const files = new Map<string, { text: string; lineStarts: number[] } | null>();

/**
 * The origin of a function whose source text is `source`, passed to `where` at `site`: where
 * the text starts in the site's file (the first match from the call's line on, else the last
 * before it, for a function defined earlier and passed by name), or only the call that passed
 * it when the text is not in the file (a TypeScript loader, an engine function).
 */
export function functionOrigin(
  source: string,
  where: string,
  site: CallSite | undefined,
): FunctionOrigin | undefined {
  if (site === undefined) return undefined;
  // The code that ran: where the call is, and where the function's text is.
  const ran = site.compiled ?? site;
  const file = readSource(ran.file);
  if (file !== null) {
    const callLine = Math.min(Math.max(ran.line, 1), file.lineStarts.length);
    const from = file.lineStarts[callLine - 1] ?? 0;
    let at = file.text.indexOf(source, from);
    if (at < 0) at = file.text.lastIndexOf(source, from);
    if (at < 0 && TYPESCRIPT_FILE.test(ran.file)) at = strippedIndexOf(file.text, source, from);
    if (at >= 0) {
      const line = lineOf(file.lineStarts, at);
      const lineStart = file.lineStarts[line - 1] ?? 0;
      return { kind: 'defined', file: ran.file, line, column: at - lineStart + 1 };
    }
  }
  const passed: FunctionOrigin = {
    kind: 'passed',
    where,
    file: site.file,
    line: site.line,
    column: site.column,
  };
  return site.compiled === undefined ? passed : { ...passed, compiled: true };
}

/** `defined at job.ts:7:48` or `passed at ...`: the origin in the source, for messages. */
export function describeOrigin(origin: FunctionOrigin): string {
  if (origin.kind === 'passed')
    return `passed at ${formatPosition(origin.file, origin.line, origin.column)}`;
  const at = originalPosition(origin.file, origin.line, origin.column) ?? origin;
  return `defined at ${formatPosition(at.file, at.line, at.column)}`;
}

function readSource(file: string): { text: string; lineStarts: number[] } | null {
  const cached = files.get(file);
  if (cached !== undefined) return cached;
  let entry: { text: string; lineStarts: number[] } | null = null;
  try {
    const p = file.startsWith('file:') ? fileURLToPath(file) : file;
    // A module compiled on load (a .ts job): the code that ran is not the file on disk.
    const text = compiledCode(file) ?? readFileSync(p, 'utf8');
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    entry = { text, lineStarts };
  } catch {
    entry = null; // not a readable file (data: URL, REPL, deleted): the call site must do
  }
  if (files.size >= FILE_CACHE_LIMIT) files.delete(files.keys().next().value as string);
  files.set(file, entry);
  return entry;
}

// A .ts file Node ran itself (its type stripping, on by default from Node 22.18 and 23.6).
const TYPESCRIPT_FILE = /\.[cm]?ts$/;

/**
 * Where `source` starts in `text` when Node stripped the types of the file that ran: stripping
 * blanks each annotation with spaces, keeping every other character where it was, so the
 * function's text is the file's with some characters turned into spaces. The first such place
 * from offset `from` on, else the last before it (as for an exact match); -1 when none.
 */
function strippedIndexOf(text: string, source: string, from: number): number {
  // Up to its first space, the function's text is the file's own.
  const space = source.indexOf(' ');
  const head = space < 0 ? source : source.slice(0, space);
  if (head === '') return -1;
  let before = -1;
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    if (!strippedAt(text, source, at)) continue;
    if (at >= from) return at;
    before = at;
  }
  return before;
}

/** Whether `source` is `text` at `at` with some characters (never a line end) blanked. */
function strippedAt(text: string, source: string, at: number): boolean {
  if (at + source.length > text.length) return false;
  for (let i = 0; i < source.length; i++) {
    const s = source.charCodeAt(i);
    const t = text.charCodeAt(at + i);
    if (s !== t && (s !== SPACE || t === NEWLINE)) return false;
  }
  return true;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

/** The 1-based line holding offset `at` (binary search over line starts). */
function lineOf(lineStarts: number[], at: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
