// The Streaming page (Spark's StreamingPage): input rate, processing time and scheduling delay
// per batch as uPlot charts, the last batches, and state sizes per stateful operator. The charts
// are drawn in the browser from the JSON API (streaming-charts-script.ts) inside a container the
// live refresh keeps (data-keep); the tables are server-rendered, so they need no script.

import { fmtBytes, fmtCount, fmtDuration, fmtTime, html, type SafeHtml } from '../html.js';
import { assetUrl } from '../static-assets.js';
import { STREAMING_CHARTS } from '../streaming-charts-script.js';
import type { AppStatusStore } from '../app-status-store.js';
import type { StreamingBatchEvent } from '../../event-log/event-log-format.js';

/** The page's scripts and stylesheet, for the frame's <head>. */
export const STREAMING_ASSETS = {
  scripts: [assetUrl('uplot.iife.min.js'), assetUrl('streaming-charts.js')],
  styles: [assetUrl('uplot.min.css')],
};

export function streamingPage(store: AppStatusStore): SafeHtml {
  const batches = store.batches;
  if (batches.length === 0)
    return html`<h1>Streaming</h1>
      <p>No streaming batches reported by this application.</p>`;
  const last = batches[batches.length - 1] as StreamingBatchEvent;
  const batchesUrl = `/api/v1/applications/${encodeURIComponent(store.app?.applicationId ?? '')}/streaming/batches`;
  const withState = [...batches].reverse().find((b) => b.stateCheckpoints.length > 0);
  return html`<h1>Streaming</h1>
    <p>
      ${batches.length} completed batches, every ${fmtDuration(last.batchIntervalMs)}; last at
      ${fmtTime(last.batchTimeMs)}.
    </p>
    <div
      class="charts"
      data-keep="streaming-charts"
      data-streaming-charts
      data-batches-url="${batchesUrl}"
    >
      ${STREAMING_CHARTS.map(
        ({ key, caption }) =>
          html`<figure class="chart" data-chart="${key}">
            <figcaption>${caption}</figcaption>
            <div class="plot"></div>
          </figure>`,
      )}
    </div>
    <h2>Last batches</h2>
    <table class="batches">
      <thead>
        <tr>
          <th>Batch Time</th>
          <th>Records</th>
          <th>Scheduling Delay</th>
          <th>Processing Time</th>
          <th>Total Delay</th>
          <th>Replayed</th>
        </tr>
      </thead>
      <tbody>
        ${[...batches]
          .reverse()
          .slice(0, 20)
          .map(
            (b) =>
              html`<tr data-batch-time="${b.batchTimeMs}">
                <td>${fmtTime(b.batchTimeMs)}</td>
                <td>${fmtCount(b.records)}</td>
                <td>${fmtDuration(b.schedulingDelayMs)}</td>
                <td>${fmtDuration(b.processingDelayMs)}</td>
                <td>${fmtDuration(b.totalDelayMs)}</td>
                <td>${b.replayed ? 'yes' : ''}</td>
              </tr>`,
          )}
      </tbody>
    </table>
    <h2>State</h2>
    ${
      withState === undefined
        ? html`<p>No state checkpoints yet.</p>`
        : html`<table class="state">
            <thead>
              <tr>
                <th>Operator</th>
                <th>Records</th>
                <th>Bytes</th>
                <th>Checkpoint time</th>
              </tr>
            </thead>
            <tbody>
              ${withState.stateCheckpoints.map(
                (s) =>
                  html`<tr>
                    <td>${s.operator}</td>
                    <td>${fmtCount(s.records)}</td>
                    <td>${fmtBytes(s.bytes)}</td>
                    <td>${fmtDuration(s.durationMs)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}
