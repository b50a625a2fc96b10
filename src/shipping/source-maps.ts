// Positions in compiled code mapped back to the source the user wrote, through Node's source map
// cache (module.findSourceMap; filled for modules loaded while source maps are enabled, as
// `kindling run` enables them for a TypeScript job, or under --enable-source-maps). Call sites,
// a shipped function's place and the frames of a worker's stack are all V8 positions in the
// code that ran; these turn them into the .ts file's lines and columns, as Node's own stack
// traces do. Without a source map every position is left as it is.

import { findSourceMap, type SourceMap } from 'node:module';

/**
 * The field of a source map in which `kindling run`'s loader (cli/job-hooks.ts) also stores the
 * compiled code: a shipped function's text (Function.prototype.toString) is the compiled text,
 * found there, not in the .ts file.
 */
export const COMPILED_CODE_FIELD = 'x_kindling_compiledCode';

/** 1-based, as V8 and Node's stack traces count. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

function sourceMapOf(file: string): SourceMap | undefined {
  try {
    return findSourceMap(file);
  } catch {
    return undefined; // a script name that is no path or URL (a REPL, an eval)
  }
}

/** Where a position of compiled `file` comes from, or undefined when it has no source map. */
export function originalPosition(
  file: string,
  line: number,
  column: number,
): SourcePosition | undefined {
  const origin = sourceMapOf(file)?.findOrigin(line, column);
  if (origin === undefined || !('fileName' in origin)) return undefined;
  return { file: origin.fileName, line: origin.lineNumber, column: origin.columnNumber };
}

/** The code V8 ran for `file` when its loader kept it in the source map (see COMPILED_CODE_FIELD). */
export function compiledCode(file: string): string | undefined {
  const payload = sourceMapOf(file)?.payload;
  const code: unknown =
    payload === undefined ? undefined : Reflect.get(payload, COMPILED_CODE_FIELD);
  return typeof code === 'string' ? code : undefined;
}

// `    at name (file:line:column)` or `    at file:line:column`.
const FRAME = /^(\s+at (?:.*? \()?)(.+):(\d+):(\d+)(\)?)$/;

/**
 * A stack whose frames in compiled files are moved to the source's file, line and column (a
 * worker's stack: a shipped function is compiled there under its file's name at the positions
 * it had in the compiled module). Other lines and frames stay as they are.
 */
export function mapStackFrames(stack: string): string {
  if (!stack.includes('\n')) return stack;
  return stack
    .split('\n')
    .map((line) => {
      const m = FRAME.exec(line);
      if (m === null) return line;
      const [, head = '', file = '', l = '', c = '', tail = ''] = m;
      const at = originalPosition(file, Number(l), Number(c));
      return at === undefined ? line : `${head}${at.file}:${at.line}:${at.column}${tail}`;
    })
    .join('\n');
}
