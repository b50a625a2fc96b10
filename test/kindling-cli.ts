// The kindling command line as tests run it: the compiled CLI in a child process of this Node,
// its exit code and output once it ends (a minute at most).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI's entry (dist/src/cli/main.js). */
export const KINDLING_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface CliOutcome {
  /** The exit code; -1 when the process was killed or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kindling ...args` to its end. */
export function kindling(...args: string[]): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KINDLING_MAIN, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
