// The `kindling` command end to end: the built CLI spawned as a user would run
// it, on jobs written to a temp dir; exit codes, stdout and stderr asserted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { KINDLING_MAIN as MAIN, kindling } from '../kindling-cli.js';

let dir = '';
const file = (name: string): string => path.join(dir, name);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-cli-'));
  fs.writeFileSync(
    file('sum.mjs'),
    `export default async (ctx) => ({
      sum: await ctx.range(0, 100, 1, 3).map((x) => x * 2).reduce((a, b) => a + b),
      nested: { a: { b: { c: { d: { e: 'deep' } } } } },
    });\n`,
  );
  fs.writeFileSync(file('helper.ts'), `export const square = (x: number): number => x * x;\n`);
  fs.writeFileSync(
    file('typed.ts'),
    `import type { Context } from 'kindling';
import { square } from './helper.js';
interface Out { total: number; nine: number }
export default async function job(ctx: Context): Promise<Out> {
  const total: number = await ctx.range(1, 5, 1, 2).map((x: number) => x * 10).reduce((a: number, b: number) => a + b);
  return { total, nine: square(3) };
}\n`,
  );
  fs.writeFileSync(
    file('fails.mjs'),
    `export default async (ctx) =>
      ctx.range(0, 4, 1, 2).map((x) => { if (x === 3) throw new TypeError('boom at ' + x); return x; }).collect();\n`,
  );
  fs.writeFileSync(file('no-default.mjs'), `export const job = 1;\n`);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('kindling run', () => {
  it('runs a .mjs job, prints its result to depth 4 and a summary of jobs, stages and tasks', async () => {
    const out = await kindling('run', file('sum.mjs'), '--workers', '1');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /sum: 9900/);
    assert.match(out.stdout, /d: \[Object\]/, 'depth 4 cuts the fifth level');
    assert.match(out.stderr, /1 job, 1 stage, 3 tasks in [\d.]+ s on 1 worker\n/);
  });

  it('runs a .ts job that imports types from kindling and a sibling .ts module', async () => {
    const out = await kindling('run', file('typed.ts'), '--workers', '2', '--compression', 'none');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /\{ total: 100, nine: 9 \}/);
    assert.match(out.stderr, /1 job, 1 stage, 2 tasks/);
  });

  it('prints the code and the cause of a failed job with its stack, and exits 1', async () => {
    const out = await kindling('run', file('fails.mjs'), '--workers', '1');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /KindlingError \[TASK_FAILED\]: Task failed in RDD \d+ partition 1/);
    assert.match(out.stderr, /Caused by: TypeError: boom at 3\n\s+at /);
    assert.match(out.stderr, /failed after 1 job/);
    // The job awaited its action: no promise of it was left unhandled.
    assert.doesNotMatch(out.stderr, /did not await/);
    assert.equal(out.stdout, '');
  });

  it('refuses bad flags with the flag and the value, the usage and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--workers', '0'], /--workers: expected a positive integer, received "0"/],
      [['--workers', 'two'], /--workers: expected a positive integer, received "two"/],
      [['--compression', 'zstd'], /--compression: expected 'none' or 'lz4', received "zstd"/],
      [['--checkpoint-dir', ''], /--checkpoint-dir: expected a non-empty string/],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    const outs = await Promise.all(
      cases.map(([flags]) => kindling('run', file('sum.mjs'), ...flags)),
    );
    outs.forEach((out, i) => {
      assert.equal(out.code, 2, `case ${i}: ${out.stderr}`);
      assert.match(out.stderr, cases[i]?.[1] as RegExp);
      assert.match(out.stderr, /Usage:\n\s+kindling run JOB/);
    });
  });

  it('refuses a missing job, a wrong extension and a module without a default function with exit code 2', async () => {
    const [none, missing, ext, noDefault] = await Promise.all([
      kindling('run'),
      kindling('run', file('absent.mjs')),
      kindling('run', file('job.py')),
      kindling('run', file('no-default.mjs')),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Missing argument JOB/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /JOB: expected an existing file/);
    assert.equal(ext.code, 2);
    assert.match(ext.stderr, /JOB: expected a \.js, \.mjs, \.ts, \.mts file/);
    assert.equal(noDefault.code, 2);
    assert.match(noDefault.stderr, /default export is async \(ctx: Context\)/);
  });
});

