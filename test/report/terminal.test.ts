import { describe, expect, it } from 'vitest';
import { stripAnsi, visibleLength } from '../../src/report/format.js';
import type { Report } from '../../src/model/report.js';
import { DEFAULT_MAX_LINES, renderTerminal } from '../../src/report/terminal.js';
import {
  anomaly,
  bigReport,
  connection,
  LADDERS,
  report,
  reportOf,
  smallReport,
  T0,
  timeWaitStormReport,
  UNSAFE_RE,
} from './factories.js';
import { at, must } from '../../src/model/checked.js';

const plain = { color: false, width: 100, all: false };
const showEsc = (s: string) => s.replace(/\x1b/g, '\\e');
const lines = (s: string) => s.replace(/\n$/, '').split('\n');

/** The reports of the snapshot scenarios, each from its ladder plus the anomalies the detectors would raise. */
const SCENARIOS: Record<string, () => Report> = {
  normalClose: () => reportOf(LADDERS.normalClose()),
  simultaneousOpen: () =>
    reportOf(LADDERS.simultaneousOpen(), [
      anomaly('capture-ended-open', {
        t: T0 + 0.0107,
        frame: 6,
        endpoint: null,
        message: 'still ESTABLISHED on both sides when the capture ended (10.6 ms after its last segment)',
      }),
    ]),
  simultaneousClose: () => reportOf(LADDERS.simultaneousClose()),
  refused: () =>
    reportOf(LADDERS.refused(), [
      anomaly('connection-refused', {
        t: T0 + 0.00021,
        frame: 2,
        message: 'SYN to 10.0.0.2:80 answered by RST after 210 µs',
        details: { rtt: 0.00021 },
      }),
    ]),
  closeWaitStuck: () => {
    const r = reportOf(LADDERS.closeWait(), [
      anomaly('close-wait-stuck', {
        t: T0 + 61.7,
        frame: 9,
        message: 'server 10.0.0.2:80 in CLOSE_WAIT for 1 m 0 s (threshold 60 s): it never sent its FIN',
        details: { duration: 60, threshold: 60 },
      }),
    ]);
    at(r.connections, 0).anomalies = ['close-wait-stuck'];
    r.capture.end = T0 + 61.7;
    return r;
  },
  midStreamRst: () =>
    reportOf(LADDERS.midStreamRst(), [
      anomaly('zero-window', { t: T0 + 0.202342, frame: 8, message: 'server advertised a zero window' }),
      anomaly('mid-stream-rst', {
        t: T0 + 3.302342,
        frame: 9,
        message: 'server sent RST after 3.3 s established; 2,896 bytes from the client were unacknowledged',
      }),
    ]),
  small: smallReport,
  timeWaitStorm: () => timeWaitStormReport(600),
};

describe('renderTerminal snapshots', () => {
  it.each(Object.keys(SCENARIOS))('%s, colour off', (name) => {
    expect(renderTerminal(must(SCENARIOS[name], 'SCENARIOS[name]')(), plain)).toMatchSnapshot();
  });

  it.each(Object.keys(SCENARIOS))('%s, colour on', (name) => {
    const out = renderTerminal(must(SCENARIOS[name], 'SCENARIOS[name]')(), { ...plain, color: true });
    expect(out).toContain('\x1b[');
    // Colour never changes the text.
    expect(stripAnsi(out)).toBe(renderTerminal(must(SCENARIOS[name], 'SCENARIOS[name]')(), plain));
    expect(showEsc(out)).toMatchSnapshot();
  });
});

