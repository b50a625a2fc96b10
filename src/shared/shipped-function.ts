// A shipped user function as it travels to a worker, and the name both threads must agree on
// to rebuild it: shipping/closure.ts writes sources against it, workers/functions.ts evaluates
// them. A leaf module (no imports), so workers may import it without pulling in the parser.

export type ShippedFunction =
  | { kind: 'source'; source: string; name: string } // function source text, rebuilt in the worker
  | { kind: 'ref'; module: string; exportName: string }; // fn(module, exportName)

/**
 * `import(x)` in a shipped function is rewritten to a call of this parameter, so that the worker
 * can resolve bare specifiers from the user's project (workers/functions.ts binds it).
 */
export const IMPORT_HELPER = '__kindlingImport';
