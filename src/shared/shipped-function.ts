// A shipped user function as it travels to a worker, and the name both threads must agree on
// to rebuild it: shipping/closure.ts writes sources against it, workers/functions.ts evaluates
// them. A leaf module (no imports), so workers may import it without pulling in the parser.

export type ShippedFunction =
  | { kind: 'source'; source: string; name: string; origin?: FunctionOrigin } // rebuilt in the worker
  | { kind: 'ref'; module: string; exportName: string }; // fn(module, exportName)

/**
 * Where a source function came from, so its stack frames in a worker name the user's file
 * (absent: nothing is known, e.g. a function passed from a streaming batch's timer).
 * `defined`: the function's text starts at line:column of file (1-based), so frames carry the
 * user's own line numbers; in compiled code (a TypeScript job) these are the compiled code's,
 * which the main thread maps to the source's through its source map (shipping/source-maps.ts).
 * `passed`: only the call that passed it to `where` is known (`compiled`: the call's file was
 * compiled, and the function's compiled text could not be found); frames then count lines from
 * the function's first.
 */
export type FunctionOrigin =
  | { kind: 'defined'; file: string; line: number; column: number }
  | {
      kind: 'passed';
      where: string;
      file: string;
      line: number;
      column: number;
      compiled?: true;
    };

/**
 * `import(x)` in a shipped function is rewritten to a call of this parameter, so that the worker
 * can resolve bare specifiers from the user's project (workers/functions.ts binds it).
 */
export const IMPORT_HELPER = '__kindlingImport';
