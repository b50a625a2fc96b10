// Reads event logs back for the history UI: one file, or every *.jsonl(.inprogress) file of a
// directory. A line that is not an event is skipped with a warning naming file and line number;
// a file whose format version is newer than this reader's is refused with a warning.

import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../shared/errors.js';
import { withIo } from '../storage/io-errors.js';
import {
  EVENT_LOG_FORMAT_VERSION,
  isEventLogFileName,
  parseEventLogLine,
  type LoggedEvent,
} from './event-log-format.js';

export interface EventLogFile {
  path: string;
  events: LoggedEvent[];
  /** Still written by a running (or crashed) application. */
  inProgress: boolean;
  warnings: { message: string; path: string; line?: number }[];
}

/** The event log files at `target`: a file, or a directory of them (sorted by name). */
export function listEventLogs(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined)
    throw errors.invalidArgument('EVENTLOG_OR_DIR', 'an event log file or directory', target);
  if (stat.isFile()) return [path.resolve(target)];
  if (!stat.isDirectory())
    throw errors.invalidArgument('EVENTLOG_OR_DIR', 'an event log file or directory', target);
  return withIo('list the event log directory', target, () => fs.readdirSync(target))
    .filter(isEventLogFileName)
    .sort()
    .map((n) => path.resolve(target, n));
}

export function readEventLog(file: string): EventLogFile {
  const out: EventLogFile = {
    path: file,
    events: [],
    inProgress: file.endsWith('.inprogress'),
    warnings: [],
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    out.warnings.push({ message: `${path.basename(file)} cannot be read: ${why}`, path: file });
    return out;
  }
  const lines = text.split('\n');
  // A running application's last line may be half written: not worth a warning.
  if (lines[lines.length - 1] === '' || out.inProgress) lines.pop();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = parseEventLogLine(line);
    if (parsed.kind === 'malformed') {
      out.warnings.push({
        message: `${path.basename(file)} line ${i + 1} is not an event (${parsed.reason}); skipped`,
        path: file,
        line: i + 1,
      });
      return;
    }
    if (parsed.kind === 'unknown') return;
    out.events.push(parsed.event);
  });
  const first = out.events[0];
  if (first?.event === 'applicationStart' && first.data.formatVersion > EVENT_LOG_FORMAT_VERSION) {
    out.warnings.push({
      message: `${path.basename(file)} is event log format ${first.data.formatVersion}, newer than this reader's ${EVENT_LOG_FORMAT_VERSION}; skipped`,
      path: file,
    });
    out.events = [];
  }
  return out;
}
