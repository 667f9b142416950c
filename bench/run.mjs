#!/usr/bin/env node
/**
 * `npm run bench`: tcptrace-ts against tcptrace and tshark on the benchmark
 * capture (bench/make-capture.sh), whole process each, alternating runs,
 * medians of wall time, packets/s, CPU time and peak RSS; then the headers-only
 * variant, startup time on a tiny capture, and the flat-memory check on a
 * 10 M-packet stream (bench/stream.mjs piped into `tcptrace-ts --json -`).
 *
 *   npm run bench [-- --runs 5 (0: only the stream check)] [--tshark-runs 3] [--skip-stream] [--only ts]
 *                 [--stages] [--stream-packets 10000000] [--capture bench/out/bench.pcap]
 *                 [--runs-10m 3] [--skip-10m] [--capture-10m bench/out/bench-10m.pcap]
 *
 * --stages adds, on the full capture, the engine cut off after each stage
 * (bench/stage.mjs: read, decode, tracker, zeek, engine), cold processes like
 * the rest: where the time of a run goes, against the budget that 1.5x
 * tcptrace's throughput leaves.
 *
 * Then the 10 M-packet capture of issue 22 (ten copies of the 1 M capture, each
 * shifted 70 s, appended: bench/make-big.mjs, made on demand from the 1 M one
 * and reused; never committed), tcptrace-ts and tcptrace alternately
 * (--runs-10m, default 3; --skip-10m to leave it out).
 *
 * Peak RSS comes from /usr/bin/time -f %M (Debian package `time`); without
 * it, from VmHWM in /proc/<pid>/status, sampled until the process exits.
 * Not part of `npm test`: the capture is ~1 GB and made on demand.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBig } from './make-big.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const out = join(here, 'out');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

const RUNS = Number(arg('runs', 5));
const TSHARK_RUNS = Number(arg('tshark-runs', 3));
const STREAM_PACKETS = Number(arg('stream-packets', 10_000_000));
const STREAM_MAX_CONNECTIONS = Number(arg('stream-max-connections', 20_000));
const CAPTURE = String(arg('capture', join(out, 'bench.pcap')));
const CAPTURE_S96 = String(arg('capture-s96', join(out, 'bench-s96.pcap')));
const CAPTURE_10M = String(arg('capture-10m', join(out, 'bench-10m.pcap')));
const RUNS_10M = Number(arg('runs-10m', 3));
const ONLY = arg('only', '');
const STAGES = Boolean(arg('stages', false));
const TINY = join(root, 'fixtures', 'normal-close-client.pcap');
const BIN = join(root, 'bin', 'tcptrace-ts');

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const scratch = mkdtempSync(join(tmpdir(), 'tcptrace-ts-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** Peak resident set of a running process, KiB, from /proc (0 once it is gone). */
function vm(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs `cmd args` with stdout to /dev/null (or `stdin` piped in from another
 * process); returns { wall, cpu, rss } in seconds and MB. Wall time is taken
 * here (spawn to exit); CPU and peak RSS from /usr/bin/time, else from /proc.
 */
function measure(cmd, args, { stdinFrom = null } = {}) {
  return new Promise((resolve, reject) => {
    const timeFile = join(scratch, 'time.txt');
    const full = TIME ? [TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const devnull = openSync('/dev/null', 'w');
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full[1], {
      stdio: [stdinFrom ? 'pipe' : 'ignore', devnull, 'pipe'],
      cwd: root,
    });
    if (stdinFrom) stdinFrom.stdout.pipe(child.stdin);
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    let hwm = 0;
    const poll = TIME
      ? null
      : setInterval(() => {
          hwm = Math.max(hwm, vm(child.pid, 'VmHWM'));
        }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poll) clearInterval(poll);
      if (TIME) {
        const [, u, s, m] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        resolve({ wall, cpu: u + s, rss: m / 1024, code, err });
      } else {
        resolve({ wall, cpu: Number.NaN, rss: hwm / 1024, code, err });
      }
    });
  });
}

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Packets in a (little-endian) pcap file: its records, counted by walking the record headers. */
function countPackets(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  let base = 0;
  let len = 0;
  let pos = 24;
  let n = 0;
  for (;;) {
    if (pos + 16 > base + len) {
      base = pos;
      len = readSync(fd, buf, 0, buf.length, pos);
      if (len < 16) break;
    }
    pos += 16 + buf.readUInt32LE(pos - base + 8);
    n++;
  }
  closeSync(fd);
  return n;
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const fmtRate = (x) => (Number.isFinite(x) ? `${(x / 1e6).toFixed(2)} M/s` : '-');

function table(rows, cols) {
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(line(cols));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

/** Alternating runs of each tool over one capture; prints the table of medians. */
async function compare(title, capture, tools, runs = RUNS) {
  const packets = countPackets(capture);
  const size = statSync(capture).size;
  console.log(
    `\n## ${title}: ${relative(root, capture)}, ${packets.toLocaleString('en')} packets, ${(size / 1e6).toFixed(0)} MB\n`,
  );
  const results = new Map(tools.map((t) => [t.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const t of tools) {
      if (i >= (t.runs ?? runs)) continue;
      const r = await measure(t.cmd, t.args(capture));
      if (r.code !== 0 && !(t.okCodes ?? [0]).includes(r.code)) {
        throw new Error(`${t.name} exited ${r.code}: ${r.err.slice(0, 500)}`);
      }
      results.get(t.name).push(r);
      process.stderr.write(`  run ${i + 1} ${t.name}: ${fmt(r.wall)} s, ${fmt(r.rss, 0)} MB\n`);
    }
  }
  const ts = median(results.get('tcptrace-ts').map((r) => r.wall));
  const rows = tools
    .filter((t) => results.get(t.name).length > 0)
    .map((t) => {
      const rs = results.get(t.name);
      const wall = median(rs.map((r) => r.wall));
      return {
        tool: t.label,
        runs: rs.length,
        'median s': fmt(wall),
        'min s': fmt(Math.min(...rs.map((r) => r.wall))),
        'packets/s': fmtRate(packets / wall),
        'CPU s': fmt(median(rs.map((r) => r.cpu))),
        'peak RSS MB': fmt(median(rs.map((r) => r.rss)), 0),
        'tcptrace-ts speed-up':
          t.name === 'tcptrace-ts'
            ? '1.00x'
            : t.name.startsWith('stage-')
              ? `(${fmt((wall / ts) * 100, 0)}% of its time)`
              : `${fmt(wall / ts)}x`,
      };
    });
  table(rows, Object.keys(rows[0]));
  const tcptrace = results.get('tcptrace') ?? [];
  if (tcptrace.length > 0) {
    // Medians of the pairwise ratios (run i of each tool ran back to back).
    const mine = results.get('tcptrace-ts');
    const pair = (f) => median(tcptrace.map((r, i) => (mine[i] ? f(r, mine[i]) : Number.NaN)));
    console.log(
      `\ntcptrace-ts against tcptrace (medians of pairwise ratios): ${fmt(pair((t, m) => t.wall / m.wall))}x its speed, ${fmt(pair((t, m) => m.cpu / t.cpu))}x its CPU time, ${fmt(pair((t, m) => m.rss / t.rss))}x its peak RSS`,
    );
    const budget = median(tcptrace.map((r) => r.wall)) / 1.5;
    console.log(`\n1.5x tcptrace's throughput: at most ${fmt(budget)} s (2x: ${fmt(budget * 0.75)} s).`);
  }
  return { packets, results };
}

function ensureCapture() {
  if (existsSync(CAPTURE) && existsSync(CAPTURE_S96)) return;
  const script = relative(root, join(here, 'make-capture.sh'));
  if (process.getuid?.() !== 0) {
    console.error(`The benchmark capture is missing (${relative(root, CAPTURE)}). Make it once, as root:\n`);
    console.error(`  sudo ${script}\n`);
    console.error('It needs iproute2, ethtool, tcpdump and editcap, and takes about half a minute.');
    process.exit(2);
  }
  console.error(`building the benchmark capture: ${script}`);
  execFileSync(join(here, 'make-capture.sh'), [], { stdio: 'inherit' });
}

function ensureBuild() {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    console.error('building tcptrace-ts: npm run build');
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root });
  }
}

