// Minimal types for eslint-scope 8, which ships none: only what closure.ts uses.
declare module 'eslint-scope' {
  export interface Reference {
    readonly identifier: { readonly name: string; readonly start?: number };
  }
  export interface Scope {
    readonly through: readonly Reference[];
  }
  export interface ScopeManager {
    readonly globalScope: Scope | null;
  }
  export interface AnalyzeOptions {
    ecmaVersion?: number;
    sourceType?: 'script' | 'module' | 'commonjs';
    fallback?: 'iteration' | 'none';
    optimistic?: boolean;
  }
  export function analyze(ast: object, options?: AnalyzeOptions): ScopeManager;
}
