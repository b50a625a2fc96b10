// The end-to-end tests of the public API, unchanged, in cluster mode (issue 11): each file
// runs in a child process with KINDLING_MASTER and KINDLING_STORAGE set, so every Context it
// makes without a master of its own runs its tasks as BullMQ jobs on three `kindling worker`
// processes, through a real redis-server, with storage a local directory. The few tests that
// are local-only by nature are skipped by name (e2e-skips.ts), each with its reason.
// CI runs CI_FILES; KINDLING_CLUSTER_E2E=all runs every file of E2E_DIRS not excluded, and
// KINDLING_CLUSTER_E2E=e2e/a.test.js,storage/b.test.js the files named.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SKIP_ENV, type SkippedTest } from './e2e-skips.js';
import { skipReason, TestCluster } from './helpers.js';

const DIST_TEST = fileURLToPath(new URL('../', import.meta.url));
const SKIPS_MODULE = new URL('./e2e-skips.js', import.meta.url).href;
/** The public API's end-to-end files (test/ui, whose API test counts memory-resident blocks, not yet). */
const E2E_DIRS = ['e2e', 'storage', 'checkpoint', 'streaming', 'cli'];
/** A file that runs longer is killed and fails (a hang must not hold CI for hours). */
const FILE_TIMEOUT_MS = 10 * 60_000;

const LOCAL_DIR = 'it inspects or damages files under localDir, which cluster mode does not use';
const MEMORY_BLOCKS =
  'memory-level blocks cannot leave a worker process: cluster mode keeps them as files under storage, which the memory budget never drops';

/** Whole files that cannot run in cluster mode, and why. */
export const EXCLUDED_FILES: Record<string, string> = {
  'e2e/fault-injection.test.js': `${LOCAL_DIR} (scratch files live under storage)`,
  'e2e/scratch-cleanup.test.js': `${LOCAL_DIR}: it removes a dead process's scratch directories there`,
  'e2e/shuffle-cleanup.test.js': `${LOCAL_DIR}: it counts the shuffle files a finished job leaves`,
  'checkpoint/cleaning.test.js': `${LOCAL_DIR}: it checks what stop() removes there`,
};

/** Single tests that cannot run in cluster mode, by file, and why. */
export const LOCAL_ONLY: Record<string, SkippedTest[]> = {
  'e2e/event-log.test.js': [
    {
      name: 'every event of an application is one JSON line, the first naming the application and format',
      reason:
        'it expects the exact list of events; cluster mode also logs an executorAdded per worker (as Spark logs SparkListenerExecutorAdded)',
    },
  ],
  'e2e/failures.test.js': [
    { name: 'lost shuffle output is recomputed from lineage', reason: LOCAL_DIR },
  ],
  'e2e/io-faults.test.js': [
    {
      name: 'a localDir that turns into a file after new Context fails jobs with IO_ERROR, and stop() succeeds',
      reason: LOCAL_DIR,
    },
  ],
  'e2e/out-of-core.test.js': [
    'a sort into one partition several times the worker heap is exact, stable and complete',
    'an aggregation with a million distinct keys into one partition is exact',
    'a join whose one partition holds several times the heap matches every pair',
  ].map((name) => ({ name, reason: `${LOCAL_DIR}: it counts the spilled runs there` })),
  'e2e/pair-functions.test.js': [
    {
      name: 'map tasks past shuffleSpillRecords spill to extra files and the results do not change',
      reason: LOCAL_DIR,
    },
  ],
  'storage/storage-levels.test.js': [
    { name: 'DISK_ONLY computes each partition once while it is cached', reason: LOCAL_DIR },
    {
      name: 'spills MEMORY_AND_DISK blocks to localDir and reads them back right, without recomputing',
      reason: LOCAL_DIR,
    },
    {
      name: 'drops MEMORY_ONLY blocks past the budget and recomputes them when next needed',
      reason: MEMORY_BLOCKS,
    },
    { name: 'removes a damaged spill file and recomputes the partition', reason: LOCAL_DIR },
  ],
  'checkpoint/local-checkpoint.test.js': [
    {
      name: 'recomputes a block whose file was deleted, where Spark would fail',
      reason: LOCAL_DIR,
    },
  ],
};

