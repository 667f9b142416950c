/**
 * The HTML report: one self-contained file (no network, no external assets).
 * Its script and styles (page.ts and uPlot, built by scripts/bundle.mjs into
 * dist/html/) and the report's data (data.ts, as JSON) are inlined.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esc } from './types.js';
import type { PageData } from './data.js';

/** dist/html beside the bundled CLI (dist/tcptrace-ts.js), the compiled module (dist/report/html/), or the sources (tests). */
const ASSET_DIRS = ['./html/', '../../html/', '../../../dist/html/'];

function assetDir(): string {
  for (const rel of ASSET_DIRS) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}page.js`)) return dir;
  }
  throw new Error('the HTML report assets are missing (dist/html/page.js): run npm run build');
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderHtml(data: PageData): string {
  const dir = assetDir();
  const js = readFileSync(`${dir}page.js`, 'utf8').replace(/<\/script/gi, '<\\/script');
  const css = readFileSync(`${dir}page.css`, 'utf8');
  const files = data.capture.files.join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tcptrace-ts">
<title>tcptrace-ts: ${esc(files)}</title>
<style>${css}</style>
</head>
<body>
<header><h1 id="title">TCP report</h1><div class="sub">tcptrace-ts, generated ${esc(data.generated)}. Both endpoints' TCP states, worked out from the capture.</div></header>
<main>
<section id="summary"><h2>Summary</h2><div class="cards" id="cards"></div>
<div class="row2"><div id="quality"></div><div id="endstates"></div></div></section>
<section id="anomalies"></section>
<section id="timeline"><h2>States over time</h2><p class="muted small" id="timeline-note"></p><div id="timeline-charts"></div><h3>Busiest hosts</h3><div id="timeline-hosts"></div></section>
<section id="connections"><h2>Connections</h2><p class="muted small" id="drawn-note"></p><div class="filters" id="filters"></div>
<div class="tablewrap"><table id="conn-table"></table></div><div id="pager"></div></section>
<section id="detail"></section>
</main>
<script type="application/json" id="tcptrace-data">${scriptJson(data)}</script>
<script>${js}</script>
</body>
</html>
`;
}
