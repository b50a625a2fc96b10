// The event log writer and reader: buffered lines flushed by the one-second timer and at close,
// the .inprogress name until close, failures as warnings, malformed lines named on replay.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLogWriter, EVENT_LOG_FLUSH_MS } from '../../src/event-log/event-log-writer.js';
import { readEventLog } from '../../src/event-log/event-log-reader.js';
import { parseEventLogLine, type LoggedEvent } from '../../src/event-log/event-log-format.js';
import { KindlingError } from '../../src/shared/errors.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-evlog-'));
}

const jobStart: LoggedEvent = {
  event: 'jobStart',
  time: 1,
  data: { jobId: 0, rddId: 3, partitions: 2, time: 1, action: 'collect' },
};

test('lines are buffered until the flush timer fires, then appended to the .inprogress file', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const dir = tempDir();
  try {
    const warnings: string[] = [];
    const w = new EventLogWriter({
      dir,
      applicationId: 'app-a',
      onWarning: (x) => warnings.push(x.message),
    });
    assert.equal(w.inProgressPath, path.join(dir, 'app-a.jsonl.inprogress'));
    w.append(jobStart);
    assert.equal(fs.readFileSync(w.inProgressPath, 'utf8'), '', 'nothing written before a flush');
    mock.timers.tick(EVENT_LOG_FLUSH_MS);
    const lines = fs.readFileSync(w.inProgressPath, 'utf8').split('\n');
    assert.deepEqual(JSON.parse(lines[0] ?? ''), jobStart);
    w.close();
    assert.deepEqual(warnings, []);
  } finally {
    mock.timers.reset();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('close flushes what is pending and renames the log to its final name', () => {
  const dir = tempDir();
  try {
    const w = new EventLogWriter({ dir, applicationId: 'app-b', onWarning: () => {} });
    w.append(jobStart);
    w.append({ ...jobStart, time: 2 });
    w.close();
    assert.equal(fs.existsSync(w.inProgressPath), false);
    const log = readEventLog(w.finalPath);
    assert.equal(log.inProgress, false);
    assert.deepEqual(
      log.events.map((e) => e.time),
      [1, 2],
    );
    assert.deepEqual(log.warnings, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a log that cannot be completed is a warning naming the file, not an exception', () => {
  const dir = tempDir();
  const warnings: { message: string; path: string }[] = [];
  const w = new EventLogWriter({
    dir,
    applicationId: 'app-c',
    onWarning: (x) => warnings.push(x),
  });
  w.append(jobStart);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.doesNotThrow(() => w.close());
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.path, w.inProgressPath);
  assert.match(warnings[0]?.message ?? '', /event log/);
});

test('a directory that cannot be created is a KindlingError naming it', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const target = path.join(file, 'logs');
    assert.throws(
      () => new EventLogWriter({ dir: target, applicationId: 'app-d', onWarning: () => {} }),
      (e: unknown) =>
        e instanceof KindlingError &&
        e.code === 'INVALID_ARGUMENT' &&
        e.context.path === target &&
        e.message.includes(target),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('replaying a log skips a malformed line with a warning naming its line number', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'app-e.jsonl');
    const good = JSON.stringify(jobStart);
    fs.writeFileSync(file, `${good}\n{"event": "jobEnd", oops\n${good}\n`);
    const log = readEventLog(file);
    assert.equal(log.events.length, 2);
    assert.equal(log.warnings.length, 1);
    assert.equal(log.warnings[0]?.line, 2);
    assert.match(log.warnings[0]?.message ?? '', /app-e\.jsonl line 2/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a line must be an object with an event name, a numeric time and a data object', () => {
  assert.equal(parseEventLogLine('[1]').kind, 'malformed');
  assert.equal(parseEventLogLine('{"event":"jobStart","time":"x","data":{}}').kind, 'malformed');
  assert.equal(parseEventLogLine('{"event":"jobStart","time":1}').kind, 'malformed');
  assert.deepEqual(parseEventLogLine('{"event":"fromTheFuture","time":1,"data":{}}'), {
    kind: 'unknown',
    event: 'fromTheFuture',
  });
  assert.equal(parseEventLogLine(JSON.stringify(jobStart)).kind, 'event');
});
