import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { shipFunction, type ShippedFunction } from '../../src/shipping/closure.js';
import { fn } from '../../src/shipping/fn.js';
import { IMPORT_HELPER } from '../../src/shared/shipped-function.js';

const functionsModule = new URL('../../workers/functions.js', import.meta.url).href;

// A test-only worker: rebuilds the shipped function with the real loader, calls it with the
// given arguments and posts back the result (or the error's code and message).
const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.functionsModule)
  .then(({ loadFunction }) => loadFunction(workerData.shipped))
  .then((f) => f(...workerData.args))
  .then((value) => parentPort.postMessage({ ok: true, value }),
        (e) => parentPort.postMessage({ ok: false, code: e.code, message: e.message }));
`;

type Reply = { ok: true; value: unknown } | { ok: false; code?: string; message: string };

async function runInWorker(shipped: ShippedFunction, args: unknown[]): Promise<Reply> {
  const worker = new Worker(WORKER_SCRIPT, {
    eval: true,
    workerData: { functionsModule, shipped, args },
  });
  try {
    return await new Promise<Reply>((resolve, reject) => {
      worker.once('message', (reply: Reply) => resolve(reply));
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('loadFunction in a worker thread', () => {
  it('binds the import helper under the one name the shipping side rewrites import() to', async () => {
    const shipped = shipFunction(async () => (await import('node:path')).sep, 'test');
    assert.equal(shipped.kind, 'source');
    const source = shipped.kind === 'source' ? shipped.source : '';
    assert.ok(source.includes(`${IMPORT_HELPER}(`), source);
    assert.doesNotMatch(source, /\bimport\(/);
    assert.deepEqual(await runInWorker(shipped, []), { ok: true, value: path.sep });
  });

  it('rebuilds a function that uses require, import() of a builtin, a bare package and an absolute path', async () => {
    const shipped = shipFunction(async (x: string, env: { keysModule: string }) => {
      const nodePath = require('node:path') as typeof import('node:path');
      const os = await import('node:os');
      const acorn = (await import('acorn')) as { parse: unknown };
      const keys = (await import(env.keysModule)) as { hashKey: (k: unknown) => number };
      return [
        nodePath.join('a', x),
        typeof os.platform(),
        typeof acorn.parse,
        keys.hashKey(x) >= 0,
      ];
    }, 'rdd.map');
    const keysModule = new URL('../../src/shared/keys.js', import.meta.url).pathname;
    const reply = await runInWorker(shipped, ['b', { keysModule }]);
    assert.deepEqual(reply, { ok: true, value: ['a/b', 'string', 'function', true] });
  });

  it('loads an fn() reference by importing its module', async () => {
    const reply = await runInWorker(shipFunction(fn('node:path', 'join'), 'rdd.map'), ['a', 'b']);
    assert.deepEqual(reply, { ok: true, value: 'a/b' });
  });

  it('fails with TASK_NOT_SERIALIZABLE when a referenced export is not a function', async () => {
    const reply = await runInWorker(shipFunction(fn('node:path', 'sep'), 'rdd.map'), []);
    assert.equal(reply.ok, false);
    assert.equal(reply.ok ? undefined : reply.code, 'TASK_NOT_SERIALIZABLE');
  });

  it('resolves a bare package that only the current directory (the user project) has', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'kindling-project-'));
    try {
      const pkg = path.join(project, 'node_modules', 'kindling-fixture-pkg');
      await mkdir(pkg, { recursive: true });
      await writeFile(
        path.join(pkg, 'package.json'),
        '{"name":"kindling-fixture-pkg","main":"index.js"}',
      );
      await writeFile(path.join(pkg, 'index.js'), 'module.exports = { answer: 42 };');
      const shipped = shipFunction(async () => {
        // @ts-expect-error -- the package exists only in the temporary project
        const imported = (await import('kindling-fixture-pkg')) as { default: { answer: number } };
        const required = require('kindling-fixture-pkg') as { answer: number };
        return [imported.default.answer, required.answer];
      }, 'rdd.map');
      // A child process, because cwd is per process: it is what the worker resolves from.
      const script =
        `const { loadFunction } = await import(${JSON.stringify(functionsModule)});` +
        `const f = await loadFunction(${JSON.stringify(shipped)});` +
        `process.stdout.write(JSON.stringify(await f()));`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          cwd: project,
        },
      );
      assert.deepEqual(JSON.parse(stdout), [42, 42]);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
