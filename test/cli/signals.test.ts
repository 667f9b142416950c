/**
 * Signals (issue 24, defect 5), the real binary in every input mode: the first
 * SIGINT or SIGTERM ends the input and prints the report of what was read
 * (exit 0, an "interrupted" warning); a second one ends the process at once
 * (the default action: killed by that signal), within 1 s even under load.
 * A FIFO nobody opens for writing used to ignore both (only SIGKILL ended it).
 * Load comes from bench/gen-stream.mjs, an endless synthetic pcap stream.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { must } from '../../src/model/checked.js';

const BIN = 'bin/tcptrace-ts';
const GEN = 'bench/gen-stream.mjs';
const dir = mkdtempSync(join(tmpdir(), 'cli-signals-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Bytes of the stream the process has taken (it reads: its signal handlers are in place). */
  fed: () => number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** tcptrace-ts with `args`; `feed` ('short', 'open', 'synflood') pipes an endless stream into stdin. */
function start(args: string[], feed?: string): Run {
  const child = spawn(BIN, args, { stdio: [feed ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  children.push(child);
  let fed = 0;
  if (feed) {
    const gen = spawn(process.execPath, [GEN, feed], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(gen);
    gen.stdout.on('data', (d: Buffer) => (fed += d.length));
    gen.stdout.pipe(must(child.stdin, 'child.stdin'));
    must(child.stdin, 'child.stdin').on('error', () => {});
    child.on('exit', () => gen.kill('SIGKILL'));
  }
  let out = '';
  let err = '';
  must(child.stdout, 'child.stdout').on('data', (d: Buffer) => (out += d.toString()));
  must(child.stderr, 'child.stderr').on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, out: () => out, err: () => err, fed: () => fed, exited };
}

/** Waits `ms`, and (with a stream) until the process has read 4 MB of it; it must still run. */
async function running(r: Run, ms: number): Promise<void> {
  await new Promise((res) => setTimeout(res, ms));
  for (let i = 0; i < 200 && r.fed() > 0 && r.fed() < 4 << 20; i++)
    await new Promise((res) => setTimeout(res, 50));
  expect(r.child.exitCode, r.err()).toBeNull();
}

/** A 4 M-packet capture file of short connections (280 MB: more than is read in the test's 2 s), made once. */
let big: string | undefined;
function bigFile(): string {
  if (big === undefined) {
    big = join(dir, 'big.pcap');
    execFileSync('sh', ['-c', `node ${GEN} short --packets 4000000 > ${big}`]);
  }
  return big;
}

const fifo = (name: string) => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};

type Mode = [string, () => { args: string[]; feed?: string }];
const MODES: Mode[] = [
  ['FIFO nobody writes to', () => ({ args: [fifo(`f${Math.random()}`), '--json'] })],
  ['stdin, --json (short connections)', () => ({ args: ['-', '--json'], feed: 'short' })],
  ['live text (never-closing connections)', () => ({ args: ['-'], feed: 'open' })],
  ['NDJSON (SYN flood)', () => ({ args: ['-', '--ndjson'], feed: 'synflood' })],
];

describe.each(MODES)('%s', (_name, make) => {
  test.each(['SIGINT', 'SIGTERM'] as const)(
    'first %s: input ends, the report of what was read, exit 0',
    async (sig) => {
      const { args, feed } = make();
      const r = start(args, feed);
      await running(r, 1500);
      r.child.kill(sig);
      const e = await r.exited;
      expect(e, r.err()).toMatchObject({ code: 0, signal: null });
      expect(r.err()).toMatch(/interrupted: the report covers what was read before the signal/);
      if (args.includes('--json')) expect(JSON.parse(r.out()).capture.aborted ?? true).toBeTruthy();
      else if (args.includes('--ndjson')) expect(r.out()).toMatch(/"type":"summary"|"type":"states"/);
      else expect(r.out()).toMatch(/^Capture/m);
    },
    30000,
  );

  // Both signals pending at once (the process stopped meanwhile, as when its
  // event loop is busy): the first ends the input, the second is raised again
  // at once and kills the process.
  test('a second signal that comes together with the first kills the process at once (within 1 s)', async () => {
    const { args, feed } = make();
    const r = start(args, feed);
    await running(r, 1500);
    r.child.kill('SIGSTOP');
    r.child.kill('SIGTERM');
    r.child.kill('SIGINT');
    const t = performance.now();
    r.child.kill('SIGCONT');
    const e = await r.exited;
    expect(e.at - t).toBeLessThan(1000);
    // The kernel delivers pending signals lowest number first: SIGINT may be the first.
    expect(['SIGINT', 'SIGTERM'], `${JSON.stringify(e)} ${r.err()}`).toContain(e.signal);
  }, 30000);
});

/**
 * A second signal while the report is being worked out or written, after the
 * first signal's handlers are gone (200 ms, SIGNAL_GRACE in cli/signals.ts):
 * the reader of stdout stops taking it at the first signal, so the process
 * cannot finish a report larger than the pipe holds and is certainly still
 * there 400 ms later. (The FIFO's report of nothing fits in the pipe: the test
 * above covers it.)
 */
const BIG_REPORT: Mode[] = [
  ['stdin, --json (short connections)', () => ({ args: ['-', '--json'], feed: 'short' })],
  ['live text, --all (never-closing connections)', () => ({ args: ['-', '--all'], feed: 'open' })],
  ['NDJSON (SYN flood)', () => ({ args: ['-', '--ndjson'], feed: 'synflood' })],
  ['file, --json', () => ({ args: [bigFile(), '--json'] })],
];

test.each(BIG_REPORT)(
  '%s: a second signal while the report is written kills the process at once (within 1 s)',
  async (_name, make) => {
    const { args, feed } = make();
    const r = start(args, feed);
    await running(r, 1500);
    must(r.child.stdout, 'r.child.stdout').pause();
    r.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 400));
    expect(r.child.exitCode, `the report was out before the second signal: ${r.err()}`).toBeNull();
    const t = performance.now();
    r.child.kill('SIGINT');
    const e = await r.exited;
    expect(e.at - t).toBeLessThan(1000);
    // Killed by a signal, not the end of the report. Usually SIGINT; on a loaded
    // machine the process may not have run between the two, and the kernel hands
    // over pending signals lowest number first: SIGINT is then the first, and
    // SIGTERM the one raised again.
    expect(['SIGINT', 'SIGTERM'], `${JSON.stringify(e)} ${r.err()}`).toContain(e.signal);
  },
  60000,
);