describe('kindling run: how a job that fails to load or to finish is reported', () => {
  it('names the file and line of a syntax error in a .mjs job, with the source line and a caret', async () => {
    const job = file('syntax-error.mjs');
    fs.writeFileSync(job, `// a job\nexport default async (ctx) => { const x = ; };\n`);
    const out = await kindling('run', job, '--no-ui');
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /syntax-error\.mjs:2\nexport default async \(ctx\) => \{ const x = ; \};\n {42}\^/,
    );
    assert.match(out.stderr, /SyntaxError: Unexpected token ';'/);
    assert.doesNotMatch(out.stderr, /node:internal/);
  });

  it('names the module a job imports when that module has the syntax error', async () => {
    fs.writeFileSync(file('broken.mjs'), `export const n = 1;\nexport const m = (;\n`);
    const job = file('imports-broken.mjs');
    fs.writeFileSync(job, `import { n } from './broken.mjs';\nexport default async () => n;\n`);
    const out = await kindling('run', job, '--no-ui');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /broken\.mjs:2\nexport const m = \(;\n {18}\^/);
    assert.doesNotMatch(out.stderr, /imports-broken\.mjs:/);
    assert.doesNotMatch(out.stderr, /node:internal/);
  });

  it('names the file and line of a syntax error in a .ts job', async () => {
    const job = file('syntax-error.ts');
    fs.writeFileSync(
      job,
      `import type { Context } from 'kindling';\nexport default async (ctx: Context) => { const x: number = ; return x; };\n`,
    );
    const out = await kindling('run', job, '--no-ui');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /syntax-error\.ts:2\n.*const x: number = ;.*\n {59}\^/);
    assert.match(out.stderr, /SyntaxError: /);
    assert.doesNotMatch(out.stderr, /node:internal/);
  });

  it('says what a job threw when it is not an Error', async () => {
    const job = file('throws-undefined.mjs');
    fs.writeFileSync(job, `export default async () => { throw undefined; };\n`);
    const out = await kindling('run', job, '--no-ui');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /the job threw undefined/);
  });

  it('stops the context when the job returns and reports an action it did not await once, as a failure', async () => {
    const job = file('unawaited.mjs');
    fs.writeFileSync(
      job,
      `export default async (ctx) => {
        ctx.parallelize([1, 2], 2).map((x) => { throw new Error('bg ' + x); }).count();
        return 'ok';
      };\n`,
    );
    const out = await kindling('run', job, '--no-ui', '--workers', '2');
    assert.equal(out.code, 1, out.stderr);
    // CONTEXT_STOPPED if stop() came before the job was submitted, JOB_CANCELLED after.
    const stopped =
      /KindlingError \[(CONTEXT_STOPPED|JOB_CANCELLED)\]: .*Context (has been|was) stopped/g;
    assert.equal(out.stderr.match(stopped)?.length, 1, out.stderr);
    assert.match(out.stderr, /did not await .*the Context was stopped/);
    assert.match(out.stderr, /failed after/);
    assert.doesNotMatch(out.stderr, /kindling: done|Node\.js v|node:internal|code: '/);
  });
});

