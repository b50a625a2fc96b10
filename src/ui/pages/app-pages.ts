// The application-wide pages: Storage (cached RDDs), Checkpoints, Workers (threads), Streaming,
// Environment, and the history server's list of applications.

import { fmtBytes, fmtCount, fmtDuration, fmtTime, html, type SafeHtml } from '../html.js';
import { workerLabel, type AppStatusStore } from '../app-status-store.js';
import type { HistoryListing, LogStatus } from '../history.js';

export function storagePage(store: AppStatusStore): SafeHtml {
  const rdds = [...store.storage.values()].sort((a, b) => a.rddId - b.rddId);
  return html`<h1>Storage</h1>
    ${rdds.length === 0 ? html`<p>No cached RDDs.</p>` : ''}
    <table class="storage">
      <thead>
        <tr>
          <th>RDD</th>
          <th>Storage Level</th>
          <th>Cached Partitions</th>
          <th>Size in Memory</th>
          <th>Size on Disk</th>
        </tr>
      </thead>
      <tbody>
        ${rdds.map((r) => {
          let mem = 0;
          let disk = 0;
          for (const b of r.blocks.values()) {
            if (b.where === 'memory') mem += b.bytes;
            else disk += b.bytes;
          }
          return html`<tr data-rdd-id="${r.rddId}">
            <td class="rdd-name">[${r.rddId}] ${r.name ?? ''}</td>
            <td>${r.storageLevel}</td>
            <td>${r.blocks.size}${r.numPartitions === undefined ? '' : ` / ${r.numPartitions}`}</td>
            <td>${fmtBytes(mem)}</td>
            <td>${fmtBytes(disk)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <p>
      Sizes are as the blocks were written; a memory block spilled or dropped later under memory
      pressure still shows here until the RDD is unpersisted.
    </p>`;
}

export function checkpointsPage(store: AppStatusStore): SafeHtml {
  return html`<h1>Checkpoints</h1>
    ${store.checkpoints.length === 0 ? html`<p>No checkpoints written.</p>` : ''}
    <table class="checkpoints">
      <thead>
        <tr>
          <th>RDD</th>
          <th>Path</th>
          <th>Codec</th>
          <th>Written</th>
          <th>Partitions</th>
          <th>Records</th>
          <th>Bytes</th>
          <th>Compression Ratio</th>
          <th>Duration</th>
          <th>Write Throughput</th>
        </tr>
      </thead>
      <tbody>
        ${store.checkpoints.map(
          (c) =>
            html`<tr data-rdd-id="${c.rddId}">
              <td class="rdd-name">[${c.rddId}] ${c.name ?? ''}</td>
              <td>${c.path ?? ''}</td>
              <td>${c.codec ?? ''}</td>
              <td>${fmtTime(c.time)}</td>
              <td>${c.partitions}</td>
              <td>${fmtCount(c.records)}</td>
              <td>${fmtBytes(c.bytes)}</td>
              <td class="compression-ratio">${compressionRatio(c)}</td>
              <td>${fmtDuration(c.durationMs)}</td>
              <td>
                ${c.durationMs > 0 ? `${fmtBytes(Math.round((c.bytes * 1000) / c.durationMs))}/s` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function workersPage(store: AppStatusStore): SafeHtml {
  const workers = [...store.workers.values()].sort(
    (a, b) => (a.executor ?? '').localeCompare(b.executor ?? '') || a.threadId - b.threadId,
  );
  return html`<h1>Workers</h1>
    <table class="workers">
      <thead>
        <tr>
          <th>Worker</th>
          <th>Tasks</th>
          <th>Failed Tasks</th>
          <th>Task Time</th>
          <th>GC Time</th>
          <th>Shuffle Read</th>
          <th>Shuffle Write</th>
        </tr>
      </thead>
      <tbody>
        ${workers.map(
          (w) =>
            html`<tr data-thread-id="${w.threadId}">
              <td>${workerLabel(w)}</td>
              <td>${w.tasks}</td>
              <td>${w.failedTasks}</td>
              <td>${fmtDuration(w.taskTimeMs)}</td>
              <td>${fmtDuration(w.gcTimeMs)}</td>
              <td>${fmtBytes(w.shuffleReadBytes)}</td>
              <td>${fmtBytes(w.shuffleWriteBytes)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function environmentPage(store: AppStatusStore): SafeHtml {
  const app = store.app;
  if (app === undefined)
    return html`<h1>Environment</h1>
      <p>No application start recorded.</p>`;
  return html`<h1>Environment</h1>
    <table class="environment">
      <tbody>
        <tr>
          <th>Application</th>
          <td>${app.appName}</td>
        </tr>
        <tr>
          <th>Application Id</th>
          <td>${app.applicationId}</td>
        </tr>
        <tr>
          <th>Kindling</th>
          <td>${app.kindlingVersion}</td>
        </tr>
        <tr>
          <th>Node</th>
          <td>${app.nodeVersion}</td>
        </tr>
        <tr>
          <th>Event log format</th>
          <td>${app.formatVersion}</td>
        </tr>
      </tbody>
    </table>
    <h2>Options</h2>
    <table class="options">
      <tbody>
        ${Object.entries(app.options).map(
          ([k, v]) =>
            html`<tr>
              <th>${k}</th>
              <td>${v === undefined ? '' : JSON.stringify(v)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      store.warnings.length === 0
        ? ''
        : html`<h2>Warnings</h2>
            <ul>
              ${store.warnings.map((w) => html`<li>${fmtTime(w.time)} ${w.message}${w.path === undefined ? '' : ` (${w.path})`}</li>`)}
            </ul>`
    }`;
}

export function applicationsPage(listing: HistoryListing): SafeHtml {
  return html`<h1>Applications</h1>
    <table class="applications">
      <thead>
        <tr>
          <th>App Id</th>
          <th>Name</th>
          <th>Started</th>
          <th>Completed</th>
          <th>Duration</th>
          <th>Jobs</th>
          <th>Event log</th>
        </tr>
      </thead>
      <tbody>
        ${listing.entries.map((entry) => {
          if (entry.kind === 'damaged')
            return html`<tr class="damaged">
              <td colspan="7">
                ${entry.file}: <span class="failed">damaged event log: ${entry.reason}</span>
              </td>
            </tr>`;
          const { store, file, name, status, warnings } = entry;
          const app = store.app;
          if (app === undefined) return '';
          return html`<tr data-event-log="${name}">
            <td>
              <a href="/history/${encodeURIComponent(name)}/jobs/">${app.applicationId}</a>
            </td>
            <td>${app.appName}</td>
            <td>${fmtTime(app.startTime)}</td>
            <td>${completedCell(status, app.endTime)}</td>
            <td>${app.endTime === undefined ? '' : fmtDuration(app.endTime - app.startTime)}</td>
            <td>${store.jobs.size}</td>
            <td>
              ${file}${warnings.map((w) => html`<br /><span class="failed">${w.message}</span>`)}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${
      listing.skipped.length === 0
        ? ''
        : html`<h2>Skipped files</h2>
            <p>Not event logs (an event log's first line is its applicationStart event):</p>
            <ul class="skipped">
              ${listing.skipped.map((s) => html`<li>${s.file}: ${s.reason}</li>`)}
            </ul>`
    }`;
}

function completedCell(status: LogStatus, endTime: number | undefined): SafeHtml | string {
  switch (status.kind) {
    case 'complete':
      return endTime === undefined ? '' : fmtTime(endTime);
    case 'inProgress':
      return 'in progress';
    case 'truncated':
      return html`<span class="failed">truncated</span>`;
  }
}

/** Uncompressed frame bytes over stored bytes ("3.2x"), as the checkpoint bench reports it. */
function compressionRatio(c: { bytes: number; rawBytes?: number }): string {
  if (c.rawBytes === undefined || c.bytes === 0) return '';
  return `${(c.rawBytes / c.bytes).toFixed(2)}x`;
}
