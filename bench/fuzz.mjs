#!/usr/bin/env node
/**
 * Mutation fuzzing of the whole analysis: `npm run fuzz [-- options]`.
 *
 * Seeds are fixtures/*.pcap and the corpus captures (and tcpdump text outputs)
 * in test/corpus; each case is a mutant (test/helpers/mutate.mjs: bit
 * flips, length fields lied about, cuts, records or blocks duplicated, dropped
 * and reordered, splices, gzip) analysed in memory by the built library
 * (dist/analyze.js `analyze()` on an async iterable of chunks of a random
 * size) in a worker thread with a time limit; every --cli-every cases the
 * mutant also goes through the real binary (`bin/tcptrace-ts --json`, and the
 * text report).
 *
 * A finding is anything but "analysed, report valid" or "refused with a
 * CaptureError": another exception, no result within --timeout (10 s), a
 * report breaking an invariant (test/helpers/check-report.mjs), invalid JSON
 * from --json, a stack trace or more than one line for an exit 2, control
 * characters on the terminal. Each new finding (deduplicated by its first line)
 * is saved as test/regressions/NAME.pcap with NAME.md saying what was done and
 * what happened; test/regressions/regressions.test.ts replays every saved
 * file. Exit code 1 when something was found.
 *
 * Options: --duration SECONDS (180)  --seed N (random)  --timeout MS (10000)
 *          --cli-every N (40)  --out DIR (test/regressions)  --no-corpus
 *          --max-seed-bytes N (400000)  --cases N (no limit)
 *          --ci: the bounded run CI does (.ci/run, `npm run fuzz:ci`): seed
 *          20261207, 3,000 cases or 50 s whichever comes first, the CLI every
 *          20th case, seeds under 60 KB, findings written to a temporary directory (not
 *          test/regressions), exit 1 on any. Seeds: the fixtures as pcap, as
 *          pcapng and gzip-compressed, the corpus (pcap, pcapng, gzip, tcpdump text).
 * Needs a build: npm run build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkReport } from '../test/helpers/check-report.mjs';
import { CORPUS } from '../test/helpers/corpus.mjs';
import { Isolated } from '../test/helpers/isolated.mjs';
import { CHUNK_SIZES, mutate, randomSettings, rng, settingsArgs } from '../test/helpers/mutate.mjs';

const ROOT = join(import.meta.dirname, '..');

function parseArgs(argv) {
  const o = {
    duration: 180,
    seed: Math.floor(Math.random() * 2 ** 31),
    timeout: 10_000,
    cliEvery: 40,
    out: join(ROOT, 'test/regressions'),
    corpus: true,
    maxSeedBytes: 400_000,
    cases: Infinity,
    ci: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--duration') o.duration = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '--cli-every') o.cliEvery = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--no-corpus') o.corpus = false;
    else if (a === '--max-seed-bytes') o.maxSeedBytes = Number(v());
    else if (a === '--cases') o.cases = Number(v());
    else if (a === '--ci') {
      Object.assign(o, {
        ci: true,
        seed: 20261207,
        cases: 3000,
        duration: 50,
        cliEvery: 20,
        maxSeedBytes: 60_000,
      });
      o.out = join(tmpdir(), `tcptrace-fuzz-ci-${process.pid}`);
    } else if (a === '--help' || a === '-h') {
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['duration', 'seed', 'timeout', 'cliEvery', 'maxSeedBytes']) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new Error(`--${k}: expected a number`);
  }
  return o;
}

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** tcpdump's text output styles the text reader knows (SPEC.md: -n with or without -S, -tttt, -v). */
const TEXT_STYLES = [['-n'], ['-nS'], ['-n', '-tttt'], ['-nv'], ['-n', '-#'], ['-n', '-tt'], ['-nS', '-ttt']];

