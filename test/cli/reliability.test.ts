/**
 * Issue 9, through the real binary (`bin/tcptrace-ts` running dist/, as users
 * run it): bad input is one line on stderr and exit 2, never a stack trace;
 * a damaged capture is analysed up to the damage with a warning (exit 0 or 1,
 * 2 with --strict) and counted in the report; a flood stays within the
 * connection cap and a modest heap; nothing from a capture or a file name
 * reaches the terminal as a control character, and --json is always JSON.
 *
 * Captures are generated here (test/helpers/pcap-writer.ts) rather than
 * committed; the corpus files named are in test/corpus.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS } from '../helpers/corpus.mjs';
import { connection, PcapWriter, pcapFrames, pcapngFile, rng } from '../helpers/pcap-writer.js';
import { missingReason } from '../helpers/tools.js';
import { at, must } from '../../src/model/checked.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tcptrace-ts');
const FIXTURE = join(ROOT, 'fixtures/half-close.pcap');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The capabilities that let root read any file: without them, root is refused a
 * file it owns whose mode is 000, as any user is.
 */
const DROP_DAC = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'];

/** Runs the binary; `noDac` runs it without the capabilities above (for the permission case as root). */
function cli(args: string[], o: { noDac?: boolean; env?: Record<string, string> } = {}): Run {
  const node = [process.execPath, BIN, ...args];
  const argv = o.noDac ? [...DROP_DAC, ...node] : node;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...o.env };
  delete env.FORCE_COLOR;
  delete env.GITHUB_ACTIONS;
  const r = spawnSync(at(argv, 0), argv.slice(1), {
    encoding: 'utf8',
    timeout: 60_000,
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, exactly one line on stderr (ours, no stack frame), nothing on stdout. */
function expectOneLineError(r: Run, reason: string | RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tcptrace-ts: /);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr).not.toMatch(/internal error/);
  if (typeof reason === 'string') expect(lines[0]).toContain(reason);
  else expect(lines[0]).toMatch(reason);
}

