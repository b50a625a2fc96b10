// Scratch directories under localDir (shuffle files, spills, disk cache): one
// per context, named context-<pid>-t<start>-<n>-<contextId>, where <start> is
// the process's start time (Linux /proc clock ticks). A process killed by
// SIGKILL cannot remove its own: the next context removes every scratch
// directory whose process is gone, or whose pid now belongs to a newer process.
// Assumes one pid namespace per localDir: two containers sharing it would see
// each other's live processes as gone (give each its own localDir).

import fs from 'node:fs';
import path from 'node:path';
import { describeErrno } from '../shared/io-errors.js';

const NAME = /^context-(\d+)-(?:t(\d+)-)?/;

/** This process's start time in clock ticks since boot; undefined where /proc is absent. */
function processStartTicks(pid: number | 'self'): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesized command name start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownStart = processStartTicks('self');

/** The scratch directory name of context number `n` of this process. */
export function scratchDirName(n: number, contextId: string): string {
  const token = ownStart === undefined ? '' : `t${ownStart}-`;
  return `context-${process.pid}-${token}${n}-${contextId}`;
}

function isAlive(pid: number, startTicks: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === undefined) return true;
  const now = processStartTicks(pid);
  // A pid reused by a newer process: the one that made the directory is gone.
  return now === undefined || now === startTicks;
}

const swept = new Set<string>();

/**
 * Removes scratch directories under `localDir` left by processes that no longer exist
 * (once per localDir per process). Never touches names it did not make, nor live ones.
 */
export function removeStaleScratchDirs(localDir: string, warn: (message: string) => void): void {
  if (swept.has(localDir)) return;
  swept.add(localDir);
  let names: string[];
  try {
    names = fs.readdirSync(localDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid && (m[2] === undefined || m[2] === ownStart)) continue;
    if (isAlive(pid, m[2])) continue;
    removeScratch(path.join(localDir, name), warn);
  }
}

/** Removes a scratch directory; a failure is a warning, since the job's results are already out. */
export function removeScratch(dir: string, warn: (message: string) => void): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    warn(`Could not remove the scratch directory ${dir}: ${describeErrno(e)}`);
  }
}
