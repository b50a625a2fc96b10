// A stage's page (Spark's StagePage): summary quantiles of task metrics, an event timeline per
// worker thread, the task table sortable by any column (server-side, so live refreshes keep
// the order), and every failed attempt with its cause and stack.

import { fmtBytes, fmtCount, fmtDuration, fmtTime, html, type SafeHtml } from '../html.js';
import { workerLabel, type StageData, type TaskData } from '../app-status-store.js';
import type { TaskFailure } from '../../scheduler/scheduler-listener.js';
import { timelineSvg } from '../timeline-svg.js';

type Column = {
  key: string;
  title: string;
  value: (t: TaskData) => number | string;
  show: (t: TaskData) => SafeHtml | string;
};

const num = (f: (t: TaskData) => number | undefined) => (t: TaskData) => f(t) ?? -1;

const COLUMNS: Column[] = [
  {
    key: 'index',
    title: 'Index',
    value: (t) => t.partitionIndex,
    show: (t) => String(t.partitionIndex),
  },
  { key: 'taskId', title: 'Task Id', value: (t) => t.taskId, show: (t) => String(t.taskId) },
  { key: 'attempt', title: 'Attempt', value: (t) => t.attempt, show: (t) => String(t.attempt) },
  {
    key: 'status',
    title: 'Status',
    value: (t) => (t.successful ? 'SUCCESS' : 'FAILED'),
    show: (t) =>
      html`<span class="${t.successful ? 'succeeded' : 'failed'}"
        >${t.successful ? 'SUCCESS' : 'FAILED'}</span
      >`,
  },
  {
    key: 'worker',
    title: 'Worker',
    value: num((t) => t.metrics?.threadId),
    show: (t) => (t.metrics === undefined ? '' : workerLabel(t.metrics)),
  },
  {
    key: 'launch',
    title: 'Launch Time',
    value: num((t) => t.metrics?.launchTime),
    show: (t) => fmtTime(t.metrics?.launchTime),
  },
  {
    key: 'duration',
    title: 'Duration',
    value: num((t) => t.metrics?.durationMs),
    show: (t) =>
      html`<span class="duration" data-ms="${t.metrics?.durationMs ?? ''}"
        >${fmtDuration(t.metrics?.durationMs)}</span
      >`,
  },
  {
    key: 'gc',
    title: 'GC Time',
    value: num((t) => t.metrics?.gcTimeMs),
    show: (t) => fmtDuration(t.metrics?.gcTimeMs),
  },
  {
    key: 'records',
    title: 'Records',
    value: num((t) => t.metrics?.recordsRead),
    show: (t) => (t.metrics === undefined ? '' : fmtCount(t.metrics.recordsRead)),
  },
  {
    key: 'input',
    title: 'Input',
    value: num((t) => t.metrics?.bytesRead),
    show: (t) => fmtBytes(t.metrics?.bytesRead),
  },
  {
    key: 'shuffleRead',
    title: 'Shuffle Read',
    value: num((t) => t.metrics?.shuffleReadBytes),
    show: (t) => fmtBytes(t.metrics?.shuffleReadBytes),
  },
  {
    key: 'shuffleWrite',
    title: 'Shuffle Write',
    value: num((t) => t.metrics?.shuffleWriteBytes),
    show: (t) => fmtBytes(t.metrics?.shuffleWriteBytes),
  },
  {
    key: 'spill',
    title: 'Spill',
    value: num((t) => t.metrics?.spillBytes),
    show: (t) => fmtBytes(t.metrics?.spillBytes),
  },
  {
    key: 'error',
    title: 'Errors',
    value: (t) => (t.failure === undefined ? '' : t.failure.message),
    show: (t) => (t.failure === undefined ? '' : failureTitle(t.failure)),
  },
];

function failureTitle(f: TaskFailure): string {
  switch (f.kind) {
    case 'exception':
      return `${f.name}: ${f.message}`;
    case 'fetchFailed':
      return `FetchFailed(shuffle ${f.shuffleId}, map ${f.mapIndex}): ${f.message}`;
    case 'workerDied':
      return `Worker died: ${f.message}`;
  }
}

/** Nearest-rank quantiles, as Spark's task summary shows (min, 25th, median, 75th, max). */
export function quantiles(values: number[]): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  return [0, 0.25, 0.5, 0.75, 1].map(
    (q) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] as number,
  );
}

