// A throwaway cluster on this machine for `kindling bench cluster`: a redis-server on a free
// loopback port (no persistence), `kindling worker` child processes of the built CLI and a
// storage directory, all gone after stop(). Waits on the processes' own "ready" lines.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Why no local cluster can start here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  return spawnSync('redis-server', ['--version']).status === 0
    ? undefined
    : 'redis-server is not installed (apt-get install redis-server): the cluster bench needs it';
}

export interface LocalCluster {
  url: string;
  storage: string;
  /** redis-server's and the workers' pids, to read the CPU time the cluster spent. */
  pids: number[];
  stop(): Promise<void>;
}

export async function startLocalCluster(workers: number, threads: number): Promise<LocalCluster> {
  const port = await freePort();
  const children: ChildProcess[] = [];
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-bench-cluster-'));
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    fs.rmSync(storage, { recursive: true, force: true });
  };
  try {
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(redis);
    await lineFrom(redis, /Ready to accept connections/);
    const url = `redis://127.0.0.1:${port}`;
    const started = Array.from({ length: workers }, (_, i) => {
      const args = [MAIN, 'worker', '--master', url, '--threads', String(threads)];
      const child = spawn(process.execPath, [...args, '--name', `bench-w${i + 1}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return lineFrom(child, / ready: /).then(() => child.pid ?? 0);
    });
    return { url, storage, pids: [redis.pid ?? 0, ...(await Promise.all(started))], stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (100 ticks a second); 0 where unreadable. */
export function processCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / 100 : 0;
  } catch {
    return 0;
  }
}

function lineFrom(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const onExit = (code: number | null): void =>
      reject(
        new RangeError(
          `${child.spawnfile} exited (${code}) before ${pattern}:\n${seen.join('\n')}`,
        ),
      );
    child.once('exit', onExit);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        seen.push(line);
        if (!pattern.test(line)) return;
        child.off('exit', onExit);
        resolve();
      });
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