/** Seeds of tcpdump text: the corpus's expected outputs, and the fixtures printed by tcpdump (when installed). */
function textSeeds(o, pcaps) {
  const out = [];
  if (o.corpus && existsSync(CORPUS)) {
    for (const p of walk(join(CORPUS, 'tcpdump')))
      if (p.endsWith('.out')) out.push({ path: p, bytes: new Uint8Array(readFileSync(p)) });
  }
  if (spawnSync('tcpdump', ['--version']).status !== 0) return out;
  const small = pcaps.filter((p) => p.path.includes('/fixtures/') && p.bytes.length < 60_000);
  for (const [i, p] of small.entries()) {
    const style = TEXT_STYLES[i % TEXT_STYLES.length];
    const r = spawnSync('tcpdump', [...style, '-r', p.path], { maxBuffer: 1 << 26 });
    if (r.status !== 0 || r.stdout.length === 0) continue;
    // Some with tcpdump's banner merged in (2>&1), as people save it.
    const bytes = i % 2 === 0 ? Buffer.concat([r.stderr, r.stdout]) : r.stdout;
    out.push({ path: `${p.path} (tcpdump ${style.join(' ')})`, bytes: new Uint8Array(bytes) });
  }
  return out;
}

/** The seeds: fixtures, then corpus captures and tcpdump text, each under the size limit. */
function seeds(o) {
  const files = readdirSync(join(ROOT, 'fixtures'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(ROOT, 'fixtures', f));
  if (o.corpus && existsSync(CORPUS)) {
    for (const p of walk(CORPUS)) if (/\.(pcap|pcapng|cap|pcap\.gz)$/.test(p)) files.push(p);
  }
  const pcaps = files
    .filter((p) => statSync(p).size > 0 && statSync(p).size <= o.maxSeedBytes)
    .sort()
    .map((p) => ({ path: p, bytes: new Uint8Array(readFileSync(p)) }));
  // Each fixture also as pcapng and gzip-compressed: every reader gets mutants of its own format.
  const fixtures = pcaps.filter((p) => p.path.includes('/fixtures/') && p.bytes.length < 120_000);
  const derived = fixtures.flatMap((p) => [
    { path: `${p.path} (pcapng)`, bytes: toPcapng(p.bytes) },
    { path: `${p.path} (gzip)`, bytes: new Uint8Array(gzipSync(p.bytes)) },
  ]);
  return [...pcaps, ...derived, ...textSeeds(o, pcaps).filter((t) => t.bytes.length <= o.maxSeedBytes)];
}

/** A little-endian microsecond pcap as pcapng: a section header, one interface, an enhanced packet block a record. */
function toPcapng(pcap) {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const linkType = dv.getUint32(20, true);
  const blocks = [];
  const block = (type, body) => {
    const len = 12 + Math.ceil(body.length / 4) * 4;
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, len, true);
    b.set(body, 8);
    v.setUint32(len - 4, len, true);
    blocks.push(b);
  };
  const shb = new Uint8Array(16);
  new DataView(shb.buffer).setUint32(0, 0x1a2b3c4d, true);
  new DataView(shb.buffer).setUint16(4, 1, true);
  new DataView(shb.buffer).setBigInt64(8, -1n, true);
  block(0x0a0d0d0a, shb);
  const idb = new Uint8Array(8);
  new DataView(idb.buffer).setUint16(0, linkType, true);
  new DataView(idb.buffer).setUint32(4, 262144, true);
  block(1, idb);
  for (let o = 24; o + 16 <= pcap.length;) {
    const cap = dv.getUint32(o + 8, true);
    if (o + 16 + cap > pcap.length) break;
    const us = BigInt(dv.getUint32(o, true)) * 1_000_000n + BigInt(dv.getUint32(o + 4, true));
    const body = new Uint8Array(20 + cap);
    const v = new DataView(body.buffer);
    v.setUint32(4, Number(us >> 32n), true);
    v.setUint32(8, Number(us & 0xffffffffn), true);
    v.setUint32(12, cap, true);
    v.setUint32(16, dv.getUint32(o + 12, true), true);
    body.set(pcap.subarray(o + 16, o + 16 + cap), 20);
    block(6, body);
    o += 16 + cap;
  }
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Control characters other than newline and tab: none may reach the terminal. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** The other outputs, one of which is checked beside --json on each CLI case. */
const OTHER_OUTPUTS = [
  ['--all'],
  ['--csv'],
  ['--ndjson'],
  ['--format', 'github', '--fail-on', 'info'],
  ['ladder', '--conn', '1'],
];

/** The binary on a mutant file: problems found (empty when it behaved). */
function cliCheck(bin, file, timeoutMs, other, extra) {
  const problems = [];
  const env = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.GITHUB_ACTIONS;
  const runs = [
    ['--json', file, ...extra],
    other[0] === 'ladder' ? ['ladder', file, ...other.slice(1), ...extra] : [file, ...other, ...extra],
  ];
  for (const args of runs) {
    const r = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      env,
      maxBuffer: 1 << 28,
    });
    const what = `tcptrace-ts ${args.filter((x) => x !== file).join(' ')}`;
    if (r.error || r.signal) {
      const why =
        r.error?.code === 'ETIMEDOUT' || r.signal ? `no exit within ${timeoutMs} ms` : r.error.message;
      problems.push(`${what}: ${why}`);
      continue;
    }
    if (![0, 1, 2].includes(r.status)) problems.push(`${what}: exit ${r.status}`);
    const internal = r.stderr
      .split('\n')
      .find((l) => l.includes('internal error') || l.startsWith('    at '));
    if (internal !== undefined) problems.push(`${what}: ${internal}`);
    if (CONTROL.test(r.stderr)) problems.push(`${what}: control characters on stderr`);
    if (CONTROL.test(r.stdout)) problems.push(`${what}: control characters on stdout`);
    if (r.status === 2) {
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      // Two verdicts come after a written report, as its last line on stderr:
      // --strict on a damaged capture, and a gate over an input with no TCP.
      const last = lines.at(-1) ?? '';
      const verdict =
        last === 'tcptrace-ts: --strict: the capture is truncated or damaged' ||
        /^tcptrace-ts: .*: no TCP segment in the input: the gate has nothing to judge$/.test(last);
      if (lines.length !== 1 && !verdict)
        problems.push(`${what}: exit 2 with ${lines.length} lines on stderr`);
      if (r.stdout !== '' && !verdict) problems.push(`${what}: exit 2 but output on stdout`);
    } else if (args[0] === '--json') {
      try {
        for (const p of checkReport(JSON.parse(r.stdout))) problems.push(`${what}: ${p}`);
      } catch (e) {
        problems.push(`${what}: invalid JSON: ${e.message}`);
      }
    } else if (args.includes('--ndjson')) {
      for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
        try {
          JSON.parse(line);
        } catch (e) {
          problems.push(`${what}: invalid JSON line: ${e.message}`);
          break;
        }
      }
    }
  }
  return problems;
}

