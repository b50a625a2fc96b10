// `kindling ui` as a child process for the history UI tests: started on a log file or directory
// with --port 0, its URL read from the first line it prints, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { KINDLING_MAIN as MAIN } from '../kindling-cli.js';

export interface HistoryServer {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `kindling ui` and resolves with its URL from the first line it prints. */
export function startHistory(target: string): Promise<HistoryServer> {
  const child = spawn(process.execPath, [MAIN, 'ui', target, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /history UI at (http:\/\/\S+?)\/? /.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1], stderr: () => err, stop });
    });
    child.once('exit', (code) => reject(new Error(`kindling ui exited ${code}: ${err}`)));
  });
}
