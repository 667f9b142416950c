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
 *   node bench/soak-signals.mjs [--runs 5] [--wait 1500] [--gap 400] [--modes live,ndjson,json,file,fifo]
 *
 * Modes: live (text on standard input, never-closing connections), ndjson
 * (--ndjson on standard input, a SYN flood), json (--json on standard input,
 * short connections), file (--json on a capture file of 3 M packets of short
 * connections, made once in the temporary directory), fifo (--json on a named
 * pipe fed the short connections).
 *
 * Not part of `npm test`; test/cli/signals.test.ts asserts the bound.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  file: { args: ['FILE', '--json'], feed: null },
  fifo: { args: ['FIFO', '--json'], feed: 'short' },
};
const dir = mkdtempSync(join(tmpdir(), 'soak-signals-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, 'short.pcap');
/** The capture file of the file mode: 3 M packets of short connections, ~1 s of capture. */
function captureFile() {
  if (!existsSync(FILE)) {
    execFileSync('sh', [
      '-c',
      `"${process.execPath}" "${here}gen-stream.mjs" short --packets 3000000 > "${FILE}" 2>/dev/null`,
    ]);
  }
  return FILE;
}
const modes = arg('modes', 'live,ndjson,json,file,fifo').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Has process `pid` ended (a zombie its parent has not reaped yet, or gone)? */
function zombie(pid) {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}

async function once(mode) {
  const { args: template, feed } = MODES[mode];
  const fifo = join(dir, 'fifo');
  if (mode === 'fifo') {
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', [fifo]);
  }
  const args = template.map((a) => (a === 'FILE' ? captureFile() : a === 'FIFO' ? fifo : a));
  const tt = spawn(`${here}../bin/tcptrace-ts`, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let fed = mode === 'file' ? statSync(FILE).size : 0;
  let gen = null;
  if (feed) {
    gen = spawn(process.execPath, [`${here}gen-stream.mjs`, feed], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    gen.stdout.on('data', (d) => (fed += d.length));
    const sink = mode === 'fifo' ? createWriteStream(fifo) : tt.stdin;
    sink.on('error', () => {});
    gen.stdout.pipe(sink);
  }
  tt.stdin.on('error', () => {});
  let out = 0;
  tt.stdout.on('data', (d) => (out += d.length));
  tt.stderr.resume();
  const exited = new Promise((r) =>
    tt.on('exit', (code, signal) => r({ code, signal, at: performance.now() })),
  );
  tt.on('exit', () => gen?.kill('SIGKILL'));
  await sleep(wait);
  while (fed < 4 << 20) await sleep(50);
  tt.kill('SIGTERM');
  await sleep(gap);
  // Under load this process may not have seen the exit yet: a zombie has ended.
  if (tt.exitCode !== null || tt.signalCode !== null || zombie(tt.pid)) {
    return { mode, fed, ended: 'by the first signal', ms: NaN };
  }
  const t = performance.now();
  tt.kill('SIGINT');
  const e = await exited;
  return { mode, fed, ended: e.signal ?? `exit ${e.code}`, ms: e.at - t };
}

const results = [];
for (const mode of modes) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(mode);
    results.push(r);
    ms.push(r.ms);
    console.log(
      `  ${mode.padEnd(7)} run ${i + 1}: read ${(r.fed / 2 ** 20).toFixed(0)} MB, second signal -> exit ${Number.isNaN(r.ms) ? '-' : `${r.ms.toFixed(0)} ms`} (${r.ended})`,
    );
  }
  const ok = ms.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const missed = results.filter((r) => r.mode === mode && /^exit/.test(r.ended)).length;
  if (ok.length)
    console.log(
      `${mode}: median ${ok[ok.length >> 1].toFixed(0)} ms, max ${ok.at(-1).toFixed(0)} ms over ${ok.length} runs` +
        `, over 1 s: ${ok.filter((x) => x > 1000).length}, not killed by the second signal: ${missed}`,
    );
}