/** The first line of what went wrong, with numbers masked: findings that differ only in figures are one. */
function signature(kind, text) {
  const first = String(text ?? '').split('\n')[0] ?? '';
  return `${kind}: ${first.replace(/\d+/g, 'N').slice(0, 160)}`;
}

/**
 * A private copy of the build (dist/, bin/, package.json; node_modules linked):
 * others rebuilding dist/ in the same checkout during a run must not show up
 * as findings (a half-written module fails to import).
 */
function snapshot(tmp) {
  const snap = join(tmp, 'build');
  mkdirSync(snap, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(snap, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(snap, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(snap, 'node_modules'));
  return snap;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist/analyze.js'))) {
    console.error('fuzz: run `npm run build` first (the fuzzer runs dist/)');
    process.exit(2);
  }
  const all = seeds(o);
  const r = rng(o.seed);
  const tmp = join(tmpdir(), `tcptrace-fuzz-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const snap = snapshot(tmp);
  const bin = join(snap, 'bin/tcptrace-ts');
  const iso = new Isolated({ dist: join(snap, 'dist') });
  mkdirSync(o.out, { recursive: true });
  const known = new Set();
  // Findings already saved (earlier runs): same signature, not saved again.
  for (const f of readdirSync(o.out)) {
    if (!f.endsWith('.md')) continue;
    const m = /^signature: (.*)$/m.exec(readFileSync(join(o.out, f), 'utf8'));
    if (m) known.add(m[1]);
  }
  const counts = { ok: 0, 'capture-error': 0, invalid: 0, crash: 0, timeout: 0, cli: 0, 'cli-problem': 0 };
  const found = [];
  const started = Date.now();
  const deadline = started + o.duration * 1000;
  let n = 0;
  let slowest = { ms: 0, what: '' };
  console.log(
    `fuzz: seed ${o.seed}, ${all.length} seed captures, ${o.duration} s, timeout ${o.timeout} ms, CLI every ${o.cliEvery} cases`,
  );

  const save = (kind, detail, bytes, seed, ops, chunk, settings) => {
    const sig = signature(kind, detail);
    if (known.has(sig)) return;
    known.add(sig);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
    const name = `${kind}-${hash}`;
    writeFileSync(join(o.out, `${name}.pcap`), bytes);
    writeFileSync(
      join(o.out, `${name}.md`),
      [
        `# ${name}`,
        '',
        `found by bench/fuzz.mjs --seed ${o.seed} (case ${n}) on ${new Date().toISOString()}`,
        `signature: ${sig}`,
        `from: ${seed.path.startsWith(ROOT) ? relative(ROOT, seed.path) : seed.path}`,
        `mutations: ${ops.join(' ')}`,
        `settings: ${JSON.stringify(settings ?? {})} (options: ${settingsArgs(settings).join(' ') || 'none'})`,
        `chunk size: ${chunk}`,
        '',
        '## What happened',
        '',
        '```',
        String(detail).slice(0, 4000),
        '```',
        '',
      ].join('\n'),
    );
    found.push(name);
    console.log(`fuzz: FOUND ${name}: ${sig}`);
  };

  // Ctrl-C ends the run after the current case, with the summary and the temporary files removed.
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    console.log('fuzz: interrupted, finishing the current case');
  });
  while (Date.now() < deadline && !stop && n < o.cases) {
    n++;
    const seed = all[Math.floor(r() * all.length)];
    const others = [all[Math.floor(r() * all.length)].bytes];
    const { bytes, ops } = mutate(seed.bytes, r, others);
    const chunk = CHUNK_SIZES[Math.floor(r() * CHUNK_SIZES.length)];
    // A byte at a time is slow on big inputs: keep it for small ones.
    const size = chunk === 1 && bytes.length > 20_000 ? 4096 : chunk;
    const settings = randomSettings(r);
    const res = await iso.run(bytes, { chunk: size, timeoutMs: o.timeout, settings });
    counts[res.outcome]++;
    if ((res.ms ?? 0) > slowest.ms)
      slowest = { ms: res.ms, what: `${relative(ROOT, seed.path)} ${ops.join(' ')}` };
    if (res.outcome === 'crash' || res.outcome === 'timeout' || res.outcome === 'invalid') {
      const detail =
        res.outcome === 'invalid' ? res.problems.join('\n') : `${res.message}\n${res.stack ?? ''}`.trim();
      save(res.outcome, detail, bytes, seed, ops, size, settings);
    }
    if (o.cliEvery > 0 && n % o.cliEvery === 0) {
      counts.cli++;
      const f = join(tmp, `case-${n}.pcap`);
      writeFileSync(f, bytes);
      const other = OTHER_OUTPUTS[Math.floor(r() * OTHER_OUTPUTS.length)];
      const problems = cliCheck(bin, f, o.timeout, other, settingsArgs(settings));
      rmSync(f, { force: true });
      if (problems.length > 0) {
        counts['cli-problem']++;
        save('cli', problems.join('\n'), bytes, seed, ops, size, settings);
      }
    }
    if (n % 500 === 0) {
      const s = (Date.now() - started) / 1000;
      console.log(
        `fuzz: ${n} cases in ${s.toFixed(0)} s (${(n / s).toFixed(0)}/s) ${JSON.stringify(counts)}`,
      );
    }
  }
  await iso.close();
  rmSync(tmp, { recursive: true, force: true });
  if (o.ci) {
    // The findings' files, for the CI log: each .md says what was done and what happened.
    for (const f of found) console.log(readFileSync(join(o.out, `${f}.md`), 'utf8'));
    rmSync(o.out, { recursive: true, force: true });
  }
  const s = (Date.now() - started) / 1000;
  console.log(
    `fuzz: done: ${n} cases in ${s.toFixed(0)} s (${(n / s).toFixed(0)}/s) ${JSON.stringify(counts)}`,
  );
  console.log(`fuzz: slowest case ${slowest.ms.toFixed(0)} ms: ${slowest.what}`);
  if (found.length > 0) {
    console.log(
      `fuzz: ${found.length} new finding(s) saved in ${relative(ROOT, o.out)}/: ${found.join(', ')}`,
    );
    process.exitCode = 1;
  } else console.log('fuzz: nothing new found');
}

await main();
