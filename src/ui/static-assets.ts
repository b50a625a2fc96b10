// The files the UI serves under /static/: uPlot's script and stylesheet, read from the installed
// `uplot` package (the only module that names it; resolved from this file, so it works from
// dist/ of a packed install as from the repository), and the Streaming page's chart script.
// Each is read once and answered with an ETag, so a reload costs a 304, and nothing is fetched
// from a CDN.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { STREAMING_CHARTS_SCRIPT } from './streaming-charts-script.js';

/** The URL path every asset lives under, in the live and the history UI alike. */
export const STATIC_PREFIX = '/static/';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

type Source = { kind: 'package'; specifier: string } | { kind: 'inline'; text: string };

const SOURCES: ReadonlyMap<string, { type: string; source: Source }> = new Map([
  [
    'uplot.iife.min.js',
    { type: JS, source: { kind: 'package', specifier: 'uplot/dist/uPlot.iife.min.js' } },
  ],
  [
    'uplot.min.css',
    { type: CSS, source: { kind: 'package', specifier: 'uplot/dist/uPlot.min.css' } },
  ],
  ['streaming-charts.js', { type: JS, source: { kind: 'inline', text: STREAMING_CHARTS_SCRIPT } }],
]);

export type StaticAsset =
  | { kind: 'asset'; type: string; body: string; etag: string }
  | { kind: 'notFound' }
  /** The package file is missing or unreadable (a broken install): said, never a Node error. */
  | { kind: 'unreadable'; message: string };

const loaded = new Map<string, StaticAsset>();
const require = createRequire(import.meta.url);

/** The URL of a named asset, for a page's <script> or <link>. */
export function assetUrl(
  name: 'uplot.iife.min.js' | 'uplot.min.css' | 'streaming-charts.js',
): string {
  return STATIC_PREFIX + name;
}

/** `name` is the path after /static/. */
export function getStaticAsset(name: string): StaticAsset {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const entry = SOURCES.get(name);
  if (entry === undefined) return { kind: 'notFound' };
  let body: string;
  try {
    body =
      entry.source.kind === 'inline'
        ? entry.source.text
        : fs.readFileSync(require.resolve(entry.source.specifier), 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    // Not cached: a reinstall while the UI runs is picked up on the next request.
    return {
      kind: 'unreadable',
      message: `The web UI could not read ${entry.source.kind === 'package' ? entry.source.specifier : name} from the installed packages (reinstall kindling's dependencies): ${reason}`,
    };
  }
  const etag = `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
  const asset: StaticAsset = { kind: 'asset', type: entry.type, body, etag };
  loaded.set(name, asset);
  return asset;
}