/** Startup: the whole process on a tiny capture. */
async function startup() {
  const n = Math.max(RUNS * 2, 10);
  const rs = [];
  for (let i = 0; i < n; i++) rs.push(await measure(BIN, [TINY]));
  const bare = [];
  for (let i = 0; i < n; i++) bare.push(await measure(process.execPath, ['-e', '0']));
  console.log(`\n## Startup: ${relative(root, TINY)}, whole process, median of ${n}\n`);
  table(
    [
      {
        what: 'tcptrace-ts (text report)',
        'median ms': fmt(median(rs.map((r) => r.wall)) * 1000, 0),
        'peak RSS MB': fmt(median(rs.map((r) => r.rss)), 0),
      },
      {
        what: 'node -e 0 (the floor)',
        'median ms': fmt(median(bare.map((r) => r.wall)) * 1000, 0),
        'peak RSS MB': fmt(median(bare.map((r) => r.rss)), 0),
      },
    ],
    ['what', 'median ms', 'peak RSS MB'],
  );
}

/**
 * The flat-memory check: a long stream on stdin, RSS of tcptrace-ts sampled
 * from /proc as the generator reports its progress.
 */
async function stream() {
  console.log(
    `\n## Memory on a ${(STREAM_PACKETS / 1e6).toFixed(0)} M-packet stream (bench/stream.mjs | tcptrace-ts --json --max-connections ${STREAM_MAX_CONNECTIONS} -)\n`,
  );
  return new Promise((resolve, reject) => {
    const gen = spawn(
      process.execPath,
      [join(here, 'stream.mjs'), '--packets', String(STREAM_PACKETS), '--from', CAPTURE_S96],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const devnull = openSync('/dev/null', 'w');
    const t0 = process.hrtime.bigint();
    const ts = spawn(BIN, ['--json', '--max-connections', String(STREAM_MAX_CONNECTIONS), '-'], {
      stdio: ['pipe', devnull, 'pipe'],
      cwd: root,
    });
    gen.stdout.pipe(ts.stdin);
    ts.stdin.on('error', () => {});
    let err = '';
    ts.stderr.on('data', (d) => {
      err += d;
    });
    const marks = [];
    let rss = 0;
    let peak = 0;
    const poll = setInterval(() => {
      rss = vm(ts.pid, 'VmRSS') || rss;
      peak = Math.max(peak, vm(ts.pid, 'VmHWM'));
    }, 50);
    let line = '';
    gen.stderr.on('data', (d) => {
      line += d;
      let nl = line.indexOf('\n');
      while (nl >= 0) {
        const m = line.slice(0, nl).match(/^packets (\d+)/);
        if (m)
          marks.push({
            packets: Number(m[1]),
            rss: vm(ts.pid, 'VmRSS') / 1024 || rss / 1024,
            peak: vm(ts.pid, 'VmHWM') / 1024,
          });
        line = line.slice(nl + 1);
        nl = line.indexOf('\n');
      }
    });
    ts.on('error', reject);
    ts.on('exit', (code) => {
      clearInterval(poll);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new Error(`tcptrace-ts exited ${code} on the stream: ${err.slice(0, 500)}`));
        return;
      }
      table(
        marks.map((m) => ({
          packets: `${(m.packets / 1e6).toFixed(0)} M`,
          'RSS MB': fmt(m.rss, 0),
          'peak RSS so far MB': fmt(m.peak, 0),
        })),
        ['packets', 'RSS MB', 'peak RSS so far MB'],
      );
      const at = (n) => marks.find((m) => m.packets >= n);
      const at2 = at(2_000_000);
      const settled = at(Math.floor(STREAM_PACKETS * 0.6));
      const atEnd = marks.at(-1);
      const peakMb = peak / 1024;
      console.log(
        `\n${fmt(STREAM_PACKETS / wall / 1e6)} M packets/s through the pipe; peak RSS ${fmt(peakMb, 0)} MB over the whole run (including the final report).`,
      );
      if (at2 && settled && atEnd) {
        // The first replays fill the tables and let V8 grow its heap; flat means the last 40% of the stream adds nothing.
        const flat = atEnd.peak <= settled.peak * 1.05;
        console.log(
          `peak RSS at 2 M ${fmt(at2.peak, 0)} MB, at ${(settled.packets / 1e6).toFixed(0)} M ${fmt(settled.peak, 0)} MB, at ${(atEnd.packets / 1e6).toFixed(0)} M ${fmt(atEnd.peak, 0)} MB: ${flat ? 'flat over the last 40%' : 'STILL GROWING over the last 40%'}`,
        );
      }
      resolve();
    });
  });
}

