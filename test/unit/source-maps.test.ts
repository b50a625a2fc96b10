// Positions in compiled code mapped back to the source through Node's source map cache: a
// TypeScript module compiled as `kindling run` compiles it (blank lines dropped, a one-line
// `if (...) throw` split in two) and loaded with source maps on. Frames of a stack move to the
// .ts lines and columns, whatever their shape; frames of files without a map stay as they are.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { withSourceMap } from '../../src/cli/job-hooks.js';
import { compiledCode, mapStackFrames, originalPosition } from '../../src/shipping/source-maps.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-source-maps-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SOURCE = `interface Row {
  n: number;
}


export function check(r: Row): number {

  if (r.n > 1) throw new RangeError('too big');
  return r.n;
}
`;

/** Compiles SOURCE as `kindling run` does (job-hooks.ts), the compiled code kept in the map, and loads it. */
async function loadCompiled(): Promise<{ url: string; code: string }> {
  const file = path.join(dir, 'checked.ts');
  const out = ts.transpileModule(SOURCE, {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: true,
      inlineSources: true,
    },
  });
  const compiled = path.join(dir, 'checked.mjs');
  const source = withSourceMap(out.outputText, out.sourceMapText);
  fs.writeFileSync(compiled, source);
  const code = source.slice(0, source.indexOf('//# sourceMappingURL='));
  process.setSourceMapsEnabled(true);
  const url = pathToFileURL(compiled).href;
  await import(url);
  return { url, code };
}

describe('source maps', () => {
  it('map a compiled position to the .ts line and column, and give the compiled code', async () => {
    const { url, code } = await loadCompiled();
    assert.equal(compiledCode(url), code);
    const lines = code.split('\n');
    const throwLine = lines.findIndex((l) => l.includes('new RangeError')) + 1;
    const throwColumn = (lines[throwLine - 1] ?? '').indexOf('new RangeError') + 1;
    assert.notEqual(throwLine, 8, 'the compiler moved the throw');
    const at = originalPosition(url, throwLine, throwColumn);
    assert.equal(at?.file, pathToFileURL(path.join(dir, 'checked.ts')).href);
    assert.equal(at?.line, 8);
    assert.equal(at?.column, SOURCE.split('\n')[7]!.indexOf('new RangeError') + 1);
  });

  it('rewrite frames of both shapes in compiled files and leave the others', async () => {
    const { url, code } = await loadCompiled();
    const lines = code.split('\n');
    const line = lines.findIndex((l) => l.includes('new RangeError')) + 1;
    const column = (lines[line - 1] ?? '').indexOf('new RangeError') + 1;
    const ts = pathToFileURL(path.join(dir, 'checked.ts')).href;
    const tsColumn = SOURCE.split('\n')[7]!.indexOf('new RangeError') + 1;
    const stack = [
      'RangeError: too big',
      `    at check (${url}:${line}:${column})`,
      `    at ${url}:${line}:${column}`,
      '    at loop (kindling:fused-loop-0:10:21)',
      '    at function passed to rdd.map at file:///x/job.ts:3:4, whose source is not in that file; at its own line:2:7',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    assert.deepEqual(mapStackFrames(stack).split('\n'), [
      'RangeError: too big',
      `    at check (${ts}:8:${tsColumn})`,
      `    at ${ts}:8:${tsColumn}`,
      '    at loop (kindling:fused-loop-0:10:21)',
      '    at function passed to rdd.map at file:///x/job.ts:3:4, whose source is not in that file; at its own line:2:7',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ]);
  });

  it('leave positions of files without a source map alone', () => {
    assert.equal(originalPosition('file:///nowhere/plain.js', 3, 4), undefined);
    assert.equal(compiledCode('file:///nowhere/plain.js'), undefined);
    const stack = 'Error: x\n    at f (file:///nowhere/plain.js:3:4)';
    assert.equal(mapStackFrames(stack), stack);
  });
});
