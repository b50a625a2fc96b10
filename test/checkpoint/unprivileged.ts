// Permission cases when the tests run as root (as CI does): root reads and lists whatever a
// file's mode, so the part that must be denied runs in a child process as nobody, to whom the
// modes apply as they apply to a non-root user running the tests in-process. The child needs
// the Node binary and the built package: where nobody cannot reach them (a checkout under
// /root, a Node under ~/.cache) they are linked or copied into a temporary directory it can
// read, once per test file. Only when even that copy does not run is a test skipped, saying why.

import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const asRoot = process.getuid?.() === 0;

/** The checkout: this file is dist/test/checkpoint/unprivileged.js. */
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
/** What the child imports or runs, relative to a package root. */
const INDEX = path.join('dist', 'src', 'index.js');
const CLI = path.join('dist', 'src', 'cli', 'main.js');

export interface Nobody {
  uid: number;
  gid: number;
  /** The Node binary and the package root as nobody reaches them. */
  node: string;
  root: string;
}

/** nobody's uid and gid from /etc/passwd (65534, Debian's, when it is not listed). */
function nobodyIds(): { uid: number; gid: number } {
  let line: string | undefined;
  try {
    line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('nobody:'));
  } catch {
    line = undefined;
  }
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534) };
}

/** A minimal environment: no KINDLING_MASTER (the child runs in local mode), HOME nobody's. */
function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' };
}

/** Why nobody cannot load the package at `root` with `node`, or undefined when it can. */
function cannotRun(
  ids: { uid: number; gid: number },
  node: string,
  root: string,
): string | undefined {
  const index = pathToFileURL(path.join(root, INDEX)).href;
  const r = spawnSync(
    node,
    ['--input-type=module', '-e', `await import(${JSON.stringify(index)})`],
    { ...ids, env: childEnv(), encoding: 'utf8', timeout: 60_000 },
  );
  if (r.error !== undefined) return `${node}: ${r.error.message}`;
  if (r.status !== 0) return r.stderr.split('\n').find((l) => /Error|EACCES/.test(l)) ?? r.stderr;
  return undefined;
}

/** Hard links when on the same file system (no bytes copied), else a copy. */
function linkOrCopy(src: string, dest: string): void {
  if (spawnSync('cp', ['-al', src, dest]).status === 0) return;
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(src, dest, { recursive: true, verbatimSymlinks: true });
}

/** The package as the child needs it: package.json (type: module), the build, node_modules. */
function copyPackage(into: string): string {
  const root = path.join(into, 'package');
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true, mode: 0o755 });
  fs.copyFileSync(path.join(CHECKOUT, 'package.json'), path.join(root, 'package.json'));
  for (const dir of ['src', 'workers', 'native-bindings'])
    linkOrCopy(path.join(CHECKOUT, 'dist', dir), path.join(root, 'dist', dir));
  linkOrCopy(fs.realpathSync(path.join(CHECKOUT, 'node_modules')), path.join(root, 'node_modules'));
  return root;
}

function prepare(): { nobody: Nobody } | { skip: string } {
  const ids = nobodyIds();
  let node = process.execPath;
  const first = cannotRun(ids, node, CHECKOUT);
  if (first === undefined) return { nobody: { ...ids, node, root: CHECKOUT } };
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-as-nobody-'));
  fs.chmodSync(copy, 0o755);
  process.once('exit', () => fs.rmSync(copy, { recursive: true, force: true }));
  if (spawnSync(node, ['-e', ''], { ...ids, env: childEnv() }).status !== 0) {
    node = path.join(copy, 'node');
    try {
      fs.linkSync(process.execPath, node);
    } catch {
      fs.copyFileSync(process.execPath, node);
      fs.chmodSync(node, 0o755);
    }
  }
  // Linking the package costs less than finding out whether the checkout was the obstacle.
  const root = copyPackage(copy);
  const still = cannotRun(ids, node, root);
  if (still === undefined) return { nobody: { ...ids, node, root } };
  return {
    skip:
      `running as root, the denied part runs as nobody (uid ${ids.uid}), who cannot run ` +
      `${process.execPath} on ${CHECKOUT} (${first}) nor on a copy in ${copy} (${still})`,
  };
}

const prepared: { nobody: Nobody } | { skip: string } | undefined = asRoot ? prepare() : undefined;

/** For node:test's `skip`: false unless running as root and nobody cannot run the child. */
export const skipUnlessDeniable: string | false =
  prepared !== undefined && 'skip' in prepared ? prepared.skip : false;

/** As root: who runs the denied part. Undefined when not root (the test runs in-process). */
export const nobody: Nobody | undefined =
  prepared !== undefined && 'nobody' in prepared ? prepared.nobody : undefined;

/**
 * Makes `dir` searchable and listable by nobody (mkdtemp makes directories 0700): the test's
 * scratch directories, so only the file or directory a test locks is denied.
 */
export function openToNobody(dir: string): void {
  if (nobody !== undefined) fs.chmodSync(dir, 0o755);
}

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node args` as nobody (paths to the package resolved against its root). */
export function runAsNobody(who: Nobody, args: string[]): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(
      who.node,
      args,
      { uid: who.uid, gid: who.gid, env: childEnv(), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `kindling ...args` as nobody. */
export function kindlingAsNobody(who: Nobody, args: string[]): Promise<ChildResult> {
  return runAsNobody(who, [path.join(who.root, CLI), ...args]);
}

/** What a thrown error carried, for a test to assert on wherever it was thrown. */
export interface Thrown {
  name: string;
  code: unknown;
  message: string;
  context: Record<string, unknown>;
}

/** `new Context().checkpointFile(dir)` as nobody: what it threw, or undefined when it did not. */
export async function checkpointFileAsNobody(
  who: Nobody,
  dir: string,
): Promise<Thrown | undefined> {
  const index = pathToFileURL(path.join(who.root, INDEX)).href;
  const script = `
    const [index, dir] = process.argv.slice(1);
    const { Context } = await import(index);
    const ctx = new Context({ workers: 1, progress: false });
    let out = null;
    try {
      ctx.checkpointFile(dir);
    } catch (e) {
      out = { name: e.name, code: e.code, message: e.message, context: e.context ?? {} };
    }
    await ctx.stop();
    process.stdout.write(JSON.stringify(out));`;
  const r = await runAsNobody(who, ['--input-type=module', '-e', script, index, dir]);
  if (r.code !== 0) throw new Error(`the child run as nobody failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as Thrown | null) ?? undefined;
}
