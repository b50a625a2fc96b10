// Self and inclusive time by function over the worker threads' CPU profiles of one run, to see
// where a shuffled record's time goes. Profile with `node --cpu-prof --cpu-prof-dir=DIR job.js`:
// Node writes one .cpuprofile per thread (CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile),
// worker threads included; thread 0 (the main thread, mostly idle here) is left out.
// Usage: node dist/bench/cpu-profile-summary.js DIR [TOP]

import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarize(dir: string): {
  self: Map<string, number>;
  inclusive: Map<string, number>;
  totalUs: number;
} {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalUs = 0;
  const add = <K>(m: Map<K, number>, k: K, t: number): void => {
    m.set(k, (m.get(k) ?? 0) + t);
  };
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    if (/\.\d+\.0\.\d+\.cpuprofile$/.test(file)) continue;
    const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const name = (id: number): string => {
      const cf = byId.get(id)?.callFrame;
      if (cf === undefined) return '?';
      return `${cf.functionName || '(anonymous)'} ${path.basename(cf.url)}:${cf.lineNumber + 1}`;
    };
    const perNode = new Map<number, number>();
    p.samples.forEach((id, i) => add(perNode, id, p.timeDeltas[i] ?? 0));
    for (const [id, t] of perNode) {
      totalUs += t;
      add(self, name(id), t);
      const seen = new Set<string>();
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
        const n = name(x);
        if (!seen.has(n)) {
          seen.add(n);
          add(inclusive, n, t);
        }
      }
    }
  }
  return { self, inclusive, totalUs };
}

function print(label: string, m: Map<string, number>, totalUs: number, top: number): void {
  process.stdout.write(`-- ${label} (worker threads, ${(totalUs / 1000).toFixed(0)} ms in all)\n`);
  for (const [n, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const ms = (t / 1000).toFixed(0).padStart(7);
    const pct = ((100 * t) / totalUs).toFixed(1).padStart(5);
    process.stdout.write(`${ms} ms ${pct}%  ${n}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [dir, top = '30'] = process.argv.slice(2);
  if (dir === undefined) {
    process.stderr.write('usage: node dist/bench/cpu-profile-summary.js DIR [TOP]\n');
    process.exit(2);
  }
  const { self, inclusive, totalUs } = summarize(dir);
  print('self time', self, totalUs, Number(top));
  print('inclusive time', inclusive, totalUs, Number(top));
}