describe('renderTerminal content', () => {
  it('summarises the capture: files, format, link types, packets, skipped by reason, time span, warnings', () => {
    const r = smallReport();
    r.capture.warnings = ['pcap record 12 cut by the snaplen', 'unknown link type 147 in interface 2'];
    r.capture.truncated = true;
    const out = renderTerminal(r, plain);
    expect(out).toMatch(/^Capture\s+incident-42\.pcap\.gz\s+\[pcap, gzip; link EN10MB\]$/m);
    expect(out).toMatch(/^Packets\s+51 packets, 51 TCP segments; skipped 15 \(12 non-tcp, 3 arp\)$/m);
    expect(out).toMatch(
      /^Time\s+2025-11-21T12:00:00\.323456Z → 2025-11-21T12:05:12\.723456Z\s+\(5 m 12 s\)$/m,
    );
    expect(out).toMatch(/^Warning\s+the capture is truncated/m);
    expect(out).toMatch(/^Warning\s+pcap record 12 cut by the snaplen$/m);
    expect(out).toMatch(/^Warning\s+unknown link type 147 in interface 2$/m);
  });

  it('summarises states per side and per busy host, ss style', () => {
    const out = renderTerminal(timeWaitStormReport(600), plain);
    expect(out).toMatch(/^ {2}server {2}600 TIME_WAIT$/m);
    expect(out).toMatch(/^ {2}client {2}600 CLOSED$/m);
    expect(out).toMatch(/^ {4}server 10\.0\.0\.2: 600 TIME_WAIT$/m);
    expect(out).toMatch(/^ {4}client 10\.0\.1\.2: 200 CLOSED$/m);
  });

  it('groups anomalies by kind, errors first, with the hint once per kind and the worst examples, in id order', () => {
    const conns = [1, 2, 3, 4, 5].map((id) =>
      connection({ id, server: { state: 'CLOSE_WAIT' }, anomalies: ['close-wait-stuck'] }),
    );
    const anomalies = [100, 400, 250, 90, 300].map((d, i) =>
      anomaly('close-wait-stuck', {
        connection: i + 1,
        t: T0 + d,
        message: `stuck for ${d} s`,
        details: { duration: d, threshold: 60 },
      }),
    );
    anomalies.push(anomaly('zero-window', { connection: 1, message: 'zero window' }));
    const out = renderTerminal(report({ connections: conns, anomalies }), plain);
    expect(out.match(/hint: The application got EOF/g)).toHaveLength(1);
    expect(out.indexOf('close-wait-stuck ×5')).toBeLessThan(out.indexOf('zero-window ×1'));
    const examples = out.match(/stuck for \d+ s/g);
    // The three worst (400, 300, 250 s) are shown, listed as #2, #3, #5 (issue 21: not #2, #1, #3).
    expect(examples).toEqual(['stuck for 400 s', 'stuck for 250 s', 'stuck for 300 s']);
    expect(out).toContain('… 2 more');
    expect(out).toMatch(/#2 10\.0\.0\.1:40002 → 10\.0\.0\.2:80 {2}12:06:40\.123 {2}stuck for 400 s/);
  });

  it('shows the host for host-level anomalies', () => {
    const out = renderTerminal(timeWaitStormReport(600), plain);
    expect(out).toMatch(/warning\s+time-wait-storm ×1/);
    expect(out).toMatch(/host 10\.0\.0\.2 {2}12:00:10\.133 {2}10\.0\.0\.2 held 600 endpoints in TIME_WAIT/);
  });

  it('lists every connection when there are few, in id order, with states and figures', () => {
    const out = renderTerminal(smallReport(), { ...plain, width: 160 });
    const table = lines(out).slice(lines(out).findIndex((l) => l.startsWith('Connections')));
    expect(table[1]).toMatch(
      /^id\s+client\s+server\s+client state\s+server state\s+duration\s+pkts c\/s\s+bytes c\/s\s+anomalies$/,
    );
    expect(table).toHaveLength(7);
    expect(table[6]).toMatch(
      /^ 5\s+10\.0\.0\.1:40005\s+10\.0\.0\.2:80\s+FIN_WAIT_2\s+CLOSE_WAIT\s+5 m 12 s\s+9\/7\s+2 kB \/ 81\.2 kB\s+close-wait-stuck$/,
    );
  });

  it('limits a large table to connections with anomalies, errors first, and says how many are left out', () => {
    const out = renderTerminal(timeWaitStormReport(600), plain);
    expect(out).toMatch(/^… 575 more connections not shown \(--all to show all\)$/m);
    const big = bigReport(2000);
    // Wide enough for one line a row (narrower, rows take two lines and fewer fit the budget).
    const text = renderTerminal(big, { ...plain, width: 160 });
    const rows = lines(text).filter((l) => /^\s*\d+\s+10\.1\./.test(l));
    const kinds = rows.map((l) => l.trim().split(/\s+/).pop());
    // Errors (refused, reset, CLOSE_WAIT) before warnings (zero-window).
    const firstWarning = kinds.indexOf('zero-window');
    expect(firstWarning).toBeGreaterThan(0);
    expect(kinds.slice(0, firstWarning).every((k) => k !== 'zero-window')).toBe(true);
    expect(kinds.slice(firstWarning).every((k) => k === 'zero-window')).toBe(true);
  });

  it('shows everything with --all', () => {
    const r = timeWaitStormReport(600);
    const out = renderTerminal(r, { ...plain, all: true });
    expect(out).not.toContain('not shown');
    expect(lines(out).filter((l) => /^\s*\d+\s+10\.0\.1\./.test(l))).toHaveLength(600);
  });

  it(`keeps a 40,000-connection report to about ${DEFAULT_MAX_LINES} lines`, () => {
    const r = bigReport(40_000);
    for (const width of [80, 120, 200]) {
      const out = renderTerminal(r, { ...plain, width });
      expect(lines(out).length).toBeLessThanOrEqual(DEFAULT_MAX_LINES);
      for (const line of lines(out)) expect(visibleLength(line)).toBeLessThanOrEqual(width);
      expect(out).toContain('40,000 connections');
      expect(out).toMatch(/more connections not shown/);
      // Every kind is at least named.
      for (const kind of [
        'mid-stream-rst',
        'connection-refused',
        'close-wait-stuck',
        'zero-window',
        'time-wait-storm',
        'capture-ended-open',
      ]) {
        expect(out).toContain(kind);
      }
    }
    expect(renderTerminal(r, { ...plain, color: true }).split('\n').length).toBeLessThanOrEqual(
      DEFAULT_MAX_LINES + 1,
    );
  });

  it.each([40, 60, 80, 100, 132])('fits %i columns', (width) => {
    for (const r of [smallReport(), timeWaitStormReport(100)]) {
      for (const color of [false, true]) {
        for (const line of lines(renderTerminal(r, { ...plain, width, color }))) {
          expect(visibleLength(line)).toBeLessThanOrEqual(width);
        }
      }
    }
  });

  it('never lets control characters from a malicious capture reach the terminal', () => {
    const evil = '\x1b]0;owned\x07\x1b[2J\x1b[1;1H\u202eexe.txt\r\n\x00\x9b';
    const r = smallReport();
    r.capture.files = [`trace${evil}.pcap`];
    r.capture.format = `pcap${evil}`;
    r.capture.linkTypes = [`EN10MB${evil}`];
    r.capture.warnings = [`bad record${evil}`];
    r.capture.skipped = { [`reason${evil}`]: 3 };
    r.capture.unavailable = [`ttl${evil}`];
    at(r.anomalies, 0).message = `message${evil}`;
    at(r.anomalies, 0).hint = `hint${evil}`;
    at(r.anomalies, 1).kind = `kind${evil}`;
    at(r.connections, 0).client.addr = `10.0.0.1${evil}`;
    at(r.connections, 4).anomalies.push(`kind${evil}`);
    r.states.hosts.push({ host: `h${evil}`, side: 'client', total: 1, states: { CLOSED: 1 } });
    r.anomalies.push(anomaly('time-wait-storm', { host: `10.0.0.9${evil}`, message: 'storm' }));
    r.gate = {
      passed: false,
      rules: [{ name: `rule${evil}`, passed: false, message: `msg${evil}`, anomalies: [] }],
    };
    for (const color of [false, true]) {
      for (const all of [false, true]) {
        const out = renderTerminal(r, { ...plain, color, all });
        const text = stripAnsi(out).replace(/\n/g, '');
        expect(UNSAFE_RE.test(text)).toBe(false);
        // Colour sequences are the only escapes, and they are all SGR.
        expect(out.replace(/\x1b\[[0-9;]*m/g, '').includes('\x1b')).toBe(false);
      }
    }
    expect(renderTerminal(r, { ...plain, all: true })).toContain('trace\\x1b]0;owned\\x07');
  });

  it('handles an empty capture', () => {
    const out = renderTerminal(report({ capture: { files: ['empty.pcap'], packets: 0 } }), plain);
    expect(out).toMatch(/^Time\s+no timestamps/m);
    expect(out).toMatch(/^Connections {2}none$/m);
    expect(out).not.toContain('Anomalies');
  });

  it('marks inferred roles and shows the gate verdict', () => {
    const r = report({
      connections: [connection({ id: 7, roleInferred: true, midstream: true })],
      gate: {
        passed: false,
        rules: [
          { name: 'fail-on error', passed: false, message: 'connection-refused: 2 > max 0', anomalies: [] },
          { name: 'max zero-window', passed: true, message: 'zero-window: 0 <= max 3', anomalies: [] },
        ],
      },
    });
    const out = renderTerminal(r, plain);
    expect(out).toMatch(/^7\? +10\.0\.0\.1/m);
    expect(out).toContain('? roles inferred: no SYN seen');
    expect(out).toMatch(/^Gate\s+FAILED 1 of 2 rules$/m);
    expect(out).toMatch(/✗ fail-on error: connection-refused: 2 > max 0/);
  });
});
