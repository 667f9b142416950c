#!/usr/bin/env node
/**
 * `npm run soak`: tcptrace-ts on the three endless streams of issue 24
 * (bench/gen-stream.mjs: short connections, never-closing connections, a SYN
 * flood) at default settings, reading standard input as in live use. Prints
 * the resident memory over time and packets a second, then how long the
 * end-of-stream report took after the input ended, and the peak RSS.
 *
 *   node bench/soak.mjs [--packets 8000000] [--streams short,open,synflood] [--format text|json|ndjson] [-- extra tcptrace-ts options]
 *
 * Not part of `npm test`: it runs for minutes. Budgets (issue 24): peak RSS
 * under 300 MB and the end-of-stream report under 2 s after 8 M packets.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const own = dash >= 0 ? argv.slice(0, dash) : argv;
function arg(name, def) {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1] : def;
}
const packets = Number(arg('packets', 8_000_000));
const streams = arg('streams', 'short,open,synflood').split(',');
const format = arg('format', 'text');
const RSS_BUDGET = 300;
const END_BUDGET = 2;

function status(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

async function soak(kind) {
  const gen = spawn(process.execPath, [`${here}gen-stream.mjs`, kind, '--packets', String(packets)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const fmt = format === 'text' ? [] : [`--${format}`];
  const tt = spawn(`${here}../bin/tcptrace-ts`, ['-', ...fmt, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  gen.stdout.pipe(tt.stdin);
  tt.stdin.on('error', () => {});
  let outBytes = 0;
  tt.stdout.on('data', (d) => (outBytes += d.length));
  let err = '';
  tt.stderr.on('data', (d) => (err += d.toString()));
  const t0 = performance.now();
  let fed = 0;
  let lastT = t0;
  let lastFed = 0;
  let peak = 0;
  let inputEnd = 0;
  const rows = [];
  gen.stderr.on('data', (d) => {
    for (const m of d.toString().matchAll(/packets (\d+)/g)) fed = Number(m[1]);
  });
  gen.on('exit', () => {
    fed = packets;
    inputEnd = performance.now();
  });
  const timer = setInterval(() => {
    const s = status(tt.pid);
    if (!s) return;
    peak = Math.max(peak, s.hwm);
    const now = performance.now();
    const rate = ((fed - lastFed) / (now - lastT)) * 1000;
    lastT = now;
    lastFed = fed;
    const line = `  ${kind.padEnd(8)} t=${((now - t0) / 1000).toFixed(0).padStart(4)} s  packets ${String(fed).padStart(9)}  ${Math.round(rate).toString().padStart(8)} pkt/s  RSS ${s.rss.toFixed(0).padStart(5)} MB`;
    rows.push(line);
    process.stdout.write(`${line}\n`);
  }, 2000);
  const code = await new Promise((resolve) => tt.on('exit', (c, sig) => resolve(c ?? sig)));
  clearInterval(timer);
  const end = performance.now();
  const endTook = inputEnd > 0 ? (end - inputEnd) / 1000 : NaN;
  const total = (end - t0) / 1000;
  const res = {
    kind,
    packets,
    exit: code,
    seconds: total,
    pps: packets / ((inputEnd - t0) / 1000),
    endReport: endTook,
    peakRss: peak,
    output: outBytes,
  };
  process.stdout.write(
    `${kind}: ${packets} packets in ${((inputEnd - t0) / 1000).toFixed(1)} s (${Math.round(res.pps)} pkt/s), ` +
      `end-of-stream report ${endTook.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB, exit ${code}, ` +
      `${(outBytes / 1e6).toFixed(1)} MB of output` +
      `${peak > RSS_BUDGET ? `  OVER ${RSS_BUDGET} MB` : ''}${endTook > END_BUDGET ? `  OVER ${END_BUDGET} s` : ''}\n`,
  );
  if (code !== 0) process.stdout.write(`  stderr: ${err.split('\n').slice(0, 3).join(' | ')}\n`);
  return res;
}

const results = [];
for (const k of streams) results.push(await soak(k));
const bad = results.filter((r) => r.peakRss > RSS_BUDGET || r.endReport > END_BUDGET || r.exit !== 0);
process.stdout.write(
  bad.length === 0 ? 'soak: within budget\n' : `soak: ${bad.length} stream(s) over budget\n`,
);
process.exitCode = bad.length === 0 ? 0 : 1;