/** Control characters other than newline (and tab): none may reach the terminal. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let dir: string;
const P = (name: string) => join(dir, name);

function write(name: string, bytes: Uint8Array | string): string {
  writeFileSync(P(name), bytes);
  return P(name);
}

/** One complete connection (request/response, both FINs) in a writer of its own. */
function oneConnection(opts: { nano?: boolean } = {}): PcapWriter {
  const w = new PcapWriter({ nano: opts.nano });
  connection(w, { t: 1_763_726_400, exchanges: 3 });
  return w;
}

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'tcptrace-rel-'));
  // Readable by the unprivileged user of the permission case.
  chmodSync(dir, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('good input is not taken for bad', () => {
  it.each([
    [['--host', '10.0.0.1', FIXTURE]],
    [['--port', '80', '--port', '81', FIXTURE]],
    [['--fail-on', 'error', FIXTURE]],
    [['--fail-on=error,warning', '--max', 'mid-stream-rst=0', FIXTURE]],
    [['--conn', '1', FIXTURE, '--json']],
  ])('%j', (args) => {
    const r = cli(args);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(r.stderr).toBe('');
  });
});

describe('bad input: one line on stderr, exit 2, no stack trace', () => {
  const cases: [string, () => string[], string | RegExp][] = [
    ['a missing file', () => [P('no-such.pcap')], 'no such file'],
    [
      'a directory',
      () => {
        mkdirSync(P('a-dir'), { recursive: true });
        return [P('a-dir')];
      },
      'is a directory',
    ],
    ['an empty file', () => [write('empty.pcap', '')], 'empty file'],
    [
      'a text file that is not tcpdump output',
      () => [write('notes.txt', 'hello world\nthis is not tcpdump output\n\tindented\n')],
      'not tcpdump output',
    ],
    [
      'random bytes',
      () => {
        const r = rng(9);
        return [
          write(
            'random.bin',
            Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256) | 0x80),
          ),
        ];
      },
      'not a capture',
    ],
    [
      'three bytes',
      () => [write('short.bin', Uint8Array.of(0xd4, 0xc3, 0xb2))],
      /truncated capture file header/,
    ],
    [
      'gzip-compressed random bytes',
      () => [
        write(
          'random.gz',
          gzipSync(Uint8Array.from({ length: 2000 }, (_, i) => ((i * 151 + 7) & 0xff) | 0x80)),
        ),
      ],
      'not a capture',
    ],
    [
      'a capture with only an unknown link type',
      () => {
        const w = new PcapWriter({ linkType: 147 });
        for (let i = 0; i < 5; i++) w.frame(1_763_726_400 + i, new Uint8Array(60).fill(i));
        return [write('user0.pcap', w.bytes())];
      },
      'cannot analyse link type LINKTYPE_147',
    ],
    ['standard input twice', () => ['-', '-'], "standard input ('-') can be given only once"],
    ['a bad duration', () => ['--msl', '3x', FIXTURE], '--msl: invalid duration "3x"'],
    ['an empty duration', () => ['--close-wait-timeout', '', FIXTURE], '--close-wait-timeout'],
    ['a negative duration', () => ['--syn-timeout', '-1s', FIXTURE], 'negative duration'],
    [
      'an unknown --fail-on kind',
      () => [FIXTURE, '--fail-on', 'nonsense'],
      'unknown anomaly kind or severity "nonsense"',
    ],
    ['--fail-on=nonsense', () => ['--fail-on=nonsense', FIXTURE], '"nonsense"'],
    [
      'a bad count',
      () => ['--max-connections', 'abc', FIXTURE],
      '--max-connections: expected a whole number',
    ],
    ['a negative threshold', () => ['--time-wait-threshold', '-5', FIXTURE], '--time-wait-threshold'],
    ['a bad --max rule', () => [FIXTURE, '--max', 'mid-stream-rst'], '--max: expected KIND=LIMIT'],
    ['an unknown option', () => ['--bogus', FIXTURE], "unknown option '--bogus'"],
    ['a bad --format', () => ['--format', 'xml', FIXTURE], /argument 'xml' is invalid/],
    ['a bad --order', () => ['--order', 'sideways', FIXTURE], '--order'],
    ['a missing config file', () => ['--config', P('none.json'), FIXTURE], 'cannot read config file'],
    [
      'a config file that is not JSON',
      () => ['--config', write('bad.json', '{bad'), FIXTURE],
      'invalid JSON',
    ],
    [
      'ladder without --conn of a capture with several connections',
      () => ['ladder', join(ROOT, 'fixtures/port-reuse-server-tw.pcap')],
      '2 connections in the capture: choose with --conn',
    ],
    [
      'ladder of a connection that is not there',
      () => ['ladder', FIXTURE, '--conn', '999'],
      'no connection 999',
    ],
    ['no capture given', () => ['--json'], 'no capture given'],
    [
      '--junit into a missing directory',
      () => [FIXTURE, '--junit', P('no/such/dir/junit.xml')],
      '--junit: cannot write',
    ],
    ['--junit onto a directory', () => [FIXTURE, '--junit', dir], 'is a directory'],
    [
      'a missing --baseline',
      () => [FIXTURE, '--baseline', P('none.json'), '--fail-on', 'error'],
      'cannot read baseline report',
    ],
    ['--interval 0', () => [FIXTURE, '--interval', '0'], '--interval'],
    ['a port out of range', () => [FIXTURE, '--port', '99999'], 'out of range'],
    ['a host that is not an address', () => [FIXTURE, '--host', 'not-an-ip'], '--host'],
    [
      '--debug on bad input (still no stack: not an internal error)',
      () => ['--debug', P('no-such.pcap')],
      'no such file',
    ],
  ];

  it.each(cases)('%s', (_name, args, reason) => {
    expectOneLineError(cli(args()), reason);
  });

  // Root reads every file through CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: as root (CI
  // runs as root) the CLI runs with those two dropped from its bounding set, still
  // uid 0, so it can read the checkout wherever it is, and not the chmod 000 file.
  const isRoot = process.getuid?.() === 0;
  it('a file without read permission (chmod 000)', () => {
    const f = write('secret.pcap', readFileSync(FIXTURE));
    chmodSync(f, 0o000);
    if (isRoot) {
      const tool = missingReason(['setpriv']);
      if (tool) throw new Error(`as root this needs setpriv to drop CAP_DAC_OVERRIDE: ${tool}`);
      // The mechanism itself: without the two capabilities, root cannot read the file.
      const probe = spawnSync(at(DROP_DAC, 0), [...DROP_DAC.slice(1), 'cat', f], { encoding: 'utf8' });
      expect(probe.stderr, 'setpriv could not drop the capabilities').toMatch(/Permission denied/);
    }
    expectOneLineError(cli([f], { noDac: isRoot }), 'permission denied');
    // The same file readable again is analysed: the refusal was about permission, not content.
    chmodSync(f, 0o644);
    expect(cli([f], { noDac: isRoot }).code).toBe(0);
  });

  describe("libpcap's rejected files, with libpcap's reason", () => {
    const libpcap = join(CORPUS, 'libpcap');
    const files = readdirNames(libpcap).filter((f) => !f.endsWith('.expect'));
    it('all six are there', () => expect(files).toHaveLength(6));
    it.each(files)('%s', (file) => {
      const excerpt = readFileSync(join(libpcap, `${file}.expect/TESTrun.excerpt`), 'utf8');
      const errstr = at(
        must(
          /errstr => '((?:[^'\\]|\\.)*)'/.exec(excerpt),
          "/errstr => '((?:[^'\\\\]|\\\\.)*)'/.exec(excerpt)",
        ),
        1,
      ).replace(/\\(.)/g, '$1');
      expectOneLineError(cli([join(libpcap, file)]), errstr.replace(/^Failed opening: /, ''));
    });
  });
});

