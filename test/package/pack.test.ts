// The package as users receive it, on the Node running the suite (.ci/node-matrix
// runs it on each): `npm pack`, then `npm install` of the tarball into a fresh
// project, then plain ESM, strict TypeScript (node16 and bundler resolution) and
// `npx kindling run`. Dependencies install at the versions of the repo's
// package-lock.json from the npm cache (--prefer-offline): offline once `npm ci` ran.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

// npm, npx and the kindling bin run on this test's Node: its directory comes first on PATH.
// An enclosing `npm test` exports its settings as npm_* variables: the user's
// (cache, registry, proxy) stay; those naming the repository or its Node go, or
// the nested npm would act on the repository (local_prefix) or build for Node 20.
const NPM_RUN_VARIABLES =
  /^npm_(?!config_)|^npm_config_(local_prefix|call|nodedir|node_gyp|npm_version|user_agent|prefix|global_prefix)$/i;

function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !NPM_RUN_VARIABLES.test(k) && k !== 'NODE_TEST_CONTEXT',
    ),
  );
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}

function run(cmd: string, args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: childEnv(), timeout: 180_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

// --ignore-scripts: `prepare` would rebuild dist/ under the tests running from it.
async function npmPack(args: string[]): Promise<PackResult> {
  const out = await run('npm', ['pack', '--json', '--ignore-scripts', ...args], ROOT);
  assert.equal(out.code, 0, `npm pack failed:\n${out.stderr}`);
  const [result] = JSON.parse(out.stdout) as PackResult[];
  assert.ok(result !== undefined, out.stdout);
  return result;
}

/** A node_modules entry of package-lock.json (lockfileVersion 3). */
interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/**
 * The project's package.json and a lockfile pinning kindling's dependencies to
 * the repo's lockfile (those tested here), so npm fetches tarballs by integrity
 * from its cache and asks the registry for nothing.
 */
function writeProject(dir: string, tarball: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    [field: string]: unknown;
  };
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const spec = `file:${path.basename(tarball)}`;
  const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  const project = { name: 'kindling-user', private: true, type: 'module' };
  const packages: Record<string, unknown> = {
    '': { ...project, dependencies: { kindling: spec } },
    'node_modules/kindling': {
      version: pkg.version,
      resolved: spec,
      integrity,
      ...Object.fromEntries(
        ['license', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']
          .filter((k) => pkg[k] !== undefined)
          .map((k) => [k, pkg[k]]),
      ),
    },
  };
  for (const [key, entry] of Object.entries(lock.packages))
    if (key.startsWith('node_modules/') && entry.dev !== true) packages[key] = entry;
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ ...project, dependencies: { kindling: spec } }, null, 2),
  );
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: project.name, lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

const JOB_MJS = `export default async (ctx) =>
  ctx.parallelize(['a b a', 'c b a'], 2)
    .flatMap((line) => line.split(' '))
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b)
    .sortByKey()
    .collect();
`;

const MAIN_MJS = `import { Context } from 'kindling';
const ctx = new Context({ workers: 2, checkpointDir: process.argv[2], checkpointCompression: 'lz4' });
try {
  const counts = ctx.parallelize(['a b a', 'c b a'], 2)
    .flatMap((line) => line.split(' '))
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b);
  counts.checkpoint();
  const collected = await counts.sortByKey().collect();
  const sum = await ctx.range(0, 1000, 1, 4).map((x) => x * 2).reduce((a, b) => a + b);
  console.log(JSON.stringify({ collected, sum, checkpointed: counts.isCheckpointed() }));
} finally {
  await ctx.stop();
}
`;

// The web UI's static files come from the installed uplot package, found from kindling's dist/.
const UI_MJS = `import { Context } from 'kindling';
const ctx = new Context({ workers: 1, progress: false, ui: 0 });
try {
  const url = await ctx.uiWebUrl();
  const served = {};
  for (const name of ['uplot.iife.min.js', 'uplot.min.css']) {
    const res = await fetch(url + '/static/' + name);
    served[name] = [res.status, await res.text()];
  }
  console.log(JSON.stringify(served));
} finally {
  await ctx.stop();
}
`;

const HELPER_TS = `export const weight = (word: string): number => word.length * 10;\n`;

const JOB_TS = `import { type Context, type RDD } from 'kindling';
import { weight } from './helper.js';

export default async function job(ctx: Context): Promise<[string, number][]> {
  const words: RDD<string> = ctx.parallelize(['a bb a', 'ccc bb a'], 2).flatMap((l: string) => l.split(' '));
  const counts = await words
    .map((w: string): [string, number] => [w, 1])
    .reduceByKey((a: number, b: number) => a + b)
    .sortByKey()
    .collect();
  // weight() runs here on the main thread: a task function may not name it (it cannot travel).
  return counts.map(([w, n]): [string, number] => [w, n * weight(w)]);
}

// The types are Kindling's own, not any: keys() exists only on an RDD of pairs.
export const notPairs = (ctx: Context) =>
  // @ts-expect-error: an RDD<number> has no keys
  ctx.range(0, 3).keys();
`;