const SUMMARY: [string, (t: TaskData) => number | undefined, (n: number) => string][] = [
  ['Duration', (t) => t.metrics?.durationMs, fmtDuration],
  ['GC Time', (t) => t.metrics?.gcTimeMs, fmtDuration],
  ['Records', (t) => t.metrics?.recordsRead, fmtCount],
  ['Input Size', (t) => t.metrics?.bytesRead, fmtBytes],
  ['Shuffle Read Size', (t) => t.metrics?.shuffleReadBytes, fmtBytes],
  ['Shuffle Read Records', (t) => t.metrics?.shuffleReadRecords, fmtCount],
  ['Shuffle Write Size', (t) => t.metrics?.shuffleWriteBytes, fmtBytes],
  ['Shuffle Write Records', (t) => t.metrics?.shuffleWriteRecords, fmtCount],
  ['Spill Size', (t) => t.metrics?.spillBytes, fmtBytes],
];

export interface StagePageQuery {
  sort: string;
  desc: boolean;
}

export function sortTasks(tasks: TaskData[], q: StagePageQuery): TaskData[] {
  const col = COLUMNS.find((c) => c.key === q.sort) ?? COLUMNS[0];
  if (col === undefined) return tasks;
  const sign = q.desc ? -1 : 1;
  return [...tasks].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c =
      typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * c || a.taskId - b.taskId;
  });
}

/** `now`: where what has not ended is drawn to (AppStatusStore.openUntil). */
export function stagePage(
  stage: StageData,
  base: string,
  q: StagePageQuery,
  now: number,
): SafeHtml {
  const done = stage.tasks.filter((t) => t.successful);
  const failed = stage.tasks.filter((t) => !t.successful);
  const href = (key: string): string =>
    `${base}/stages/stage/?id=${stage.stageId}&sort=${key}&desc=${key === q.sort && !q.desc ? 1 : 0}`;
  return html`<h1>
      Stage ${stage.stageId} (${stage.kind === 'result' ? 'result' : 'shuffle map'}) of job
      ${stage.jobId}
    </h1>
    <p>
      Status: <span class="${stage.status}">${stage.status.toUpperCase()}</span>. ${stage.numTasks}
      tasks, ${failed.length} failed attempts. Submitted ${fmtTime(stage.submissionTime)}, duration
      ${fmtDuration(stage.durationMs ?? now - stage.submissionTime)}${stage.submissions > 1 ? `, submitted ${stage.submissions} times` : ''}.
    </p>
    ${stage.failureReason === undefined ? '' : html`<p class="failed">Failure: ${stage.failureReason}</p>`}
    <p>
      RDDs:
      ${stage.rdds.map((r) => html`<span class="rdd-name">[${r.id}] ${r.name ?? r.kind}</span> `)}
    </p>
    <h2>Summary metrics for ${done.length} completed tasks</h2>
    <table class="summary">
      <thead>
        <tr>
          <th>Metric</th>
          <th>Min</th>
          <th>25th percentile</th>
          <th>Median</th>
          <th>75th percentile</th>
          <th>Max</th>
        </tr>
      </thead>
      <tbody>
        ${SUMMARY.map(([name, get, fmt]) => {
          const qs = quantiles(
            done.flatMap((t) => {
              const v = get(t);
              return v === undefined ? [] : [v];
            }),
          );
          return html`<tr>
            <td>${name}</td>
            ${qs.map((v) => html`<td>${fmt(v)}</td>`)}
          </tr>`;
        })}
      </tbody>
    </table>
    <h2>Event timeline</h2>
    ${timelineSvg(
      stage.tasks.flatMap((t) =>
        t.metrics === undefined
          ? []
          : [
              {
                row: workerLabel(t.metrics),
                label: `task ${t.taskId} (partition ${t.partitionIndex}, attempt ${t.attempt})`,
                start: t.metrics.launchTime,
                end: t.metrics.finishTime,
                status: t.successful ? ('succeeded' as const) : ('failed' as const),
              },
            ],
      ),
      now,
    )}
    <h2>Tasks (${stage.tasks.length})</h2>
    <table class="tasks">
      <thead>
        <tr>
          ${COLUMNS.map(
            (c) =>
              html`<th data-column="${c.key}">
                <a href="${href(c.key)}"
                  >${c.title}${c.key === q.sort ? (q.desc ? ' ▾' : ' ▴') : ''}</a
                >
              </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${sortTasks(stage.tasks, q).map(
          (t) =>
            html`<tr class="task-row" data-task-id="${t.taskId}">
              ${COLUMNS.map((c) => html`<td>${c.show(t)}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      failed.length === 0
        ? ''
        : html`<h2>Failures</h2>
            ${failed.map(
              (t) =>
                html`<div class="failure" data-task-id="${t.taskId}">
                  <p>
                    Task ${t.taskId}, partition ${t.partitionIndex}, attempt ${t.attempt}:
                    ${t.failure === undefined ? 'failed' : failureTitle(t.failure)}
                  </p>
                  ${t.failure?.kind === 'exception' && t.failure.stack !== undefined ? html`<pre>${t.failure.stack}</pre>` : ''}
                </div>`,
            )}`
    }`;
}
