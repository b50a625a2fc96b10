// Where the user's code called into Kindling: the first stack frame outside Kindling's own
// modules (Spark's Utils.getCallSite, which shows as "map at WordCount.scala:12" in
// toDebugString and the UI). One structured stack capture per call, no string formatting:
// V8's CallSite objects are read inside a prepareStackTrace restored before returning. In
// compiled code with a source map (a TypeScript job), the place is the source's.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { originalPosition, type SourcePosition } from './source-maps.js';

/** A frame of the user's code, and the Kindling method it called (absent: none is known). */
export interface CallSite {
  /**
   * As V8 names the script (a file: URL for an ES module, a path for CommonJS), or the source
   * file its source map names; line and column there.
   */
  file: string;
  line: number;
  column: number;
  method?: string;
  /** Where V8 ran the call, when a source map moved file, line and column to the source. */
  compiled?: SourcePosition;
}

// dist/src/: every frame under it is Kindling's own (the package's tests live beside it, under
// dist/test/, and count as user code).
const ENGINE_ROOT = new URL('../', import.meta.url).href;
const ENGINE_ROOT_PATH = fileURLToPath(ENGINE_ROOT);
// Enough for most public methods (a delegation, a builder, derive, the RDD constructor); the
// cost of a capture grows with the frames it records.
const SHALLOW_LIMIT = 10;
const DEEP_LIMIT = 64;

function isEngineFile(file: string): boolean {
  return file.startsWith(ENGINE_ROOT) || file.startsWith(ENGINE_ROOT_PATH);
}

/** The user's frame that led here, or undefined when none did (a streaming batch's timer). */
export function captureCallSite(): CallSite | undefined {
  const frames = captureFrames(SHALLOW_LIMIT);
  const site = userSite(frames);
  // Every frame was the engine's: a deeper call chain than usual, look further once.
  if (site === undefined && frames.length >= SHALLOW_LIMIT)
    return userSite(captureFrames(DEEP_LIMIT));
  return site;
}

function captureFrames(limit: number): NodeJS.CallSite[] {
  let frames: NodeJS.CallSite[] = [];
  // Saved to be put back as it was, never called from here.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = (_error, sites) => {
      frames = sites;
      return '';
    };
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder, captureFrames);
    void holder.stack; // V8 calls prepareStackTrace when the stack is first read
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
  return frames;
}

function userSite(frames: NodeJS.CallSite[]): CallSite | undefined {
  let outermostEngineFrame: NodeJS.CallSite | undefined;
  for (const frame of frames) {
    const file = frame.getFileName();
    if (file === undefined || file === null || file.startsWith('node:')) continue; // natives
    if (isEngineFile(file)) {
      outermostEngineFrame = frame;
      continue;
    }
    const ran = { file, line: frame.getLineNumber() ?? 0, column: frame.getColumnNumber() ?? 0 };
    const source = originalPosition(ran.file, ran.line, ran.column);
    const site: CallSite = source === undefined ? ran : { ...source, compiled: ran };
    // getFunctionName, not getMethodName: the latter searches the receiver's prototype chain.
    const method = outermostEngineFrame?.getFunctionName();
    if (method) site.method = method;
    return site;
  }
  return undefined;
}

/** `file:line` as Spark prints it, with the path relative to the working directory when under it. */
export function formatCallSite(site: CallSite): string {
  const location = `${displayPath(site.file)}:${site.line}`;
  return site.method === undefined ? location : `${site.method} at ${location}`;
}

/** `file:line:column`, the path relative to the working directory when under it. */
export function formatPosition(file: string, line: number, column: number): string {
  return `${displayPath(file)}:${line}:${column}`;
}

function displayPath(file: string): string {
  let p = file;
  if (file.startsWith('file:')) {
    try {
      p = fileURLToPath(file);
    } catch {
      return file;
    }
  }
  if (!path.isAbsolute(p)) return p;
  const relative = path.relative(process.cwd(), p);
  return relative.startsWith('..') || path.isAbsolute(relative) ? p : relative;
}