// An enum is TypeScript that Node's type stripping refuses (it is not erasable).
const ENUM_TS = `enum Answer { No, Yes }\nexport default async () => Answer.Yes;\n`;

const TS_EXPECTED: [string, number][] = [
  ['a', 30],
  ['bb', 40],
  ['ccc', 30],
];

// skipLibCheck false checks Kindling's .d.ts as a user without it would (and
// @types/node with them, the slow part): once is enough.
function tsconfig(module: string, moduleResolution: string, skipLibCheck: boolean): string {
  return JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution,
      target: 'ES2022',
      strict: true,
      noEmit: true,
      skipLibCheck,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    },
    files: ['job.ts'],
  });
}

// Node 22.18+ and 23.6+ strip types without a flag ('strip'), Node 20 has no such feature.
const nodeStripsTypes = ['strip', 'transform'].includes(
  String(Reflect.get(process.features, 'typescript')),
);

let dir = '';
let packed: PackResult | undefined;
const typeChecks = new Map<string, Promise<Outcome>>();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-package-'));
  packed = await npmPack(['--pack-destination', dir]);
  writeProject(dir, path.join(dir, packed.filename));
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    dir,
  );
  assert.equal(
    install.code,
    0,
    `npm install of the packed tarball failed. It installs kindling's dependencies from the npm ` +
      `cache (--prefer-offline) and needs the registry only for tarballs missing there: run ` +
      `npm ci in the repository once while online. npm said:\n${install.stderr}`,
  );
  fs.writeFileSync(path.join(dir, 'job.mjs'), JOB_MJS);
  fs.writeFileSync(path.join(dir, 'main.mjs'), MAIN_MJS);
  fs.writeFileSync(path.join(dir, 'ui.mjs'), UI_MJS);
  fs.writeFileSync(path.join(dir, 'helper.ts'), HELPER_TS);
  fs.writeFileSync(path.join(dir, 'job.ts'), JOB_TS);
  fs.writeFileSync(path.join(dir, 'enum.ts'), ENUM_TS);
  fs.writeFileSync(path.join(dir, 'tsconfig.node16.json'), tsconfig('node16', 'node16', false));
  fs.writeFileSync(path.join(dir, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler', true));
  // The slowest steps: started at once, side by side, awaited by their tests.
  for (const resolution of ['node16', 'bundler'])
    typeChecks.set(
      resolution,
      run(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], dir),
    );
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe(`the packed package on Node ${process.version}`, () => {
  it('is a Node version inside package.json engines', () => {
    const { engines } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const version = process.versions.node.split('.').map(Number);
    for (const bound of engines.node.split(/\s+/)) {
      const m = /^(>=|<)(\d+(?:\.\d+){0,2})$/.exec(bound);
      assert.ok(m?.[1] !== undefined && m[2] !== undefined, `engines bound ${bound}`);
      const limit = m[2].split('.').map(Number);
      let cmp = 0;
      for (let i = 0; i < 3 && cmp === 0; i++) cmp = Math.sign((version[i] ?? 0) - (limit[i] ?? 0));
      assert.ok(
        m[1] === '>=' ? cmp >= 0 : cmp < 0,
        `Node ${process.version} is tested but outside engines "${engines.node}": update package.json and the README`,
      );
    }
  });

  it('holds dist/ for src, workers, native bindings and bench, docs, README and LICENSE, and nothing else', async () => {
    const { files } = await npmPack(['--dry-run']);
    const paths = files.map((f) => f.path).sort();
    const stray = paths.filter(
      (p) =>
        !/^(package\.json|README\.md|LICENSE|docs\/[\w-]+\.md|dist\/(src|workers|native-bindings|bench)\/[\w/.-]+\.(js|d\.ts)|dist\/workers\/entry\.(cjs|d\.cts))$/.test(
          p,
        ),
    );
    assert.deepEqual(stray, []);
    for (const needed of [
      'LICENSE',
      'README.md',
      'package.json',
      'docs/architecture.md',
      'docs/checkpoint-format.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'dist/workers/worker.js',
      'dist/workers/entry.cjs',
      'dist/native-bindings/lz4.js',
      'dist/native-bindings/crc32.js',
      // `kindling bench` imports the suite at run time.
      'dist/bench/suite.js',
    ])
      assert.ok(paths.includes(needed), `${needed} is not packed`);
    assert.match(
      fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'),
      /Apache License\s+Version 2\.0/,
    );
  });

  it('installs kindling and its runtime dependencies only', () => {
    const installed = fs.readdirSync(path.join(dir, 'node_modules'));
    assert.ok(installed.includes('kindling'));
    for (const dev of ['typescript', 'eslint', 'prettier', '@types'])
      assert.ok(!installed.includes(dev), `${dev} installed with kindling`);
    assert.ok(fs.existsSync(path.join(dir, 'node_modules', '.bin', 'kindling')));
  });

  it('runs a plain ESM program that imports kindling, checkpointing with lz4', async () => {
    const checkpoints = path.join(dir, 'checkpoints');
    const out = await run(process.execPath, ['main.mjs', checkpoints], dir);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), {
      collected: [
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ],
      sum: 999_000,
      checkpointed: true,
    });
    const parts = fs
      .readdirSync(checkpoints, { recursive: true, encoding: 'utf8' })
      .filter((f) => /part-\d+/.test(path.basename(f)));
    assert.ok(parts.length > 0, 'no checkpoint part files written');
  });

  it("serves the web UI's uPlot script and stylesheet from the installed uplot runtime dependency", async () => {
    const { dependencies } = JSON.parse(
      fs.readFileSync(path.join(dir, 'node_modules', 'kindling', 'package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    assert.ok(dependencies.uplot !== undefined, 'uplot is not among the runtime dependencies');
    const out = await run(process.execPath, ['ui.mjs'], dir);
    assert.equal(out.code, 0, out.stderr);
    const uplot = path.join(dir, 'node_modules', 'uplot', 'dist');
    assert.deepEqual(JSON.parse(out.stdout), {
      'uplot.iife.min.js': [200, fs.readFileSync(path.join(uplot, 'uPlot.iife.min.js'), 'utf8')],
      'uplot.min.css': [200, fs.readFileSync(path.join(uplot, 'uPlot.min.css'), 'utf8')],
    });
  });

  it('runs a JavaScript job with npx kindling run', async () => {
    const out = await run('npx', ['kindling', 'run', 'job.mjs', '--workers', '2'], dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(
      out.stdout.trim(),
      inspect(
        [
          ['a', 3],
          ['b', 2],
          ['c', 1],
        ],
        { depth: 4 },
      ),
    );
    assert.match(out.stderr, /^kindling: done: \d+ jobs, \d+ stages, \d+ tasks/m);
  });

  for (const resolution of ['node16', 'bundler'])
    it(`type-checks a strict TypeScript job against the installed types with moduleResolution ${resolution}`, async () => {
      const out = await typeChecks.get(resolution);
      assert.equal(out?.code, 0, out === undefined ? resolution : out.stdout + out.stderr);
    });

  it(
    nodeStripsTypes
      ? 'runs a TypeScript job with npx kindling run through Node type stripping without the typescript package, and says to install it for syntax Node cannot strip'
      : 'refuses a TypeScript job without the typescript package, saying to install it',
    async () => {
      const out = await run('npx', ['kindling', 'run', 'job.ts', '--workers', '2'], dir);
      if (nodeStripsTypes) {
        assert.equal(out.code, 0, out.stderr);
        assert.equal(out.stdout.trim(), inspect(TS_EXPECTED, { depth: 4 }));
        // Under a package.json without "type" too: the job is still an ES module, with no warning.
        const typeless = path.join(dir, 'typeless');
        fs.mkdirSync(typeless);
        fs.writeFileSync(path.join(typeless, 'package.json'), '{}\n');
        fs.copyFileSync(path.join(dir, 'job.ts'), path.join(typeless, 'job.ts'));
        fs.copyFileSync(path.join(dir, 'helper.ts'), path.join(typeless, 'helper.ts'));
        // The bin itself: npx would take typeless/ for the project and look kindling up in the registry.
        const bin = path.join(dir, 'node_modules', '.bin', 'kindling');
        const untyped = await run(bin, ['run', 'job.ts', '--workers', '2'], typeless);
        assert.equal(untyped.code, 0, untyped.stderr);
        assert.equal(untyped.stdout.trim(), inspect(TS_EXPECTED, { depth: 4 }));
        assert.doesNotMatch(untyped.stderr, /Warning/);
        const withEnum = await run('npx', ['kindling', 'run', 'enum.ts'], dir);
        assert.equal(withEnum.code, 1, withEnum.stdout);
        assert.match(
          withEnum.stderr,
          /UNSUPPORTED_OPERATION.*cannot strip the types of the job \S*enum\.ts or a module it imports: .*enum.*npm install typescript/,
        );
      } else {
        assert.equal(out.code, 1, out.stdout);
        assert.match(out.stderr, /UNSUPPORTED_OPERATION.*npm install typescript/);
      }
    },
  );

  it('runs TypeScript jobs with npx kindling run once the typescript package is installed, enums included', async () => {
    const ts = path.join(dir, 'node_modules', 'typescript');
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', 'typescript')), ts, 'dir');
    try {
      const out = await run('npx', ['kindling', 'run', 'job.ts', '--workers', '2'], dir);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), inspect(TS_EXPECTED, { depth: 4 }));
      const withEnum = await run('npx', ['kindling', 'run', 'enum.ts'], dir);
      assert.equal(withEnum.code, 0, withEnum.stderr);
      assert.equal(withEnum.stdout.trim(), '1');
    } finally {
      fs.rmSync(ts);
    }
  });
});
