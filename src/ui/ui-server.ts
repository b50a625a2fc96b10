// The web UI's HTTP server (Spark's SparkUI / HistoryServer) on node:http: routes a request to
// a page or the JSON API of one application's AppStatusStore. The live UI serves one store at
// the root; the history UI lists applications at / and serves each under /history/<log>/, the
// log's file name (history.ts findHistoryApp; an application id alone redirects there).
// Both serve the pages' static files (uPlot, chart script) under /static/.
// Binds to port, port+1, ... as Spark does (spark.port.maxRetries = 16).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppStatusStore } from './app-status-store.js';
import { appApi, applicationJson } from './api.js';
import { html, type SafeHtml } from './html.js';
import { page, type PageAssets, type Tab } from './layout.js';
import {
  applicationsPage,
  checkpointsPage,
  environmentPage,
  storagePage,
  workersPage,
} from './pages/app-pages.js';
import { findHistoryApp, type HistoryListing } from './history.js';
import { jobPage, jobsPage, stageTable } from './pages/jobs-pages.js';
import { stagePage } from './pages/stage-page.js';
import { STREAMING_ASSETS, streamingPage } from './pages/streaming-page.js';
import { getStaticAsset, STATIC_PREFIX } from './static-assets.js';

export const MAX_PORT_RETRIES = 16;

export type UiSource =
  { kind: 'live'; store: AppStatusStore } | { kind: 'history'; listing: () => HistoryListing };

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Response =
  | { status: number; type: string; body: string; etag?: string }
  | { status: 302; location: string }
  | { status: 304; etag: string };

