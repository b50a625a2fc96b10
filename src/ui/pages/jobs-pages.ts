// The Jobs page (every job: status, duration, stages, tasks, a timeline) and a Job's page (its
// stage DAG and stage table), as Spark's AllJobsPage and JobPage.

import { fmtBytes, fmtDuration, fmtTime, html, type SafeHtml } from '../html.js';
import type { AppStatusStore, JobData, StageData } from '../app-status-store.js';
import { stageDagSvg } from '../dag-svg.js';
import { timelineSvg, type TimelineBar } from '../timeline-svg.js';

export function jobDescription(job: JobData): string {
  return `${job.action} of RDD ${job.rddId}${job.rddName === undefined ? '' : ` (${job.rddName})`}`;
}

function taskCounts(stages: StageData[]): { succeeded: number; failed: number; total: number } {
  let succeeded = 0;
  let failed = 0;
  let total = 0;
  for (const s of stages) {
    total += s.numTasks;
    for (const t of s.tasks)
      if (t.successful) succeeded++;
      else failed++;
  }
  return { succeeded, failed, total };
}

/** How the application ended, as far as its events say. */
function appEnd(store: AppStatusStore): SafeHtml | string {
  const ended = store.app?.endTime;
  if (ended !== undefined) return html`, ended ${fmtTime(ended)}`;
  if (store.logEndTime === undefined) return ' (running)';
  return html`; its event log ends at ${fmtTime(store.logEndTime)} without the application's end
  (truncated), so jobs that had not ended there are shown as unfinished`;
}

export function jobsPage(store: AppStatusStore, base: string): SafeHtml {
  const jobs = [...store.jobs.values()].sort((a, b) => b.jobId - a.jobId);
  const now = store.openUntil();
  const app = store.app;
  return html`<h1>Jobs</h1>
    <p>Started ${fmtTime(app?.startTime)}${appEnd(store)}. ${jobs.length} jobs.</p>
    <h2>Event timeline</h2>
    ${timelineSvg(
      jobs.map((j) => ({
        row: `job ${j.jobId}`,
        label: jobDescription(j),
        start: j.submissionTime,
        ...(j.completionTime === undefined ? {} : { end: j.completionTime }),
        status: j.status,
        href: `${base}/jobs/job/?id=${j.jobId}`,
      })),
      now,
    )}
    <table class="jobs">
      <thead>
        <tr>
          <th>Job Id</th>
          <th>Description</th>
          <th>Submitted</th>
          <th>Duration</th>
          <th>Stages: Succeeded/Total</th>
          <th>Tasks (for all stages): Succeeded/Total</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        ${jobs.map((j) => {
          const stages = store.stagesOf(j);
          const tasks = taskCounts(stages);
          return html`<tr class="job-row" data-job-id="${j.jobId}">
            <td><a href="${base}/jobs/job/?id=${j.jobId}">${j.jobId}</a></td>
            <td>${jobDescription(j)}</td>
            <td>${fmtTime(j.submissionTime)}</td>
            <td>${fmtDuration(j.durationMs ?? now - j.submissionTime)}</td>
            <td>${stages.filter((s) => s.status === 'complete').length}/${stages.length}</td>
            <td class="tasks">
              ${tasks.succeeded}/${tasks.total}${tasks.failed > 0 ? html` (${tasks.failed} failed)` : ''}
            </td>
            <td class="${j.status}">${j.status.toUpperCase()}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}

export function jobPage(store: AppStatusStore, base: string, job: JobData): SafeHtml {
  const stages = store.stagesOf(job);
  const now = store.openUntil();
  const m = job.metrics;
  return html`<h1>Job ${job.jobId}: ${jobDescription(job)}</h1>
    <p>
      Status:
      <span class="${job.status}">${job.status.toUpperCase()}</span
      >${job.status === 'unfinished' ? ' (the event log ends before the job did)' : ''}. Submitted
      ${fmtTime(job.submissionTime)}, duration
      ${fmtDuration(job.durationMs ?? now - job.submissionTime)}.
      ${job.failure === undefined ? '' : html`<br />Failure: ${job.failure.code ?? ''} ${job.failure.message}`}
    </p>
    <p>
      Task time ${fmtDuration(m.taskTimeMs)}, GC ${fmtDuration(m.gcTimeMs)}, shuffle read
      ${fmtBytes(m.shuffleReadBytes)}, shuffle write ${fmtBytes(m.shuffleWriteBytes)}.
    </p>
    <h2>DAG Visualization</h2>
    ${stageDagSvg(stages, (id) => `${base}/stages/stage/?id=${id}`)}
    <h2>Event timeline</h2>
    ${timelineSvg(
      stages.map((s) => ({
        row: `stage ${s.stageId}`,
        label: `stage ${s.stageId}`,
        start: s.submissionTime,
        ...(s.completionTime === undefined ? {} : { end: s.completionTime }),
        status: timelineStatus(s.status),
        href: `${base}/stages/stage/?id=${s.stageId}`,
      })),
      now,
    )}
    <h2>Stages</h2>
    ${stageTable(stages, base, now)}`;
}

function timelineStatus(status: StageData['status']): TimelineBar['status'] {
  switch (status) {
    case 'complete':
      return 'succeeded';
    case 'active':
      return 'running';
    case 'failed':
    case 'unfinished':
      return status;
  }
}

export function stageTable(stages: StageData[], base: string, now: number): SafeHtml {
  return html`<table class="stages">
    <thead>
      <tr>
        <th>Stage Id</th>
        <th>Kind</th>
        <th>Submitted</th>
        <th>Duration</th>
        <th>Tasks: Succeeded/Total</th>
        <th>Input</th>
        <th>Shuffle Read</th>
        <th>Shuffle Write</th>
        <th>Status</th>
      </tr>
    </thead>
    <tbody>
      ${stages.map((s) => {
        const ok = s.tasks.filter((t) => t.successful).length;
        const failed = s.tasks.length - ok;
        return html`<tr class="stage-row" data-stage-id="${s.stageId}">
          <td><a href="${base}/stages/stage/?id=${s.stageId}">${s.stageId}</a></td>
          <td>${s.kind}</td>
          <td>${fmtTime(s.submissionTime)}</td>
          <td>${fmtDuration(s.durationMs ?? now - s.submissionTime)}</td>
          <td>${ok}/${s.numTasks}${failed > 0 ? html` (${failed} failed)` : ''}</td>
          <td>${fmtBytes(s.metrics.bytesRead)}</td>
          <td>${fmtBytes(s.metrics.shuffleReadBytes)}</td>
          <td>${fmtBytes(s.metrics.shuffleWriteBytes)}</td>
          <td class="${s.status}">
            ${s.status.toUpperCase()}${s.failureReason === undefined ? '' : html`<br />${s.failureReason}`}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
