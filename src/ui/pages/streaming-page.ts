// The Streaming page (Spark's StreamingPage): input rate, processing time and scheduling delay
// per batch as line charts, the last batches, and state sizes per stateful operator. Charts are
// SVG drawn on the server like the DAG and timelines: the page refreshes by polling, so a
// client-side chart library would add a bundle and client code for three polylines.

import { fmtBytes, fmtCount, fmtDuration, fmtTime, html, type SafeHtml } from '../html.js';
import type { AppStatusStore } from '../app-status-store.js';
import type { StreamingBatchEvent } from '../../event-log/event-log-format.js';

const W = 420;
const H = 140;
const PAD = 36;

function lineChart(
  name: string,
  batches: StreamingBatchEvent[],
  value: (b: StreamingBatchEvent) => number,
  fmt: (n: number) => string,
): SafeHtml {
  const t0 = Math.min(...batches.map((b) => b.batchTimeMs));
  const t1 = Math.max(t0 + 1, ...batches.map((b) => b.batchTimeMs));
  const vmax = Math.max(1e-9, ...batches.map(value));
  const px = (t: number): number => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const py = (v: number): number => H - 20 - (v / vmax) * (H - 40);
  const pts = batches.map((b) => [px(b.batchTimeMs), py(value(b))] as const);
  return html`<figure class="chart" data-chart="${name}">
    <figcaption>${name}</figcaption>
    <svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
      <line x1="${PAD}" y1="${H - 20}" x2="${W - PAD}" y2="${H - 20}" stroke="#94a3b8"></line>
      <text x="2" y="${py(vmax) + 4}" fill="#64748b">${fmt(vmax)}</text>
      <text x="2" y="${H - 16}" fill="#64748b">0</text>
      <polyline
        fill="none"
        stroke="#2563eb"
        points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"
      ></polyline>
      ${batches.map(
        (b, i) =>
          html`<circle
            class="point"
            cx="${(pts[i]?.[0] ?? 0).toFixed(1)}"
            cy="${(pts[i]?.[1] ?? 0).toFixed(1)}"
            r="3"
            fill="#2563eb"
            ><title>${fmtTime(b.batchTimeMs)}: ${fmt(value(b))}</title></circle
          >`,
      )}
    </svg>
  </figure>`;
}

export function streamingPage(store: AppStatusStore): SafeHtml {
  const batches = store.batches;
  if (batches.length === 0)
    return html`<h1>Streaming</h1>
      <p>No streaming batches reported by this application.</p>`;
  const last = batches[batches.length - 1] as StreamingBatchEvent;
  const rate = (b: StreamingBatchEvent): number => b.records / (b.batchIntervalMs / 1000);
  const withState = [...batches].reverse().find((b) => b.stateCheckpoints.length > 0);
  return html`<h1>Streaming</h1>
    <p>
      ${batches.length} completed batches, every ${fmtDuration(last.batchIntervalMs)}; last at
      ${fmtTime(last.batchTimeMs)}.
    </p>
    <div class="charts" style="display:flex;flex-wrap:wrap;gap:16px">
      ${lineChart('Input rate (records/s)', batches, rate, (n) => n.toFixed(1))}
      ${lineChart('Processing time', batches, (b) => b.processingDelayMs, fmtDuration)}
      ${lineChart('Scheduling delay', batches, (b) => b.schedulingDelayMs, fmtDuration)}
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
