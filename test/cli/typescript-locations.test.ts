// A TypeScript job run by `kindling run` (transpiled on load, which drops types and blank lines
// and moves code between lines) is reported in its own .ts lines and columns, through Node's
// source maps: the frame of a shipped function that throws in a worker, the lineage printed by
// toDebugString, and a function refused for a free variable. Real child processes on .ts and
// .mts files; each expected position is found in the file by a marker.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kindling } from '../kindling-cli.js';

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-ts-locations-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Writes a job and returns where `needle` is on the line holding `marker`: 1-based line and column. */
function writeJob(
  name: string,
  text: string,
): { file: string; at: (marker: string, needle: string) => string } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const lines = text.split('\n');
  return {
    file,
    at(marker, needle) {
      const line = lines.findIndex((l) => l.includes(marker));
      assert.ok(line >= 0, `a line holds ${marker}`);
      const column = (lines[line] as string).indexOf(needle);
      assert.ok(column >= 0, `line ${line + 1} holds ${needle}`);
      return `${name}:${line + 1}:${column + 1}`;
    },
  };
}

// Types, an interface, blank lines and comments before and inside the shipped function, and a
// one-line `if (...) throw` that the compiler splits in two: the compiled lines differ from
// these from the first import on.
const THROWING = `import type { Context, RDD } from 'kindling';

interface Row {
  n: number;
  label: string;
}

type Parsed = number;

export default async function job(ctx: Context): Promise<unknown> {
  const rows: Row[] = [
    { n: 1, label: 'a' },
    { n: 2, label: 'b' },
  ];


  const parsed: RDD<Parsed> = ctx.parallelize<Row>(rows, 2).map((r: Row): Parsed => { // marker: map-call

    // A comment, then a blank line.

    const doubled: number = r.n * 2;
    if (doubled === 4) throw new Error(\`boom in \${r.label}\`); // marker: throw
    return doubled;
  });
  process.stderr.write(parsed.toDebugString() + '\\n');
  return await parsed.collect();
}
`;

describe('kindling run of a TypeScript job names .ts lines and columns', () => {
  for (const ext of ['ts', 'mts']) {
    it(`a shipped function that throws shows its .${ext} file, line and column, and toDebugString the call's`, async () => {
      const job = writeJob(`throwing.${ext}`, THROWING);
      const out = await kindling('run', job.file, '--workers', '1', '--no-ui');
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stderr, /Caused by: Error: boom in b\n/);
      const frame = /Caused by: Error: boom in b\n\s+at (.*)/.exec(out.stderr)?.[1] ?? '';
      // The throw's own place in the .ts file, in the frame as Node prints a mapped one.
      assert.match(
        frame,
        new RegExp(`/${escape(job.at('marker: throw', 'new Error'))}\\)?$`),
        out.stderr,
      );
      assert.doesNotMatch(out.stderr, /whose source is not in that file/);
      // toDebugString: the line of the .map( call in the .ts file.
      const mapLine = job.at('marker: map-call', '.map(').split(':').slice(0, 2).join(':');
      assert.match(
        out.stderr,
        new RegExp(`MapPartitionsRDD\\[\\d+\\] at map at \\S*/${escape(mapLine)}\\n`),
      );
    });
  }

  it('a function refused for a free variable is named with its place in the .ts file', async () => {
    const job = writeJob(
      'free-variable.ts',
      `import type { Context } from 'kindling';

interface Scale {
  factor: number;
}

export default async function job(ctx: Context): Promise<number[]> {
  const scale: Scale = { factor: 3 };

  return ctx.parallelize([1, 2], 2).map((x: number): number => x * scale.factor).collect(); // marker: free
}
`,
    );
    const out = await kindling('run', job.file, '--workers', '1', '--no-ui');
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /\[TASK_NOT_SERIALIZABLE\]: The function passed to rdd\.map /);
    assert.match(out.stderr, /free variable 'scale'/);
    assert.match(
      out.stderr,
      new RegExp(`\\(defined at \\S*/${escape(job.at('marker: free', '(x: number)'))}\\)`),
    );
  });
});
