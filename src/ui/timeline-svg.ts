// Event timelines as SVG bars on a shared time axis (Spark's "Event Timeline"): jobs on the
// jobs page, stages on a job's page, tasks per worker thread on a stage's page.

import { fmtDuration, html, type SafeHtml } from './html.js';

export interface TimelineBar {
  row: string;
  label: string;
  start: number;
  /** Undefined while running (or unfinished when its log ended): drawn up to `now`. */
  end?: number;
  status: 'succeeded' | 'failed' | 'running' | 'unfinished';
  href?: string;
}

const WIDTH = 900;
const ROW = 22;
const LABEL_W = 120;
const COLORS = {
  succeeded: '#86efac',
  failed: '#fca5a5',
  running: '#93c5fd',
  unfinished: '#d1d5db',
};

export function timelineSvg(bars: TimelineBar[], now: number): SafeHtml {
  if (bars.length === 0) return html``;
  const rows = [...new Set(bars.map((b) => b.row))];
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(t0 + 1, ...bars.map((b) => b.end ?? now));
  const scale = (WIDTH - LABEL_W - 10) / (t1 - t0);
  const height = rows.length * ROW + 24;
  return html`<svg
    class="timeline"
    xmlns="http://www.w3.org/2000/svg"
    width="${WIDTH}"
    height="${height}"
  >
    ${rows.map((r, i) => html`<text x="4" y="${i * ROW + 15}">${r}</text>`)}
    ${bars.map((b) => {
      const i = rows.indexOf(b.row);
      const x = LABEL_W + (b.start - t0) * scale;
      const w = Math.max(2, ((b.end ?? now) - b.start) * scale);
      const rect = html`<rect
        x="${x.toFixed(1)}"
        y="${i * ROW + 3}"
        width="${w.toFixed(1)}"
        height="${ROW - 6}"
        fill="${COLORS[b.status]}"
        stroke="#475569"
        stroke-width="0.5"
        ><title>${b.label} (${fmtDuration((b.end ?? now) - b.start)})</title></rect
      >`;
      return b.href === undefined ? rect : html`<a href="${b.href}">${rect}</a>`;
    })}
    <text x="${LABEL_W}" y="${height - 4}" fill="#64748b">0</text>
    <text x="${WIDTH - 60}" y="${height - 4}" fill="#64748b">${fmtDuration(t1 - t0)}</text>
  </svg>`;
}
