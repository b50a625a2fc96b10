// The checkpoint bench's chart: records/s per shape, Kindling's best runs next
// to the v8 serializer baseline, as a self-contained SVG (no dependency).

import type { BenchRecord } from './bench-record.js';

/** A horizontal bar chart of records/s per shape: kindling's best runs next to the v8 baselines. */
export function renderSvg(records: BenchRecord[], workers: number): string {
  const rows: { label: string; value: number; kind: 'kindling' | 'v8' | 'ceiling' }[] = [];
  for (const shape of ['numbers', 'objects', 'pairs']) {
    const get = (v: string): BenchRecord | undefined =>
      records.find((r) => r.variant === `${shape} ${v}`);
    for (const dir of ['write', 'read'] as const) {
      for (const codec of ['none', 'lz4']) {
        const r = get(`${dir} ${codec} (best)`);
        if (r !== undefined)
          rows.push({
            label: `${shape} ${dir} ${codec}`,
            value: r.recordsPerSec,
            kind: 'kindling',
          });
      }
      const v8r = get(dir === 'write' ? 'v8.serialize' : 'v8.deserialize');
      if (v8r !== undefined)
        rows.push({
          label: `${shape} v8 ${dir === 'write' ? 'serialize' : 'deserialize'} x${workers}`,
          value: v8r.recordsPerSec * workers,
          kind: 'v8',
        });
    }
  }
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barH = 18;
  const gap = 6;
  const left = 230;
  const width = 820;
  const plot = width - left - 110;
  const height = 40 + rows.length * (barH + gap) + 30;
  const colors = { kindling: '#d9480f', v8: '#868e96', ceiling: '#1c7ed6' };
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Kindling checkpoint write/read, records/s (${workers} workers) vs v8.serialize x${workers}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = 40 + i * (barH + gap);
    const w = Math.max(1, (r.value / max) * plot);
    parts.push(
      `<text x="${left - 8}" y="${y + barH - 5}" text-anchor="end">${esc(r.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colors[r.kind]}"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + barH - 5}">${(r.value / 1e6).toFixed(2)} M/s</text>`,
    );
  });
  const ly = height - 14;
  parts.push(
    `<rect x="${left}" y="${ly - 10}" width="12" height="12" fill="${colors.kindling}"/><text x="${left + 18}" y="${ly}">kindling (best run)</text>`,
    `<rect x="${left + 160}" y="${ly - 10}" width="12" height="12" fill="${colors.v8}"/><text x="${left + 178}" y="${ly}">v8 single-thread rate x ${workers}</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}
