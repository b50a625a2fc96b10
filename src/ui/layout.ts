// The page frame every UI page shares: header with the application, the tab bar, and the
// small script that refreshes <main> while the application runs (polling, no reload). A node
// marked data-keep="<name>" survives a refresh (a chart keeps its instance), and every refresh
// that changed something fires 'kindling:refresh' on document for page scripts to update.

import { html, raw, type SafeHtml } from './html.js';
import type { AppStatusStore } from './app-status-store.js';

export type Tab =
  'jobs' | 'stages' | 'storage' | 'checkpoints' | 'workers' | 'streaming' | 'environment';

const TABS: [Tab, string, string][] = [
  ['jobs', 'Jobs', '/jobs/'],
  ['stages', 'Stages', '/stages/'],
  ['storage', 'Storage', '/storage/'],
  ['checkpoints', 'Checkpoints', '/checkpoints/'],
  ['workers', 'Workers', '/workers/'],
  ['streaming', 'Streaming', '/streaming/'],
  ['environment', 'Environment', '/environment/'],
];

/** Refresh interval of a live page's content. */
export const LIVE_REFRESH_MS = 2000;

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2937;color:#fff;padding:8px 16px;display:flex;gap:24px;align-items:center}
header a{color:#cbd5e1;text-decoration:none}header a.active{color:#fff;font-weight:600}
header .brand{font-weight:700;color:#fbbf24}
main{padding:16px}table{border-collapse:collapse;margin:8px 0 16px;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}
th{background:#f1f5f9}th a{color:inherit}
.succeeded,.complete{color:#15803d}.failed{color:#b91c1c}.running,.active{color:#1d4ed8}
.unfinished{color:#6b7280}
pre{background:#f8fafc;border:1px solid #e2e8f0;padding:8px;overflow:auto;font-size:12px}
svg text{font-family:system-ui,sans-serif;font-size:11px}
.stage-node rect{fill:#eef2ff;stroke:#4f46e5}.stage-node.failed rect{fill:#fee2e2;stroke:#b91c1c}
.mark{font-size:10px;padding:0 4px;border-radius:3px;background:#dcfce7}
h1{font-size:20px}h2{font-size:16px;margin-top:20px}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{margin:0;background:#fff;padding:8px}
figcaption{font-size:13px;font-weight:600}
.u-legend th,.u-legend td{border:0;background:none;padding:0 4px}
`;

const LIVE_SCRIPT = `
(function(){
  if (document.body.dataset.live !== 'true') return;
  var last = null;
  setInterval(async function(){
    try {
      var r = await fetch(location.href, {headers: {'x-kindling-fragment': '1'}});
      if (!r.ok) return;
      var t = await r.text();
      var m = document.querySelector('main');
      if (!m) return;
      // The first answer is compared with the page as loaded, later ones with the previous answer
      // (kept nodes make <main> differ from any answer).
      var same = last === null ? m.innerHTML === t : t === last;
      last = t;
      if (same) return;
      var kept = {};
      m.querySelectorAll('[data-keep]').forEach(function(el){ kept[el.getAttribute('data-keep')] = el; });
      m.innerHTML = t;
      m.querySelectorAll('[data-keep]').forEach(function(el){
        var old = kept[el.getAttribute('data-keep')];
        if (old) el.replaceWith(old);
      });
      document.dispatchEvent(new Event('kindling:refresh'));
    } catch (e) { /* the application may have stopped */ }
  }, ${LIVE_REFRESH_MS});
})();
`;

export interface PageFrame {
  store: AppStatusStore;
  /** '' for the live UI, /history/<event log file name> for a replayed application. */
  base: string;
  tab: Tab;
  title: string;
  /** Link back to the application list (history UI). */
  home?: string;
  /** Scripts (deferred, in order) and stylesheets the page needs, by URL. */
  assets?: PageAssets;
}

export interface PageAssets {
  scripts: readonly string[];
  styles: readonly string[];
}

export function page(frame: PageFrame, body: SafeHtml): string {
  const app = frame.store.app;
  const live = frame.store.isRunning && frame.base === '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${frame.title} - ${app?.appName ?? 'Kindling'}</title>
        <style>
          ${raw(STYLE)}
        </style>
        ${frame.assets?.styles.map((href) => html`<link rel="stylesheet" href="${href}" />`)}
        ${frame.assets?.scripts.map((src) => html`<script defer src="${src}"></script>`)}
      </head>
      <body data-live="${live ? 'true' : 'false'}">
        <header>
          <span class="brand">Kindling</span>
          ${frame.home === undefined ? '' : html`<a href="${frame.home}">Applications</a>`}
          ${TABS.map(([tab, label, path]) => html`<a class="${tab === frame.tab ? 'active' : ''}" href="${frame.base + path}">${label}</a>`)}
          <span>${app?.appName ?? ''} ${app?.applicationId ?? ''}</span>
        </header>
        <main>${body}</main>
        <script>
          ${raw(LIVE_SCRIPT)};
        </script>
      </body>
    </html>`.value;
}