/**
 * The second signal caught while the process could not run, after the first
 * signal's grace had passed (a long synchronous step, or the machine busy;
 * SIGSTOP stands in for both here): the grace's timer ran before the loop
 * read the signal, removed the handlers, and the signal was dropped: the
 * process went on to its report and exited 0 (3 runs in 10 on main a629600;
 * 1 in 13 NDJSON runs of bench/soak-signals.mjs under load).
 */
test('a second signal caught while the process was stopped past the grace still kills it (5 runs)', async () => {
  const ends: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = start(['-', '--json'], 'short');
    await running(r, 1500);
    r.child.kill('SIGTERM');
    // The first signal's handler runs, and its 200 ms grace begins...
    await new Promise((res) => setTimeout(res, 100));
    r.child.kill('SIGSTOP');
    // ...and ends while the process is stopped, the second signal waiting.
    await new Promise((res) => setTimeout(res, 400));
    r.child.kill('SIGINT');
    const t = performance.now();
    r.child.kill('SIGCONT');
    const e = await r.exited;
    ends.push(`${e.signal ?? `exit ${e.code}`} after ${(e.at - t).toFixed(0)} ms`);
  }
  console.log(`second signal after a stop past the grace: ${ends.join(', ')}`);
  expect(
    ends.filter(
      (x) =>
        !/^SIG(INT|TERM) after \d+ ms$/.test(x) ||
        Number(must(/(\d+) ms/.exec(x), '/(\\d+) ms/.exec(x)')[1]) >= 1000,
    ),
  ).toEqual([]);
}, 90000);

test('file mode: a first SIGINT stops reading a large file and reports what was read', async () => {
  const r = start([bigFile(), '--json']);
  await running(r, 2000);
  r.child.kill('SIGINT');
  const e = await r.exited;
  expect(e, r.err()).toMatchObject({ code: 0, signal: null });
  const rep = JSON.parse(r.out());
  expect(rep.capture.packets).toBeGreaterThan(0);
  expect(rep.capture.packets).toBeLessThan(4_000_000);
  expect(r.err()).toMatch(/interrupted/);
}, 60000);