describe('kindling run: interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`exits 128 + the signal's number on ${signal}, removing its scratch files`, async () => {
      // The scratch directory goes under the child's own os.tmpdir().
      const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
      const job = file(`interrupted-${signal}.mjs`);
      fs.writeFileSync(
        job,
        `export default async (ctx) => {
          await ctx.range(0, 1000, 1, 4).map((x) => [x % 7, x]).reduceByKey((a, b) => a + b).count();
          process.stdout.write('shuffled\\n');
          await new Promise((resolve) => setTimeout(resolve, 600_000));
        };\n`,
      );
      const child = spawn(process.execPath, [MAIN, 'run', job, '--no-ui', '--workers', '2'], {
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('shuffled')) resolve();
        }),
      );
      const scratch = (): string[] =>
        fs
          .readdirSync(tmp, { recursive: true })
          .map(String)
          .filter((f) => /shuffle_/.test(f));
      assert.ok(scratch().length > 0, 'the job wrote shuffle files under its tmpdir');
      child.kill(signal);
      assert.equal(await exited, 128 + os.constants.signals[signal]);
      assert.deepEqual(scratch(), []);
    });
  }
});

describe('kindling inspect and dispatch', () => {
  it('reports a missing directory as CHECKPOINT_NOT_FOUND with exit code 1', async () => {
    const out = await kindling('inspect', file('no-such-checkpoint'));
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /\[CHECKPOINT_NOT_FOUND\]: No checkpoint at .*no-such-checkpoint: the directory does not exist/,
    );
  });

  it('verifies a checkpoint written by a job, and names the bad file and frame once a byte flips', async () => {
    const job = file('checkpointed.mjs');
    fs.writeFileSync(
      job,
      `export default async (ctx) => {
        const rdd = ctx.range(0, 300, 1, 3).map((x) => ({ x }));
        rdd.checkpoint();
        await rdd.count();
        return rdd.getCheckpointFile();
      };\n`,
    );
    const run = await kindling('run', job, '--workers', '1', '--checkpoint-dir', file('ck'));
    assert.equal(run.code, 0, run.stderr);
    const rddDir = /'(.*)'/.exec(run.stdout)?.[1] as string;
    const good = await kindling('inspect', rddDir);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /300/);
    const part = path.join(rddDir, 'part-00001');
    const bytes = fs.readFileSync(part);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    fs.writeFileSync(part, bytes);
    const bad = await kindling('inspect', rddDir, '--json');
    assert.equal(bad.code, 1);
    assert.equal((JSON.parse(bad.stdout) as { ok: boolean }).ok, false);
    assert.match(bad.stderr, /damaged: \[CHECKPOINT_CORRUPT\] .*part-00001 \(frame \d+\)/);
  });

  it('takes file: URLs for the job, --checkpoint-dir, --event-log-dir and the DIR to inspect, and refuses other schemes', async () => {
    const job = file('url-job.mjs');
    fs.writeFileSync(
      job,
      `export default async (ctx) => {
        const rdd = ctx.range(0, 30, 1, 3);
        rdd.checkpoint();
        await rdd.count();
        return rdd.getCheckpointFile();
      };\n`,
    );
    const checkpoints = file('url checkpoints');
    const events = file('url events');
    const run = await kindling(
      'run',
      pathToFileURL(job).href,
      '--workers',
      '1',
      '--no-ui',
      '--checkpoint-dir',
      pathToFileURL(checkpoints).href,
      '--event-log-dir',
      pathToFileURL(events).href,
    );
    assert.equal(run.code, 0, run.stderr);
    const rddDir = /'(.*)'/.exec(run.stdout)?.[1] as string;
    assert.ok(rddDir.startsWith(checkpoints + path.sep), run.stdout);
    assert.ok(fs.readdirSync(events).length > 0, 'the event log is in the directory named');
    const inspected = await kindling('inspect', pathToFileURL(rddDir).href);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, /30/);
    const [hdfs, ftp] = await Promise.all([
      kindling('run', job, '--checkpoint-dir', 'hdfs://namenode/checkpoints'),
      kindling('inspect', 'ftp://host/checkpoint'),
    ]);
    assert.equal(hdfs.code, 2, hdfs.stderr);
    assert.match(
      hdfs.stderr,
      /Invalid argument --checkpoint-dir: .*the hdfs: scheme is not supported/,
    );
    assert.equal(ftp.code, 2, ftp.stderr);
    assert.match(ftp.stderr, /Invalid argument DIR: .*the ftp: scheme is not supported/);
  });

  it('says a directory is neither kind of checkpoint', async () => {
    const out = await kindling('inspect', dir);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      /neither an RDD checkpoint \(no _manifest\.json\) nor a streaming checkpoint/,
    );
  });

  it('refuses a bench --out that cannot be a directory before running anything, with exit code 2', async () => {
    const taken = file('bench-out-is-a-file');
    fs.writeFileSync(taken, 'not a directory\n');
    for (const out of [taken, path.join(taken, 'results')]) {
      const bench = await kindling('bench', 'startup', '--runs', '1', '--out', out);
      assert.equal(bench.code, 2, bench.stderr);
      assert.match(bench.stderr, /Invalid argument --out: expected a directory/);
      assert.ok(bench.stderr.includes(`${taken} exists and is not a directory`), bench.stderr);
      assert.doesNotMatch(bench.stderr, /# startup|EEXIST|ENOTDIR/);
    }
    assert.equal(fs.readFileSync(taken, 'utf8'), 'not a directory\n');
  });

  it('exits 2 on an unknown command or bench, and 0 with the usage on --help', async () => {
    const [unknown, bench, help] = await Promise.all([
      kindling('frobnicate'),
      kindling('bench', 'no-such-bench'),
      kindling('--help'),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    assert.equal(bench.code, 2);
    assert.match(bench.stderr, /NAME: expected one of cpu-scaling, task-overhead, wordcount/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /kindling inspect DIR/);
  });
});
