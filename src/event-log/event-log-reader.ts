// Reads event logs back for the history UI: one file, or the files of a directory, each told
// apart by its first line (an event log's is always applicationStart), not by its name. A
// line that is not an event is skipped with a warning naming file and line number; a final
// log cut short (no applicationEnd, or a last line cut off) is reported as truncated.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { describeErrno, withIo } from '../shared/io-errors.js';
import {
  APPLICATION_START_PREFIX,
  EVENT_LOG_FORMAT_VERSION,
  isInProgressFileName,
  parseEventLogLine,
  type LoggedEvent,
} from './event-log-format.js';

export interface EventLogFile {
  path: string;
  events: LoggedEvent[];
  /** Still written by a running (or crashed) application. */
  inProgress: boolean;
  /** A finished log whose last line is cut off: what is missing after it is unknown. */
  cutOffLine?: number;
  warnings: { message: string; path: string; line?: number }[];
}

/**
 * What a file is, by its first line:
 *   eventLog    its first line is an applicationStart this reader understands
 *   damaged     it starts as an event log does, but its first line is cut off or not valid
 *   notEventLog anything else (a README, an empty file, JSON of another shape, a newer format)
 */
export type EventLogProbe =
  | { kind: 'eventLog' }
  | { kind: 'damaged'; reason: string }
  | { kind: 'notEventLog'; reason: string };

/** An applicationStart line holds the resolved options: far below this. */
const FIRST_LINE_LIMIT = 1 << 20;

/**
 * The files at `target` to probe: the file itself, or the regular files of a directory
 * (sorted by name). Names starting with '.' are not looked at, as Spark's FsHistoryProvider
 * ignores them (editors' swap files, a copy in progress); subdirectories neither.
 */
export function listHistoryFiles(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined)
    throw errors.invalidArgument('EVENTLOG_OR_DIR', 'an event log file or directory', target);
  if (stat.isFile()) return [path.resolve(target)];
  if (!stat.isDirectory())
    throw errors.invalidArgument('EVENTLOG_OR_DIR', 'an event log file or directory', target);
  return withIo('list the event log directory', target, () => fs.readdirSync(target))
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => path.resolve(target, n))
    .filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile() === true);
}

/** Reads at most the first line of `file` (FIRST_LINE_LIMIT bytes) and says what it is. */
export function probeEventLog(file: string): EventLogProbe {
  let head: { text: string; complete: boolean; size: number };
  try {
    head = readFirstLine(file);
  } catch (e) {
    return { kind: 'notEventLog', reason: `cannot be read: ${describeErrno(e)}` };
  }
  if (head.size === 0) {
    return {
      kind: 'notEventLog',
      reason: isInProgressFileName(file)
        ? 'an empty file (a running application writes its first line within a second)'
        : 'an empty file',
    };
  }
  const parsed = parseEventLogLine(head.text);
  if (parsed.kind === 'malformed') {
    if (!head.text.startsWith(APPLICATION_START_PREFIX)) {
      const what = parsed.reason.startsWith('not JSON')
        ? 'its first line is not JSON'
        : `its first line is not an event: ${parsed.reason}`;
      return { kind: 'notEventLog', reason: `not an event log (${what})` };
    }
    return {
      kind: 'damaged',
      reason: head.complete
        ? `its first line (applicationStart) is ${parsed.reason}`
        : `its first line (applicationStart) is cut off after ${Buffer.byteLength(head.text)} bytes`,
    };
  }
  const name = parsed.kind === 'event' ? parsed.event.event : parsed.event;
  if (parsed.kind === 'unknown' || parsed.event.event !== 'applicationStart')
    return { kind: 'damaged', reason: `its first line is a ${name} event, not applicationStart` };
  const start = parsed.event.data;
  if (typeof start.applicationId !== 'string' || typeof start.formatVersion !== 'number')
    return {
      kind: 'damaged',
      reason: 'its applicationStart has no applicationId or formatVersion',
    };
  if (start.formatVersion > EVENT_LOG_FORMAT_VERSION) {
    return {
      kind: 'notEventLog',
      reason: `event log format ${start.formatVersion}, newer than this reader's ${EVENT_LOG_FORMAT_VERSION}`,
    };
  }
  return { kind: 'eventLog' };
}

function readFirstLine(file: string): { text: string; complete: boolean; size: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, FIRST_LINE_LIMIT));
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got)
      got = fs.readSync(fd, buf, n, buf.length - n, n);
    const end = buf.subarray(0, n).indexOf(0x0a);
    return {
      text: buf.toString('utf8', 0, end === -1 ? n : end),
      complete: end !== -1,
      size,
    };
  } finally {
    fs.closeSync(fd);
  }
}

export function readEventLog(file: string): EventLogFile {
  const out: EventLogFile = {
    path: file,
    events: [],
    inProgress: isInProgressFileName(file),
    warnings: [],
  };
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    out.warnings.push({ message: `${name} cannot be read: ${describeErrno(e)}`, path: file });
    return out;
  }
  const lines = text.split('\n');
  // The last element is what follows the last line break: '' for a log that ends cleanly.
  const tail = lines.pop() ?? '';
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseEventLogLine(line);
    if (parsed.kind === 'malformed') {
      out.warnings.push({
        message: `${name} line ${i + 1} is not an event (${parsed.reason}); skipped`,
        path: file,
        line: i + 1,
      });
      return;
    }
    if (parsed.kind === 'unknown') return;
    out.events.push(parsed.event);
  });
  // A running application's last line may be half written: not worth a warning. In a
  // finished log it means the file was cut short (a full disk, a copy interrupted).
  if (tail.trim() !== '' && !out.inProgress) {
    const parsed = parseEventLogLine(tail);
    if (parsed.kind === 'event') out.events.push(parsed.event);
    else if (parsed.kind === 'malformed') out.cutOffLine = lines.length + 1;
  }
  return out;
}
