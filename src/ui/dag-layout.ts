// The one module that imports @dagrejs/dagre: lays out a directed graph of boxes and returns
// plain positions. dagre's bundled .d.ts re-export @dagrejs/graphlib types that do not resolve
// under this project's module settings (they arrive as `any`), so the slice used is typed here
// and every position read back is checked.

import * as dagre from '@dagrejs/dagre';

interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(f: () => Record<string, unknown>): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(v: string, w: string, label: Record<string, unknown>): void;
  node(id: string): unknown;
  edge(v: string, w: string): unknown;
  graph(): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- see the header: typed by DagreGraph.
const GraphCtor: new () => DagreGraph = dagre.Graph;
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- as above.
const layoutFn: (g: DagreGraph) => void = dagre.layout;

export interface LaidOutNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LaidOutEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
  labelX: number;
  labelY: number;
}
export interface DagLayout {
  nodes: Map<string, LaidOutNode>;
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

function num(obj: unknown, key: string): number {
  const v: unknown = typeof obj === 'object' && obj !== null ? Reflect.get(obj, key) : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Top-to-bottom layout; node x/y are centres, as dagre gives them. */
export function layoutDag(
  nodes: { id: string; width: number; height: number }[],
  edges: { from: string; to: string }[],
): DagLayout {
  const g = new GraphCtor();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of edges) g.setEdge(e.from, e.to, { width: 60, height: 14 });
  layoutFn(g);
  const out: DagLayout = {
    nodes: new Map(),
    edges: [],
    width: num(g.graph(), 'width'),
    height: num(g.graph(), 'height'),
  };
  for (const n of nodes) {
    const laid = g.node(n.id);
    out.nodes.set(n.id, {
      id: n.id,
      x: num(laid, 'x'),
      y: num(laid, 'y'),
      width: n.width,
      height: n.height,
    });
  }
  for (const e of edges) {
    const laid = g.edge(e.from, e.to);
    const pts: unknown =
      typeof laid === 'object' && laid !== null ? Reflect.get(laid, 'points') : [];
    out.edges.push({
      from: e.from,
      to: e.to,
      points: Array.isArray(pts)
        ? pts.map((p: unknown) => ({ x: num(p, 'x'), y: num(p, 'y') }))
        : [],
      labelX: num(laid, 'x'),
      labelY: num(laid, 'y'),
    });
  }
  return out;
}