export async function startUiServer(
  source: UiSource,
  opts: { host: string; port: number },
): Promise<UiServer> {
  const server = http.createServer((req, res) => {
    let out: Response;
    try {
      out = route(source, req);
    } catch (e) {
      out = text(500, `Internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if ('location' in out) {
      res.writeHead(302, { location: out.location }).end();
      return;
    }
    if (!('body' in out)) {
      res.writeHead(304, { etag: out.etag, 'cache-control': 'no-cache' }).end();
      return;
    }
    // Pages and API answers change as the application runs; a static file only with a new
    // package, so the browser keeps it and revalidates by ETag.
    const caching =
      out.etag === undefined
        ? { 'cache-control': 'no-store' }
        : { 'cache-control': 'no-cache', etag: out.etag };
    res.writeHead(out.status, { 'content-type': out.type, ...caching }).end(out.body);
  });
  // Keep-alive sockets of a browser must not hold stop() open.
  server.keepAliveTimeout = 1000;
  // The live UI lives as long as the application (Spark's SparkUI), not longer: neither the
  // listening socket nor a browser's connection keeps a script alive once its own work is
  // done and it never called stop(). The history server is the process's work: it holds it.
  if (source.kind === 'live') {
    server.unref();
    server.on('connection', (socket) => socket.unref());
  }
  const port = await listen(server, opts.host, opts.port);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function listen(server: http.Server, host: string, first: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = first === 0 ? 0 : first + attempt;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (e) {
      const busy = e instanceof Error && 'code' in e && e.code === 'EADDRINUSE';
      if (!busy || first === 0 || attempt >= MAX_PORT_RETRIES) throw e;
    }
  }
}

function text(status: number, body: string): Response {
  return { status, type: 'text/plain; charset=utf-8', body };
}

function json(body: unknown, status = 200): Response {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(body, null, 1) };
}

function route(source: UiSource, req: http.IncomingMessage): Response {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const fragment = req.headers['x-kindling-fragment'] === '1';
  if (parts[0] === 'api' && parts[1] === 'v1') return routeApi(source, parts.slice(2));
  if (url.pathname.startsWith(STATIC_PREFIX))
    return routeStatic(url.pathname.slice(STATIC_PREFIX.length), req.headers['if-none-match']);
  if (source.kind === 'live') {
    if (url.pathname === '/' || url.pathname === '') return { status: 302, location: '/jobs/' };
    return routePage(source.store, '', undefined, parts, url, fragment);
  }
  if (parts[0] === 'history' && parts[1] !== undefined) {
    const key = decodeSegment(parts[1]) ?? parts[1];
    const found = findHistoryApp(source.listing(), key);
    if (found.kind === 'notFound') return text(404, `No event log or application ${key}`);
    if (found.kind === 'ambiguous') return text(404, ambiguousApp(key, found.names));
    const base = `/history/${encodeURIComponent(found.entry.name)}`;
    if (found.kind === 'moved') {
      // The rest of the path as requested (still encoded): /history/<key>/<rest>.
      const rest = url.pathname.split('/').slice(3).join('/');
      return { status: 302, location: `${base}/${rest === '' ? 'jobs/' : rest}${url.search}` };
    }
    if (parts.length === 2) return { status: 302, location: `${base}/jobs/` };
    return routePage(found.entry.store, base, '/', parts.slice(2), url, fragment);
  }
  if (url.pathname === '/') {
    const body = applicationsPage(source.listing());
    return html200(fragment ? body.value : appListFrame(body));
  }
  return text(404, `Not found: ${url.pathname}`);
}

/** A path segment decoded, or undefined when its %-escapes are malformed (then matched as is). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function ambiguousApp(id: string, names: string[]): string {
  return `Application ${id} has ${names.length} event logs (${names.join(', ')}): name one by its file name instead`;
}

function routeStatic(name: string, ifNoneMatch: string | undefined): Response {
  const asset = getStaticAsset(name);
  switch (asset.kind) {
    case 'notFound':
      return text(404, `Not found: ${STATIC_PREFIX}${name}`);
    case 'unreadable':
      return text(500, asset.message);
    case 'asset':
      if (ifNoneMatch === asset.etag) return { status: 304, etag: asset.etag };
      return { status: 200, type: asset.type, body: asset.body, etag: asset.etag };
  }
}

function appListFrame(body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Kindling history</title>
      </head>
      <body style="font-family:system-ui,sans-serif">
        <main>${body}</main>
      </body>
    </html>`.value;
}

function html200(body: string): Response {
  return { status: 200, type: 'text/html; charset=utf-8', body };
}

function routePage(
  store: AppStatusStore,
  base: string,
  home: string | undefined,
  parts: string[],
  url: URL,
  fragment: boolean,
): Response {
  const id = Number(url.searchParams.get('id'));
  const render = (tab: Tab, title: string, body: SafeHtml, assets?: PageAssets): Response =>
    html200(
      fragment
        ? body.value
        : page(
            {
              store,
              base,
              tab,
              title,
              ...(home === undefined ? {} : { home }),
              ...(assets === undefined ? {} : { assets }),
            },
            body,
          ),
    );
  const [first, second] = parts;
  switch (first) {
    case 'jobs': {
      if (second === 'job') {
        const job = store.jobs.get(id);
        if (job === undefined) return text(404, `No job ${url.searchParams.get('id')}`);
        return render('jobs', `Job ${id}`, jobPage(store, base, job));
      }
      return render('jobs', 'Jobs', jobsPage(store, base));
    }
    case 'stages': {
      if (second === undefined) {
        const all = [...store.stages.values()].sort((a, b) => b.stageId - a.stageId);
        return render(
          'stages',
          'Stages',
          html`<h1>Stages</h1>
            ${stageTable(all, base, store.openUntil())}`,
        );
      }
      const stage = store.stages.get(id);
      if (second !== 'stage' || stage === undefined)
        return text(404, `No stage ${url.searchParams.get('id')}`);
      const sort = url.searchParams.get('sort') ?? 'index';
      const desc = url.searchParams.get('desc') === '1';
      return render(
        'stages',
        `Stage ${id}`,
        stagePage(stage, base, { sort, desc }, store.openUntil()),
      );
    }
    case 'storage':
      return render('storage', 'Storage', storagePage(store));
    case 'checkpoints':
      return render('checkpoints', 'Checkpoints', checkpointsPage(store));
    case 'workers':
      return render('workers', 'Workers', workersPage(store));
    case 'streaming':
      return render('streaming', 'Streaming', streamingPage(store), STREAMING_ASSETS);
    case 'environment':
      return render('environment', 'Environment', environmentPage(store));
    case undefined:
    default:
      return text(404, `Not found: ${url.pathname}`);
  }
}

function routeApi(source: UiSource, parts: string[]): Response {
  if (parts[0] !== 'applications') return json({ error: 'not found' }, 404);
  if (parts[1] === undefined || parts[1] === '') return json(applicationsJson(source));
  const target = apiTarget(source, decodeSegment(parts[1]) ?? parts[1]);
  if (target.kind === 'none') return json({ error: target.error }, 404);
  const result = appApi(target.store, parts.slice(2));
  return result.kind === 'ok' ? json(result.body) : json({ error: `no ${result.what}` }, 404);
}

/** The history UI lists one application a log, each with the file that names it (`eventLog`). */
function applicationsJson(source: UiSource): unknown[] {
  if (source.kind === 'live') return [applicationJson(source.store)];
  return source
    .listing()
    .entries.flatMap((e) => (e.kind === 'app' ? [applicationJson(e.store, e.name)] : []));
}

type ApiTarget = { kind: 'store'; store: AppStatusStore } | { kind: 'none'; error: string };

/** What `/api/v1/applications/<key>` names: in the history UI, as its pages' URLs do. */
function apiTarget(source: UiSource, key: string): ApiTarget {
  if (source.kind === 'live') {
    return source.store.app?.applicationId === key
      ? { kind: 'store', store: source.store }
      : { kind: 'none', error: `no application ${key}` };
  }
  const found = findHistoryApp(source.listing(), key);
  switch (found.kind) {
    case 'found':
    case 'moved':
      return { kind: 'store', store: found.entry.store };
    case 'ambiguous':
      return { kind: 'none', error: ambiguousApp(key, found.names) };
    case 'notFound':
      return { kind: 'none', error: `no event log or application ${key}` };
  }
}
