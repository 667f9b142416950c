#!/usr/bin/env node
/**
 * How long a second SIGINT takes to end tcptrace-ts, in each live mode under
 * load (issue 24: "a second ends at once, within 1 s under load"). For each
 * mode: start it on an endless bench/gen-stream.mjs stream, let it read for
 * --wait ms, send SIGTERM, then SIGINT --gap ms later (400: after the first signal's 200 ms grace),
 * and time the exit.
 * Also the first signal's latency (SIGTERM to the report being out, when the
 * run is not ended by the second signal).
 *
 *   node bench/soak-signals.mjs [--runs 5] [--wait 1500] [--gap 150] [--modes live,ndjson,json]
 *
 * Not part of `npm test`; test/cli/signals.test.ts asserts the bound.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const runs = Number(arg('runs', 5));
const wait = Number(arg('wait', 1500));
const gap = Number(arg('gap', 400));
const MODES = {
  live: { args: ['-'], feed: 'open' },
  ndjson: { args: ['-', '--ndjson'], feed: 'synflood' },
  json: { args: ['-', '--json'], feed: 'short' },
};
const modes = arg('modes', 'live,ndjson,json').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once(mode) {
  const { args, feed } = MODES[mode];
  const tt = spawn(`${here}../bin/tcptrace-ts`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const gen = spawn(process.execPath, [`${here}gen-stream.mjs`, feed], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let fed = 0;
  gen.stdout.on('data', (d) => (fed += d.length));
  gen.stdout.pipe(tt.stdin);
  tt.stdin.on('error', () => {});
  let out = 0;
  tt.stdout.on('data', (d) => (out += d.length));
  tt.stderr.resume();
  const exited = new Promise((r) =>
    tt.on('exit', (code, signal) => r({ code, signal, at: performance.now() })),
  );
  tt.on('exit', () => gen.kill('SIGKILL'));
  await sleep(wait);
  while (fed < 4 << 20) await sleep(50);
  tt.kill('SIGTERM');
  await sleep(gap);
  if (tt.exitCode !== null || tt.signalCode !== null) {
    return { mode, fed, ended: 'by the first signal', ms: NaN };
  }
  const t = performance.now();
  tt.kill('SIGINT');
  const e = await exited;
  return { mode, fed, ended: e.signal ?? `exit ${e.code}`, ms: e.at - t };
}

for (const mode of modes) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(mode);
    ms.push(r.ms);
    console.log(
      `  ${mode.padEnd(7)} run ${i + 1}: read ${(r.fed / 2 ** 20).toFixed(0)} MB, second signal -> exit ${Number.isNaN(r.ms) ? '-' : `${r.ms.toFixed(0)} ms`} (${r.ended})`,
    );
  }
  const ok = ms.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (ok.length)
    console.log(
      `${mode}: median ${ok[ok.length >> 1].toFixed(0)} ms, max ${ok.at(-1).toFixed(0)} ms over ${ok.length} runs`,
    );
}