function readdirNames(d: string): string[] {
  return readdirSync(d).sort();
}

interface JsonReport {
  capture: {
    packets: number;
    tcpPackets: number;
    skipped: Record<string, number>;
    truncated: boolean;
    damaged: boolean;
    warnings: string[];
  };
  connections: {
    id: number;
    client: { state: string; stateEvidence: string };
    server: { state: string };
    history: string;
  }[];
  anomalies: { kind: string }[];
  summarised: { connections: number };
}

/** --json run: exit code, the parsed report, the warning lines. */
function json(args: string[]): {
  code: number | null;
  report: JsonReport;
  warnings: string[];
  stderr: string;
} {
  const r = cli(['--json', ...args]);
  expect(r.stderr).not.toContain('    at ');
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('tcptrace-ts: warning: '));
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, warnings, stderr: r.stderr };
}

describe('damage: analysed up to it, reported, exit 0 (1 with a failed gate), 2 with --strict', () => {
  /** The common checks; returns the report. */
  function damaged(
    file: string,
    o: { warning: RegExp; truncated?: boolean; damaged?: boolean; strict?: boolean },
  ): JsonReport {
    const r = json([file]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.report.capture.warnings.some((w) => o.warning.test(w)),
      r.report.capture.warnings.join('\n'),
    ).toBe(true);
    expect(
      r.warnings.some((w) => o.warning.test(w)),
      r.stderr,
    ).toBe(true);
    expect(r.report.capture.truncated).toBe(o.truncated ?? false);
    expect(r.report.capture.damaged).toBe(o.damaged ?? false);
    // --strict: the same analysis, exit 2; without it a failed gate is still 1.
    const strict = cli(['--strict', file]);
    expect(strict.code).toBe(o.strict === false ? 0 : 2);
    expect(strict.stderr).not.toContain('    at ');
    expect(cli([file, '--fail-on', 'info,warning,error', '--max', 'connections=0']).code).toBe(1);
    return r.report;
  }

  it('a file cut mid-record: the records before the cut are analysed', () => {
    const full = oneConnection().bytes();
    const f = write('cut.pcap', full.subarray(0, full.length - 20));
    const rep = damaged(f, {
      warning: /file ends inside a record: \d+ of \d+ bytes present, 20 missing/,
      truncated: true,
    });
    expect(rep.capture.packets).toBe(14);
    expect(rep.connections).toHaveLength(1);
    // The cut record was the client's last ACK: nothing left shows that the
    // server's FIN reached it (SPEC.md "Evidence"), so it stays where it was.
    expect(at(rep.connections, 0).client.state).toBe('FIN_WAIT_1');
    expect(at(rep.connections, 0).client.stateEvidence).toBe('inferred');
  });

  it('a file cut inside a record header', () => {
    const full = oneConnection().bytes();
    const frames = pcapFrames(full);
    const cut = full.length - must(frames.at(-1), 'frames.at(-1)').data.length - 16 + 7;
    const f = write('cut-header.pcap', full.subarray(0, cut));
    const rep = damaged(f, { warning: /inside a record header \(7 of 16 bytes\)/, truncated: true });
    expect(rep.capture.packets).toBe(14);
  });

  it('a record header with an absurd length: reading stops there', () => {
    const w = oneConnection();
    w.rawRecord(1_763_726_401, 0, 0x7fffffff, 0x7fffffff, new Uint8Array(100));
    connection(w, { t: 1_763_726_402, cport: 40001 });
    const rep = damaged(write('absurd.pcap', w.bytes()), {
      warning: /record header claims 2147483647 captured bytes, more than the maximum/,
      damaged: true,
    });
    expect(rep.capture.packets).toBe(15);
    expect(rep.connections).toHaveLength(1);
  });

  it('a gzip-compressed capture cut short', () => {
    const gz = gzipSync(oneConnection().bytes());
    const f = write('cut.pcap.gz', gz.subarray(0, gz.length - 30));
    const rep = damaged(f, { warning: /gzip|ends inside/, truncated: true });
    expect(rep.capture.packets).toBeGreaterThan(0);
  });

  it('a pcapng block whose lengths disagree: the blocks before it are analysed', () => {
    const frames = pcapFrames(oneConnection().bytes());
    const f = write('lengths.pcapng', pcapngFile(frames, { trailerOf: { 6: 4242 } }));
    const rep = damaged(f, {
      warning: /total length in header \d+ and trailer 4242 don't match/,
      damaged: true,
    });
    expect(rep.capture.packets).toBe(6);
    expect(rep.connections).toHaveLength(1);
  });

  it('invalid nanosecond fractions (tcpdump timestamp_invalid_nano.pcap): carried, reported', () => {
    const rep = damaged(join(CORPUS, 'tcpdump/timestamp_invalid_nano.pcap'), {
      warning: /2 record\(s\) have a fraction of a second out of range/,
    });
    expect(rep.capture.packets).toBe(3);
  });

  it('fractions out of range in a generated microsecond capture', () => {
    const w = new PcapWriter();
    pcapFrames(oneConnection().bytes()).forEach((f, i) => {
      const frac = i === 3 ? 2_500_000 : i === 5 ? 4_294_967_295 : i * 1000;
      w.rawRecord(1_763_726_400 + i, frac, f.data.length, f.data.length, f.data);
    });
    const rep = damaged(write('bad-usec.pcap', w.bytes()), {
      warning: /2 record\(s\) have a fraction of a second out of range \(first: frame 4\)/,
    });
    expect(rep.capture.packets).toBe(15);
  });

  it('timestamps going backwards: reported, analysed in file order (not damage: --strict exits 0)', () => {
    const w = new PcapWriter();
    const t = connection(w, { t: 1_763_726_400 });
    connection(w, { t: t - 100, cport: 40001 });
    const rep = damaged(write('backwards.pcap', w.bytes()), {
      warning: /timestamps go backwards 1 time\(s\) \(first: frame 10\)/,
      strict: false,
    });
    expect(rep.connections).toHaveLength(2);
    for (const c of rep.connections) expect(c.client.state).toBe('TIME_WAIT');
  });

  it('suricata-verify smtp-to-comma: a garbage last record', () => {
    const d = join(CORPUS, 'suricata-verify/smtp-to-comma');
    const file = must(
      readdirNames(d).find((f) => f.endsWith('.pcap')),
      "readdirNames(d).find((f) => f.endsWith('.pcap'))",
    );
    const rep = damaged(join(d, file), { warning: /record header claims \d+ captured bytes/, damaged: true });
    expect(rep.capture.packets).toBe(18);
    expect(rep.connections).toHaveLength(1);
  });

  it('every packet that is not analysed is counted in capture.skipped', () => {
    const w = new PcapWriter();
    const t = connection(w, { t: 1_763_726_400 });
    w.tcp({ t: t + 1, flags: 'S', doff: 3 }); // data offset < 5
    w.tcp({ t: t + 1, flags: 'S', doff: 15 }); // header longer than the segment
    w.tcp({ t: t + 1, flags: 'S', ipLen: 10 }); // IP length shorter than its header
    w.tcp({ t: t + 1, flags: 'S', capLen: 30 }); // snaplen cut before TCP
    w.frame(t + 1, Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, ...new Array(46).fill(0))); // ARP
    const r = json([write('skipped.pcap', w.bytes())]);
    expect(r.code).toBe(0);
    const cap = r.report.capture;
    expect(cap.skipped).toEqual({ malformed: 3, truncated: 1, 'non-ip': 1 });
    const skipped = Object.values(cap.skipped).reduce((a, b) => a + b, 0);
    expect(cap.tcpPackets + skipped).toBe(cap.packets);
  });
});

