// The version a cluster's driver and workers compare names the code, not only the package: two
// builds that both say 0.1.0 but differ in any compiled file must refuse each other, and two
// copies of one build must agree. Each copy is the compiled package laid out as installed
// (package.json, src/, workers/), its own version.js imported from it.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kindling-code-version-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// This file is <root>/dist/test/unit/code-version.test.js.
const dist = new URL('../../', import.meta.url);
const root = new URL('../', dist);

function copyOfBuild(name: string): string {
  const dir = path.join(tmp, name);
  // version.js reads <dist>/../package.json: lay the copy out as dist/ under its own root.
  cpSync(new URL('package.json', root), path.join(dir, 'package.json'));
  for (const sub of ['src', 'workers']) {
    cpSync(new URL(`${sub}/`, dist), path.join(dir, 'dist', sub), { recursive: true });
  }
  return dir;
}

async function versionOf(dir: string): Promise<string> {
  const url = pathToFileURL(path.join(dir, 'dist', 'src', 'cluster', 'version.js'));
  const mod = (await import(url.href)) as { codeVersion: () => string };
  return mod.codeVersion();
}

it('names the package version and a fingerprint of the compiled code', async () => {
  const a = await versionOf(copyOfBuild('a'));
  const b = await versionOf(copyOfBuild('b'));
  assert.match(a, /^\d+\.\d+\.\d+.*\+[0-9a-f]{10}$/);
  assert.equal(a, b, 'two copies of one build agree');
});

it('differs between two builds of one package version that differ in one worker file', async () => {
  const same = await versionOf(copyOfBuild('c'));
  const changed = copyOfBuild('d');
  appendFileSync(path.join(changed, 'dist', 'workers', 'env.js'), '\n// another build\n');
  const other = await versionOf(changed);
  assert.equal(other.split('+')[0], same.split('+')[0]);
  assert.notEqual(other, same);
});
