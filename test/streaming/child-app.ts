// A streaming app run as a child process by the crash tests (chaos, crash points,
// operator recovery): lines on its stdout are awaited as events, "tick <ms>" and
// "stop" commands go to its stdin (tick() and stop() send one and await its answer),
// and it can be killed with SIGKILL at any moment. Also reads an app's output
// directories back, the way the tests compare runs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/** A child with a line reader: waitFor resolves on a matching line, or null if the child exits first. */
export class ChildApp {
  readonly child: ChildProcess;
  private readonly waiters: {
    match: (l: string) => boolean;
    resolve: (l: string | null) => void;
  }[] = [];
  exited = false;
  killed = false;
  stderr = '';
  readonly exit: Promise<number | null>;

  constructor(script: string, args: string[]) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (process.env.CHAOS_DEBUG !== undefined) console.error(`[${this.child.pid}] ${line}`);
      for (const w of [...this.waiters]) {
        if (!w.match(line)) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exited = true;
        for (const w of this.waiters.splice(0)) w.resolve(null);
        resolve(code);
      }),
    );
  }

  waitFor(match: (l: string) => boolean): Promise<string | null> {
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Waits for exactly `line`; fails the test, with the child's stderr, if it exits first. */
  async expectLine(line: string): Promise<void> {
    const got = await this.waitFor((l) => l === line);
    assert.ok(got !== null, `the app printed "${line}" before exiting: ${this.stderr}`);
  }

  send(line: string): void {
    if (!this.exited) this.child.stdin?.write(`${line}\n`);
  }

  /** Moves the app's clock to `timeMs` and waits for the batches due by then to finish. */
  async tick(timeMs: number): Promise<void> {
    this.send(`tick ${timeMs}`);
    await this.expectLine(`ok ${timeMs}`);
  }

  /** Stops the app's StreamingContext and waits for the process to exit. */
  async stop(): Promise<void> {
    this.send('stop');
    await this.expectLine('stopped');
    await this.exit;
  }

  kill(): void {
    this.killed = true;
    this.child.kill('SIGKILL');
  }

  async checkNotCrashed(): Promise<void> {
    if (this.exited && !this.killed) {
      const code = await this.exit;
      assert.fail(`the app exited by itself (code ${String(code)}): ${this.stderr}`);
    }
  }
}

/** <dir>/<name> -> sorted lines of its part files; every output is complete, hidden temp dirs are not outputs. */
export function readOutputs(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    assert.ok(fs.existsSync(path.join(full, '_SUCCESS')), `${name} is complete`);
    const lines = fs
      .readdirSync(full)
      .filter((f) => f.startsWith('part-'))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(full, f), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
    out.set(name, lines.sort());
  }
  return out;
}
