// Crash safety: a process killed with SIGKILL in the middle of writing a
// checkpoint leaves a directory that reads as CHECKPOINT_NOT_FOUND, never as
// partial data. The child (fixtures/crash-writer.js) announces its first
// committed part file on stdout; the kill follows that line, no sleeps.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Context, isKindlingError } from 'kindling';
import { listFiles, removeTempDirs, tempDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url));
const ctx = new Context({ workers: 2, progress: false });
after(async () => {
  await ctx.stop();
  removeTempDirs();
});

describe('a process killed with SIGKILL mid-checkpoint', () => {
  it('leaves a directory that reads as CHECKPOINT_NOT_FOUND', async () => {
    const cpDir = tempDir('crash-cp');
    const localDir = tempDir('crash-local');
    const child = spawn(process.execPath, [fixture, cpDir, localDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let rddDir: string | undefined;
    let firstPart: string | undefined;
    const lines = readline.createInterface({ input: child.stdout });
    for await (const line of lines) {
      if (line.startsWith('DIR ')) rddDir = line.slice(4);
      if (line === 'FINISHED')
        assert.fail('the child finished its checkpoint before it was killed');
      if (line.startsWith('FIRST_PART ')) {
        firstPart = line.slice('FIRST_PART '.length);
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(rddDir !== undefined && firstPart !== undefined);

    const files = listFiles(rddDir);
    assert.ok(
      files.includes(path.basename(firstPart)),
      `committed part file kept: ${files.join(', ')}`,
    );
    assert.ok(!files.includes('_manifest.json'), 'no manifest: the checkpoint was never committed');
    const parts = files.filter((f) => f.startsWith('part-'));
    assert.ok(parts.length < 32, `killed mid-write, ${parts.length} of 32 parts committed`);
    assert.throws(
      () => ctx.checkpointFile(rddDir),
      (e: unknown) => isKindlingError(e, 'CHECKPOINT_NOT_FOUND') && e.message.includes(rddDir),
    );
    // The context directory above it is no checkpoint either.
    assert.throws(
      () => ctx.checkpointFile(path.dirname(rddDir)),
      (e: unknown) => isKindlingError(e, 'CHECKPOINT_NOT_FOUND'),
    );
    assert.ok(fs.existsSync(rddDir));
  });
});
