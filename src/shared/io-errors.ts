// File-system failures as KindlingErrors: the one place a Node errno (ENOSPC,
// EIO, ENOTDIR, ...) becomes an IO_ERROR naming the file, what the engine was
// doing and what is wrong, and the one way the engine creates directories.
// Invariant: no raw errno error leaves a function of this module.

import fs from 'node:fs';
import path from 'node:path';
import { errors, isKindlingError, type KindlingError } from './errors.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error from the device',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'it is a directory, not a file',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'it already exists and is not empty',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the file name is too long',
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'the host name could not be resolved now',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  EADDRINUSE: 'the address is already in use',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset by the other end',
  EHOSTUNREACH: 'the host is unreachable',
};

export function errnoOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

/** Why a Node error happened, in words; the errno code follows in parentheses. */
export function describeErrno(e: unknown): string {
  const code = errnoOf(e);
  if (code === undefined) return e instanceof Error ? e.message : String(e);
  return `${REASONS[code] ?? (e instanceof Error ? e.message : code)} (${code})`;
}

/** `e` as an IO_ERROR about `file`; a KindlingError passes through unchanged. */
export function ioError(action: string, file: string, e: unknown): KindlingError {
  if (isKindlingError(e)) return e;
  return errors.io(action, file, describeErrno(e), errnoOf(e), e);
}

/** Runs a synchronous file-system call, turning its failure into an IO_ERROR. */
export function withIo<T>(action: string, file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw ioError(action, file, e);
  }
}

/**
 * The nearest existing ancestor of `dir` (or `dir` itself) that is not a directory, if any:
 * a directory can never be created below it. Follows symbolic links, as mkdir does.
 */
export function fileInTheWay(dir: string): string | undefined {
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined) return stat.isDirectory() ? undefined : p;
    if (path.dirname(p) === p) return undefined;
  }
}

/** INVALID_ARGUMENT when `dir` (an option or argument) could never be a directory. */
export function assertDirectoryPossible(argument: string, dir: string): void {
  const blocker = fileInTheWay(dir);
  if (blocker !== undefined) {
    throw errors.badPath(
      argument,
      'a directory or a path where one can be created',
      dir,
      `${blocker} exists and is not a directory`,
    );
  }
}

/**
 * mkdir -p that always ends: Node 20's recursive mkdirSync spins forever when a
 * file system answers ENOENT for a directory whose parent exists (/proc does).
 * Failures are IO_ERRORs naming `dir` and `purpose`.
 */
export function ensureDirectory(dir: string, purpose: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let p = target;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory())
        throw errors.io(`create the ${purpose}`, target, `${p} exists and is not a directory`);
      break;
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
    p = path.dirname(p);
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST' && isDirectory(d)) continue;
      const why =
        errnoOf(e) === 'ENOENT'
          ? `the file system refused to create ${d} although its parent exists (ENOENT): ` +
            'a read-only or virtual file system'
          : describeErrno(e);
      throw errors.io(`create the ${purpose}`, target, why, errnoOf(e), e);
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
