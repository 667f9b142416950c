#!/usr/bin/env node
/**
 * Bundles the CLI (dist/cli/main.js, compiled by tsc, with its dependencies)
 * into one module, dist/tcptrace-ts.js, which bin/tcptrace-ts loads. Loading
 * one file instead of ~70 ESM modules cuts startup by about a quarter
 * (README, "Performance"). The library entry (dist/index.js) stays unbundled.
 * It also builds the HTML report's page script and styles (dist/html/, below).
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/tcptrace-ts.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // commander and cli-table3 are CommonJS and require() Node's modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});

// The HTML report's script (src/report/html/page.ts, compiled by tsc) with uPlot,
// for the browser, and its styles with uPlot's: write.ts inlines both into the page.
await build({
  entryPoints: ['dist/report/html/page.js'],
  outfile: 'dist/html/page.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'inline',
  logLevel: 'warning',
});
const { readFileSync, writeFileSync } = await import('node:fs');
const { createRequire } = await import('node:module');
const uplotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
writeFileSync(
  'dist/html/page.css',
  `${readFileSync('src/report/html/page.css', 'utf8')}\n${readFileSync(uplotCss, 'utf8')}\n`,
);