describe('hostile traffic through the binary', () => {
  it('200k SYNs from random ports with --max-connections 10000: < 11k kept in full, all counted, small heap', () => {
    const w = new PcapWriter();
    const r = rng(200);
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      w.tcp({
        t: 1_763_726_400 + i / 20_000,
        src: (0x0a000000 + Math.floor(r() * 0x10000)) >>> 0,
        dst: '10.9.9.9',
        sport: 1024 + Math.floor(r() * 64_000),
        dport: 80,
        flags: 'S',
        seq: Math.floor(r() * 2 ** 32),
      });
    }
    const f = write('synflood.pcap', w.bytes());
    const t0 = performance.now();
    // A 256 MB heap: a flood that kept every half-open connection would not fit.
    const argv = ['--max-old-space-size=256', BIN, '--json', '--max-connections', '10000', f];
    const p = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
    expect(p.status, p.stderr.slice(0, 2000)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(30_000);
    const rep = JSON.parse(p.stdout) as JsonReport;
    expect(rep.capture.tcpPackets).toBe(N);
    expect(rep.connections.length).toBeLessThan(11_000);
    expect(rep.connections.length + rep.summarised.connections).toBeGreaterThan(N * 0.99);
    expect(rep.connections.length + rep.summarised.connections).toBeLessThanOrEqual(N);
    const ids = rep.connections.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 90_000);
});

describe('output safety: nothing from a capture writes control characters to the terminal', () => {
  const EVIL = 'evil\u001b[31mred\u001b]0;pwned\u0007\nsecond line\u009b2J.pcap';

  it('a file name with an ESC sequence and a newline: text report, warnings and errors stay clean', () => {
    const full = oneConnection().bytes();
    const f = P(EVIL);
    writeFileSync(f, full.subarray(0, full.length - 5)); // cut: a warning names the file
    const text = cli([f]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(CONTROL);
    expect(text.stderr).not.toMatch(CONTROL);
    expect(text.stderr).toContain('\\x1b[31mred');
    expect(
      text.stderr
        .split('\n')
        .filter((l) => l)
        .every((l) => l.startsWith('tcptrace-ts: ')),
    ).toBe(true);
    // --json: valid, with the name exactly as given.
    const j = cli(['--json', f]);
    const rep = JSON.parse(j.stdout) as { capture: { files: string[] } };
    expect(rep.capture.files).toEqual([f]);
    expect(j.stdout).not.toMatch(CONTROL);
    // An error naming such a file is still one clean line.
    const missing = cli([P(`${EVIL}.missing`)]);
    expectOneLineError(missing, 'no such file');
    expect(missing.stderr).not.toMatch(CONTROL);
  });

  it('every output format on a file named with control characters', () => {
    const f = P(`${EVIL}.ok`);
    copyFileSync(FIXTURE, f);
    for (const fmt of ['text', 'csv', 'ndjson', 'github']) {
      const r = cli(['--format', fmt, f, '--fail-on', 'info,warning,error']);
      expect(r.stderr).not.toContain('    at ');
      expect(r.stdout, fmt).not.toMatch(CONTROL);
      expect(r.stderr, fmt).not.toMatch(CONTROL);
    }
    const nd = cli(['--ndjson', f]);
    for (const line of nd.stdout.trim().split('\n')) JSON.parse(line);
  });

  it('tcpdump text whose lines carry control characters', () => {
    const lines = [
      '12:00:00.000001 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 64240, length 0',
      '12:00:00.000002 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [S.], seq 5000, ack 2, win 65160, length 0',
      '12:00:00.000003 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 1, win 502, length 0',
      '12:00:00.000004 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1:6, ack 1, win 502, length 5: HTTP: \u001b]2;owned\u0007\u001b[2J',
      '\tE..\u001b[31m..\u0007..\u009b..',
      '12:00:00.000005 IP \u001b[1mevil\u001b[0m.1 > 10.0.0.2.80: Flags [R], seq 9, win 0, length 0',
      '12:00:00.000006 IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [R.], seq 1, ack 6, win 0, length 0',
      '12:00:00.000007 \u001b[31mIP 10.0.0.3.1 > 10.0.0.4.2: UDP, length 1\u0008\u0008',
    ];
    const f = write('ctrl.txt', `${lines.join('\n')}\n`);
    for (const args of [[f], ['--all', f], ['--csv', f], ['--ndjson', f], ['ladder', f, '--conn', '1']]) {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(CONTROL);
      expect(r.stderr, args.join(' ')).not.toMatch(CONTROL);
    }
    const j = json([f]);
    expect(j.code).toBe(0);
    expect(j.report.connections.length).toBeGreaterThan(0);
  });

  it('a binary capture whose payload is terminal escapes', () => {
    const w = new PcapWriter();
    const esc = new TextEncoder().encode('\u001b]0;pwned\u0007\u001b[2J\u001b[31m'.repeat(10));
    w.tcp({ t: 1_763_726_400, flags: 'P.', seq: 1, ack: 1, payload: esc });
    w.tcp({ t: 1_763_726_401, flags: 'FP.', seq: 1 + esc.length, ack: 1, payload: esc, sport: 40000 });
    const f = write('esc-payload.pcap', w.bytes());
    for (const args of [
      [f, '--all'],
      ['ladder', f, '--conn', '1'],
      ['--csv', f],
    ]) {
      const r = cli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(CONTROL);
      expect(r.stderr).not.toMatch(CONTROL);
    }
  });
});

describe('an internal error (a bug) is one line; --debug adds the stack', () => {
  // In process, with an Io whose signal registration throws: the one way in from outside to a non-typed error.
  async function internal(args: string[]) {
    const { run } = await import('../../src/cli/main.js');
    const { Writable } = await import('node:stream');
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          f(String(chunk));
          cb();
        },
      });
    const code = await run(args, {
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
      stdin: (async function* () {})(),
      env: { NO_COLOR: '1' },
      cwd: process.cwd(),
      signals: {
        on() {
          throw new TypeError('boom');
        },
        off() {},
      },
    });
    return { code, out, err };
  }

  it('without --debug: one line, no stack frame', async () => {
    const r = await internal([FIXTURE]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain('internal error: boom');
    expect(r.err).not.toContain('    at ');
  });

  it('with --debug: the message, then the stack', async () => {
    const r = await internal([FIXTURE, '--debug']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toContain('internal error: boom');
    expect(r.err).toContain('    at ');
  });
});
