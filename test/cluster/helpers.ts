// A real cluster on this machine for the cluster tests: a redis-server on a free loopback
// port (no persistence) and `kindling worker` child processes of the built CLI. Every wait is
// on an observable line or exit, never a sleep. Tests skip, naming redis-server, without it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { KINDLING_MAIN as MAIN } from '../kindling-cli.js';

/** Why the cluster tests cannot run here, or undefined when they can. */
export const skipReason: string | undefined =
  spawnSync('redis-server', ['--version']).status === 0
    ? undefined
    : 'redis-server not installed: the cluster tests need it (apt-get install redis-server)';

/** A child process whose stdout and stderr lines can be awaited. */
export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves on the first line (past or future) matching; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ match: (l) => pattern.test(l), resolve });
      void this.exited.then(({ code, signal }) =>
        reject(
          new Error(`exited (${code ?? signal}) before ${pattern}:\n${this.lines.join('\n')}`),
        ),
      );
    });
  }

  private onLine(line: string): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (!w.match(line)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(line);
    }
  }
}

export function freePort(): Promise<number> {
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

/**
 * A server on a loopback port that is not Redis, for the "wrong master" cases: one that
 * answers in HTTP, or one that accepts connections and never says anything.
 */
export async function startImpostor(
  kind: 'http' | 'silent',
): Promise<{ url: string; address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  // The HTTP impostor answers as a keep-alive HTTP server would and leaves closing to the
  // client: one that closes at once races the client's writes (EPIPE or the reply first).
  const server = net.createServer((s) => {
    if (kind === 'http')
      s.once('data', () =>
        s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\nnot redis'),
      );
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export class TestCluster {
  readonly workers = new Map<string, Proc>();

  private constructor(
    readonly redis: Proc,
    readonly url: string,
    readonly storage: string,
  ) {}

  /** A redis-server (with `password` when given) and a storage directory. */
  static async start(opts: { password?: string } = {}): Promise<TestCluster> {
    const port = await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    if (opts.password !== undefined) args.push('--requirepass', opts.password);
    const redis = new Proc(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    await redis.waitFor(/Ready to accept connections/);
    const auth = opts.password === undefined ? '' : `:${opts.password}@`;
    const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-cluster-'));
    return new TestCluster(redis, `redis://${auth}127.0.0.1:${port}`, storage);
  }

  /** Starts `kindling worker` and resolves once it announced itself. */
  async startWorker(
    name: string,
    opts: { threads?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<Proc> {
    const args = [
      MAIN,
      'worker',
      '--master',
      this.url,
      '--name',
      name,
      '--threads',
      String(opts.threads ?? 1),
    ];
    const proc = new Proc(
      spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...opts.env },
      }),
    );
    this.workers.set(name, proc);
    await proc.waitFor(/ ready: /);
    return proc;
  }

  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<unknown> {
    const proc = this.workers.get(name);
    if (proc === undefined) return Promise.resolve();
    proc.child.kill(signal);
    return proc.exited;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((name) => this.kill(name)));
    this.redis.child.kill('SIGKILL');
    await this.redis.exited;
    fs.rmSync(this.storage, { recursive: true, force: true });
  }
}