/**
 * What CI runs: a broad subset (actions, transformations, pair functions, records, sources,
 * failures and retries, out-of-memory workers, I/O faults, the event log, metrics, storage
 * levels, checkpoints) within CI's time budget; the slowest files run with
 * KINDLING_CLUSTER_E2E=all (out-of-core alone takes over a minute).
 */
export const CI_FILES = [
  'e2e/actions.test.js',
  'e2e/transformations.test.js',
  'e2e/pair-functions.test.js',
  'e2e/pair-parity.test.js',
  'e2e/records.test.js',
  'e2e/context-sources.test.js',
  'e2e/failures.test.js',
  'e2e/worker-oom.test.js',
  'e2e/io-faults.test.js',
  'e2e/event-log.test.js',
  'e2e/task-metrics.test.js',
  'storage/storage-levels.test.js',
  'checkpoint/reliable-checkpoint.test.js',
  'checkpoint/local-checkpoint.test.js',
];

function allFiles(): string[] {
  return E2E_DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(DIST_TEST, dir))
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => `${dir}/${f}`),
  )
    .filter((f) => !Object.hasOwn(EXCLUDED_FILES, f))
    .sort();
}

/**
 * KINDLING_CLUSTER_E2E: 'all', files by comma (e2e/actions.test.js,...), or 'none' (.ci/node-matrix
 * on the other Node versions: cluster mode is the same code there, and its own tests run on
 * every version); unset: CI_FILES.
 */
const chosen = process.env.KINDLING_CLUSTER_E2E ?? '';
const files =
  chosen === 'all'
    ? allFiles()
    : chosen === ''
      ? CI_FILES
      : chosen === 'none'
        ? []
        : chosen.split(',');

/** Runs one test file as a program of its own; resolves with its exit code and output. */
function runFile(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', SKIPS_MODULE, '--test-reporter=tap', path.join(DIST_TEST, file)],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\nkilled after ${FILE_TIMEOUT_MS / 60_000} min`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// 'none' defines no test at all (.ci/node-matrix says so in its output).
if (files.length > 0) describeClusterRuns();

function describeClusterRuns(): void {
  describe('the end-to-end tests in cluster mode', { skip: skipReason }, () => {
    let cluster: TestCluster;
    before(async () => {
      cluster = await TestCluster.start();
      await Promise.all(['e2e-w1', 'e2e-w2', 'e2e-w3'].map((name) => cluster.startWorker(name)));
    });
    after(() => cluster?.stop());

    for (const file of files) {
      it(`${file} passes unchanged with its Contexts on three worker processes`, async (t) => {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          KINDLING_MASTER: cluster.url,
          KINDLING_STORAGE: fs.mkdtempSync(path.join(cluster.storage, 'e2e-')),
          [SKIP_ENV]: JSON.stringify(LOCAL_ONLY[file] ?? []),
        };
        // Set by the test runner for its own children; this child is a plain program.
        delete env.NODE_TEST_CONTEXT;
        const { code, output } = await runFile(file, env);
        const count = (label: string): string =>
          new RegExp(`^# ${label} (\\d+)`, 'm').exec(output)?.[1] ?? '?';
        t.diagnostic(`${count('pass')} passed, ${count('skipped')} skipped (local mode only)`);
        assert.equal(code, 0, output.split('\n').slice(-120).join('\n'));
        assert.equal(count('fail'), '0');
      });
    }

    it('every worker process is still running after the files', () => {
      for (const [name, proc] of cluster.workers)
        assert.equal(proc.child.exitCode, null, `${name} exited:\n${proc.lines.join('\n')}`);
    });
  });
}
