// How the CLI prints a failure: the error's name, code and message, its stack,
// then each cause in turn (a TASK_FAILED error's cause is the user's error
// rebuilt from the worker: name, message and the worker's stack). A
// KindlingError's own stack is engine frames, shown only with KINDLING_DEBUG=1.

import { inspect } from 'node:util';
import { KindlingError } from '../shared/errors.js';

export function formatError(e: unknown): string {
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
  // The stack starts with "name: message"; keep only its frames so the head is not repeated.
  const frames = (withStack ? (e.stack ?? '') : '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .join('\n');
  return frames === '' ? head : `${head}\n${frames}`;
}
