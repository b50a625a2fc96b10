// The module graph of src/, workers/ and native-bindings/, read from the TypeScript
// sources: no runtime import cycle between modules, and the worker thread loads only
// the modules docs/architecture.md ("Rules the code keeps") lets it. Type-only imports
// are erased by the compiler, so they are edges of neither check.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import ts from 'typescript';

// dist/test/unit/ -> repository root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const roots = ['src', 'workers', 'native-bindings'];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Whether the compiler keeps this import or re-export at run time. */
function isRuntimeEdge(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return false;
    const clause = node.exportClause;
    return !(clause && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly));
  }
  const clause = node.importClause;
  if (!clause) return true; // side-effect import
  if (clause.isTypeOnly) return false;
  if (clause.name) return true;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return true;
  // `import { type A, type B }` is kept as `import {}` under verbatimModuleSyntax,
  // which loads the module: count it only if a value binding is there or none is.
  return bindings.elements.length === 0 || bindings.elements.some((e) => !e.isTypeOnly);
}

/** Runtime imports of each module, as repository-relative paths of .ts files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of roots.flatMap(sourceFiles)) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const edges: string[] = [];
    for (const stmt of sf.statements) {
      if (!ts.isImportDeclaration(stmt) && !ts.isExportDeclaration(stmt)) continue;
      const spec = stmt.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
      if (!isRuntimeEdge(stmt)) continue;
      const target = path.posix.join(path.posix.dirname(file), spec.text).replace(/\.js$/, '.ts');
      assert.ok(
        existsSync(path.join(root, target)),
        `${file} imports ${spec.text}, which does not exist`,
      );
      edges.push(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** One import path around a component, for the failure message. */
function describe(graph: Map<string, string[]>, component: string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  const route = [start];
  let at = start;
  const seen = new Set([start]);
  for (;;) {
    const step = (graph.get(at) ?? []).find((w) => members.has(w) && (w === start || !seen.has(w)));
    if (step === undefined) break;
    route.push(step);
    if (step === start) break;
    seen.add(step);
    at = step;
  }
  return `${route.join(' -> ')} (component: ${component.join(', ')})`;
}

// Modules a worker thread may load from src/ (docs/architecture.md, "Rules the code keeps").
const workerAllowed = [/^src\/shared\//];

it('no module imports itself back through a chain of runtime imports', () => {
  const graph = importGraph();
  assert.ok(graph.size > 100, `read only ${graph.size} modules`);
  assert.deepEqual(
    cycles(graph).map((c) => describe(graph, c)),
    [],
  );
});

it('the cycle check names a cycle when there is one', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  assert.deepEqual(
    cycles(graph).map((c) => describe(graph, c)),
    ['a.ts -> b.ts -> c.ts -> a.ts (component: a.ts, b.ts, c.ts)'],
  );
});

it('src/ never imports workers/', () => {
  const graph = importGraph();
  const offending = [...graph].flatMap(([from, to]) =>
    from.startsWith('src/')
      ? to.filter((t) => t.startsWith('workers/')).map((t) => `${from} -> ${t}`)
      : [],
  );
  assert.deepEqual(offending, []);
});

it('a worker thread loads only workers/, native-bindings/ and the allowed src/ modules', () => {
  const graph = importGraph();
  // Everything reachable from a workers/ module, so an allowed module cannot pull in
  // a forbidden one behind the rule's back.
  const reached = new Map<string, string>();
  const queue = [...graph.keys()].filter((f) => f.startsWith('workers/'));
  for (const f of queue) reached.set(f, f);
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const to of graph.get(from) ?? []) {
      if (reached.has(to)) continue;
      reached.set(to, from);
      queue.push(to);
    }
  }
  const offending = [...reached]
    .filter(([f]) => f.startsWith('src/') && !workerAllowed.some((re) => re.test(f)))
    .map(([f, via]) => `${via} -> ${f}`);
  assert.deepEqual(offending, []);
});