async function main() {
  ensureCapture();
  ensureBuild();
  const tcptrace = which('tcptrace');
  const tshark = which('tshark');
  console.log(`# tcptrace-ts benchmark, ${new Date().toISOString().slice(0, 10)}`);
  console.log(
    `node ${process.version}, ${(await import('node:os')).cpus().length} cores; ${RUNS} alternating runs each (tshark ${Math.min(TSHARK_RUNS, RUNS)}); peak RSS ${TIME ? 'from /usr/bin/time' : 'from /proc VmHWM'}`,
  );
  const ts = {
    name: 'tcptrace-ts',
    label: 'tcptrace-ts --json',
    // The installed command as users run it (its #! line passes node's flags).
    cmd: BIN,
    args: (c) => ['--json', c],
  };
  const tools = [ts];
  if (ONLY !== 'ts') {
    if (tcptrace)
      tools.push({ name: 'tcptrace', label: 'tcptrace -b -n', cmd: tcptrace, args: (c) => ['-b', '-n', c] });
    else console.log('(tcptrace not installed: apt-get install tcptrace)');
    if (tshark) {
      tools.push({
        name: 'tshark',
        label: 'tshark -q -z conv,tcp',
        cmd: tshark,
        args: (c) => ['-q', '-z', 'conv,tcp', '-r', c],
        runs: TSHARK_RUNS,
      });
    } else console.log('(tshark not installed: apt-get install tshark)');
    tools.push({
      name: 'floor',
      label: 'JS floor (bench/floor.mjs)',
      cmd: process.execPath,
      args: (c) => [join(here, 'floor.mjs'), c],
    });
  }
  // The engine cut off after each stage (bench/stage.mjs), on the full capture only.
  const stages = ['read', 'decode', 'tracker', 'zeek', 'engine'].map((st) => ({
    name: `stage-${st}`,
    label: `  stage ${st}`,
    cmd: process.execPath,
    args: (c) => ['--max-semi-space-size=4', join(here, 'stage.mjs'), st, c],
  }));
  if (RUNS > 0) {
    await compare('Full capture', CAPTURE, STAGES ? [ts, ...stages, ...tools.slice(1)] : tools);
    await compare('Headers only (-s 96)', CAPTURE_S96, tools);
    await startup();
  }
  if (RUNS_10M > 0 && !arg('skip-10m', false)) {
    if (!existsSync(CAPTURE_10M)) {
      console.error(
        `making the 10 M-packet capture: node bench/make-big.mjs (${relative(root, CAPTURE_10M)}, ~9 GB)`,
      );
      makeBig(CAPTURE, CAPTURE_10M, 10, 70);
    }
    const big = tools.filter((t) => t.name !== 'tshark');
    await compare(
      '10 M packets (ten copies of the full capture, each shifted 70 s)',
      CAPTURE_10M,
      big,
      RUNS_10M,
    );
  }
  if (!arg('skip-stream', false)) await stream();
}

await main();
