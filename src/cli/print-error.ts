// How the CLI prints a failure: the error's name, code and message, its stack,
// then each cause in turn (a TASK_FAILED error's cause is the user's error
// rebuilt from the worker: name, message and the worker's stack). A
// KindlingError's own stack is engine frames, shown only with KINDLING_DEBUG=1. Node's own
// frames (node:internal/...) are never shown; the `file:line`, source line and caret that Node
// puts before a SyntaxError's stack (run.ts adds them for an ES module) are kept.

import { inspect } from 'node:util';
import { KindlingError } from '../shared/errors.js';

/** `thrower`: who threw `e`, named when it is not an Error ("the job threw undefined"). */
export function formatError(e: unknown, thrower = 'the command'): string {
  // A thrown undefined or null is still reported: the loop below stops at a missing cause.
  if (!(e instanceof Error)) return `${thrower} threw ${inspect(e, { depth: 2 })}`;
  const lines: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const engineFrames = current instanceof KindlingError && process.env.KINDLING_DEBUG !== '1';
    lines.push((depth === 0 ? '' : 'Caused by: ') + describe(current, !engineFrames));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}

function describe(e: unknown, withStack: boolean): string {
  if (!(e instanceof Error)) return `thrown value: ${inspect(e, { depth: 2 })}`;
  const code = (e as { code?: unknown }).code;
  const head = `${e.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${e.message}`;
  const stack = e.stack ?? '';
  // Node's "file:line\nsource\n   ^\n\n" before "SyntaxError: ..." says where the parse failed.
  const source = stack.startsWith(e.name) ? undefined : /^([^\n]*:\d+\n[^]*?)\n\n/.exec(stack)?.[1];
  // The stack then has "name: message"; keep only its frames so the head is not repeated.
  const frames = (withStack ? stack : '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l) && !l.includes('node:internal/'))
    .join('\n');
  const described = frames === '' ? head : `${head}\n${frames}`;
  return source === undefined ? described : `${source}\n\n${described}`;
}
