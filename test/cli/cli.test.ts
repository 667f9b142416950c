import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { cli } from './harness.js';

const F = (n: string) => join(import.meta.dirname, '../../fixtures', `${n}.pcap`);

describe('report', () => {
  it('prints the terminal report and exits 0', async () => {
    const r = await cli([F('close-wait-stuck')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('close-wait-stuck');
    expect(r.stdout).toContain('CLOSE_WAIT');
    expect(r.stderr).toBe('');
  });

  it('--json prints exactly one JSON document', async () => {
    const r = await cli([F('normal-close-client'), '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.version).toBe(1);
    expect(rep.connections).toHaveLength(1);
    expect(rep.connections[0].client.state).toBe('TIME_WAIT');
    expect(rep.connections[0].server.state).toBe('CLOSED');
    expect(rep.connections[0].connState).toBe('SF');
    expect(rep.capture.format).toBe('pcap');
  });

  it('--csv prints a header and a row a connection', async () => {
    const r = await cli([F('time-wait-storm'), '--csv']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id,client_addr/);
    expect(lines).toHaveLength(601);
  });

  it('--ndjson streams anomaly and connection events, then one summary', async () => {
    const r = await cli([F('connection-refused'), '--ndjson']);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(['anomaly', 'connection', 'summary']);
    expect(events[0].kind).toBe('connection-refused');
    expect(events[2].anomalies).toEqual({ 'connection-refused': 1 });
  });

  it('filters apply to every output', async () => {
    const r = await cli([F('time-wait-storm'), '--json', '--port', '41005']);
    const rep = JSON.parse(r.stdout);
    expect(rep.connections).toHaveLength(1);
    expect(rep.connections[0].client.port).toBe(41005);
    const byConn = await cli([F('time-wait-storm'), '--json', '--conn', '7']);
    expect(JSON.parse(byConn.stdout).connections.map((c: { id: number }) => c.id)).toEqual([7]);
  });

  it('reports the TIME_WAIT storm once, with the host and the peak', async () => {
    const r = await cli([F('time-wait-storm'), '--json']);
    const rep = JSON.parse(r.stdout);
    const storms = rep.anomalies.filter((a: { kind: string }) => a.kind === 'time-wait-storm');
    expect(storms).toHaveLength(1);
    expect(storms[0].host).toBe('10.77.0.1');
    expect(storms[0].details.peak).toBe(600);
  });
});

describe('gate and exit codes', () => {
  it('--fail-on error fails on an error anomaly (exit 1) and passes on a clean capture (exit 0)', async () => {
    expect((await cli([F('connection-refused'), '--fail-on', 'error'])).code).toBe(1);
    expect((await cli([F('normal-close-client'), '--fail-on', 'error'])).code).toBe(0);
  });

  it('--max count rules print the failing rule and its figure', async () => {
    const r = await cli([F('abort-linger0'), '--max', 'mid-stream-rst=0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mid-stream-rst: 1 > max 0/);
  });

  it('--junit writes parseable JUnit with the failures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-'));
    const file = join(dir, 'gate.xml');
    const r = await cli([
      F('connection-refused'),
      F('normal-close-client'),
      '--each',
      '--fail-on',
      'error',
      '--junit',
      file,
    ]);
    expect(r.code).toBe(1);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(file, 'utf8'));
    const suites = xml.testsuites.testsuite;
    expect(suites).toHaveLength(2);
    expect(suites[0]['@_failures']).toBe('1');
    expect(suites[1]['@_failures']).toBe('0');
  });

  it('usage errors exit 2 with one line', async () => {
    for (const argv of [
      [F('normal-close-client'), '--msl', '3x'],
      [F('normal-close-client'), '--fail-on', 'nonsense'],
      ['/no/such/file.pcap'],
      ['--bogus'],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('ladder', () => {
  it("draws the handshake and the close with each side's state", async () => {
    const r = await cli(['ladder', F('normal-close-client'), '--conn', '1']);
    expect(r.code).toBe(0);
    // (the server's FIN also acknowledges the client's: FIN_WAIT_2 is passed within one segment)
    for (const s of [
      'SYN_SENT',
      'SYN_RECEIVED',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'CLOSE_WAIT',
      'LAST_ACK',
      'TIME_WAIT',
      'CLOSED',
    ]) {
      expect(r.stdout).toContain(s);
    }
  });

  it('--json gives the rows as data, simultaneous close reads correctly', async () => {
    const r = await cli(['ladder', F('simultaneous-close'), '--conn', '1', '--json']);
    const l = JSON.parse(r.stdout);
    const changes = l.rows.flatMap(
      (row: {
        clientChanged: boolean;
        serverChanged: boolean;
        clientState: string;
        serverState: string;
        clientSteps?: string[];
        serverSteps?: string[];
      }) => [
        ...(row.clientChanged ? (row.clientSteps ?? [row.clientState]).map((x) => `c:${x}`) : []),
        ...(row.serverChanged ? (row.serverSteps ?? [row.serverState]).map((x) => `s:${x}`) : []),
      ],
    );
    expect(changes).toContain('c:CLOSING');
    expect(changes).toContain('s:CLOSING');
    expect(changes.filter((c: string) => c.endsWith('TIME_WAIT'))).toHaveLength(2);
  });

  it('an unknown connection id exits 2', async () => {
    const r = await cli(['ladder', F('normal-close-client'), '--conn', '99']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no connection 99/);
  });
});
