// Where a job's ES module failed to parse. Node 20-24 throw such a SyntaxError from the ESM
// loader with only loader frames: the `file:line`, source line and caret it prints for an
// uncaught one live in a private field a caught error does not show. The module hooks post
// each ES module they load (job-hooks.ts); on such an error the first of them that does not
// parse is found with acorn and its place put before the stack, as Node does for CommonJS.

import * as acorn from 'acorn';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** Adds `url:line`, the line and a caret to a module's SyntaxError; other errors pass. */
export function locateSyntaxError(e: unknown, loaded: MessagePort): void {
  if (!(e instanceof SyntaxError) || !isParseError(e.stack ?? '')) return;
  // The hooks posted each URL before returning its source, so all are queued by now.
  const urls: string[] = [];
  for (let m = receiveMessageOnPort(loaded); m !== undefined; m = receiveMessageOnPort(loaded))
    urls.push(String(m.message));
  // The project's own modules first: a package's are less likely to be the broken one.
  const ordered = [...urls.filter(notPackage), ...urls.filter((u) => !notPackage(u))];
  for (const url of ordered) {
    const place = parseFailure(url);
    if (place === undefined) continue;
    e.stack = `${url}:${place.line}\n${place.text}\n${' '.repeat(place.column)}^\n\n${e.stack}`;
    return;
  }
}

/**
 * Thrown while compiling: no frame outside Node's own modules (node:internal/... on Node 20
 * and 22, node:diagnostics_channel on 24), no place added yet.
 */
function isParseError(stack: string): boolean {
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  return stack.startsWith('SyntaxError') && frames.every((l) => /[( ]node:/.test(l));
}

function notPackage(url: string): boolean {
  return !url.includes('/node_modules/');
}

function parseFailure(url: string): { line: number; column: number; text: string } | undefined {
  let source: string;
  try {
    source = fs.readFileSync(fileURLToPath(url), 'utf8');
  } catch {
    return undefined; // gone since it was loaded: another candidate may still be it
  }
  try {
    acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
    return undefined;
  } catch (e) {
    // acorn's SyntaxError carries loc: { line (1-based), column (0-based) }.
    const loc: unknown = Reflect.get(Object(e), 'loc');
    if (typeof loc !== 'object' || loc === null) return undefined;
    const line = Number(Reflect.get(loc, 'line'));
    const column = Number(Reflect.get(loc, 'column'));
    return { line, column, text: source.split(/\r?\n/)[line - 1] ?? '' };
  }
}
