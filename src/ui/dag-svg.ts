// A job's stage DAG as SVG (Spark's "DAG Visualization"): one box per stage listing its RDDs,
// cached and checkpointed ones marked, and an edge per shuffle between stages. Laid out by
// @dagrejs/dagre (dag-layout.ts) on the server, so the page needs no script to draw it.

import { layoutDag } from './dag-layout.js';
import { html, type SafeHtml } from './html.js';
import type { StageData } from './app-status-store.js';
import type { RddInfo } from '../scheduler/scheduler-listener.js';

const LINE = 15;
const WIDTH = 240;

function rddLabel(r: RddInfo): string {
  return `[${r.id}] ${r.name ?? r.kind}`;
}

function marks(r: RddInfo): string[] {
  const out: string[] = [];
  if (r.storageLevel !== 'NONE') out.push(`cached ${r.storageLevel}`);
  if (r.checkpoint === 'reliable' || r.checkpoint === 'local')
    out.push(`checkpointed (${r.checkpoint})`);
  else if (r.checkpoint === 'marked') out.push('marked for checkpoint');
  return out;
}

export function stageDagSvg(stages: StageData[], stageHref: (id: number) => string): SafeHtml {
  if (stages.length === 0) return html`<p>No stages yet.</p>`;
  const ids = new Set(stages.map((s) => s.stageId));
  const dag = layoutDag(
    stages.map((s) => {
      const lines = 1 + s.rdds.reduce((n, r) => n + 1 + (marks(r).length > 0 ? 1 : 0), 0);
      return { id: String(s.stageId), width: WIDTH, height: 12 + lines * LINE };
    }),
    stages.flatMap((s) =>
      s.parentStageIds
        .filter((p) => ids.has(p))
        .map((p) => ({ from: String(p), to: String(s.stageId) })),
    ),
  );
  const nodes = stages.map((s) => {
    const n = dag.nodes.get(String(s.stageId)) ?? { x: 0, y: 0, width: WIDTH, height: 0 };
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    let row = 0;
    const lineY = (): number => y + 16 + ++row * LINE;
    // The pipeline reads downward: its source first, the stage's last RDD at the bottom.
    const rows = [...s.rdds].reverse().map((r) => {
      const m = marks(r);
      return html`<text x="${x + 8}" y="${lineY()}" class="rdd" data-rdd-id="${r.id}"
          >${rddLabel(r)}</text
        >${m.length === 0 ? '' : html`<text x="${x + 20}" y="${lineY()}" class="rdd-mark" fill="#15803d">${m.join(', ')}</text>`}`;
    });
    return html`<g class="stage-node ${s.status}" data-stage-id="${s.stageId}"
      ><a href="${stageHref(s.stageId)}">
        <rect x="${x}" y="${y}" width="${n.width}" height="${n.height}" rx="4"></rect>
        <text x="${x + 8}" y="${y + 16}" font-weight="600"
          >Stage ${s.stageId} (${s.kind === 'result' ? 'result' : 'shuffle map'})</text
        >
        ${rows}</a
      ></g
    >`;
  });
  const edges = dag.edges.map((e) => {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
    const parent = stages.find((s) => String(s.stageId) === e.from);
    const label = parent?.shuffleId === undefined ? 'shuffle' : `shuffle ${parent.shuffleId}`;
    return html`<g class="shuffle-edge" data-from="${e.from}" data-to="${e.to}"
      ><path
        d="${d}"
        fill="none"
        stroke="#64748b"
        stroke-dasharray="4 3"
        marker-end="url(#arrow)"
      ></path>
      <text x="${e.labelX + 4}" y="${e.labelY}" fill="#64748b">${label}</text></g
    >`;
  });
  return html`<svg
    class="dag"
    xmlns="http://www.w3.org/2000/svg"
    width="${dag.width}"
    height="${dag.height}"
  >
    <defs>
      <marker
        id="arrow"
        viewBox="0 0 10 10"
        refX="10"
        refY="5"
        markerWidth="6"
        markerHeight="6"
        orient="auto"
      >
        <path d="M0,0 L10,5 L0,10 z" fill="#64748b"></path>
      </marker>
    </defs>
    ${edges}${nodes}
  </svg>`;
}
