/**
 * Issue 21, item 8: the smaller promises a new user found broken, one test each.
 * (Examples in id order: test/report/terminal.test.ts; `cat f.pcap | tcptrace-ts -`:
 * test/cli/live.test.ts.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmtSeconds } from '../../src/detect/detectors.js';
import { formatDuration } from '../../src/model/duration.js';
import { cli } from './harness.js';

const F = (n: string) => join(import.meta.dirname, '../../fixtures', `${n}.pcap`);

describe('--conn', () => {
  it('an id that matches nothing says so and exits 2', async () => {
    const r = await cli([F('normal-close-client'), '--conn', '7']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^tcptrace-ts: --conn: no connection 7 in .*normal-close-client\.pcap \(it has 1 connection\)\n$/,
    );
  });

  it('some ids found, some not: the report of those found and a warning', async () => {
    const r = await cli([F('port-reuse-server-tw'), '--conn', '2,7']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --conn: no connection 7 in /);
    expect(r.stdout).toMatch(/^Connections {2}1$/m);
  });
});

describe('ladder', () => {
  it('a capture with one connection needs no --conn', async () => {
    const r = await cli(['ladder', F('normal-close-client')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Connection #1 {2}10\.77\.0\.1:40001 → 10\.77\.0\.2:8080$/m);
  });

  it('nor does one left by --host/--port', async () => {
    const r = await cli(['ladder', F('time-wait-storm'), '--port', '41005', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).connection.client.port).toBe(41005);
  });

  it('several connections without --conn: exit 2, with how to choose', async () => {
    const r = await cli(['ladder', F('port-reuse-server-tw')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tcptrace-ts: 2 connections in the capture: choose with --conn (e.g. --conn 1; the report lists their ids)\n',
    );
  });

  it('--conn takes a list, as the report does', async () => {
    const r = await cli(['ladder', F('port-reuse-server-tw'), '--conn', '2,1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((l: { connection: { id: number } }) => l.connection.id)).toEqual([2, 1]);
    const text = await cli(['ladder', F('port-reuse-server-tw'), '--conn', '1', '--conn', '2']);
    expect(text.stdout.match(/^Connection #\d/gm)).toEqual(['Connection #1', 'Connection #2']);
  });

  it("a mid-stream pickup's ack= is relative from the first row on", async () => {
    const r = await cli(['ladder', F('midstream-start'), '--all']);
    const acks = [...r.stdout.matchAll(/ack=(\d+)/g)].map((m) => Number(m[1]));
    expect(acks.length).toBeGreaterThan(5);
    expect(acks.slice(0, 3)).toEqual([0, 0, 100]);
    expect(Math.max(...acks)).toBeLessThan(100_000);
  });
});

describe('options that contradict or do nothing', () => {
  it.each([
    [['--json', '--csv'], '--json and --csv: choose one output format'],
    [['--ndjson', '--format', 'csv'], '--ndjson and --format csv: choose one output format'],
  ])('%j is a usage error', async (flags, message) => {
    const r = await cli([F('normal-close-client'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcptrace-ts: ${message}\n`);
  });

  it('--json --format json is one format, not a conflict', async () => {
    const r = await cli([F('normal-close-client'), '--json', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).version).toBe(1);
  });

  it('--baseline without a gate rule is a usage error', async () => {
    const r = await cli([F('normal-close-client'), '--baseline', 'last-good.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'tcptrace-ts: --baseline: compares gate rules with an earlier report, but no rule is given (add --fail-on or --max)\n',
    );
  });

  it('--fail-on and --max read kinds case-insensitively', async () => {
    const r = await cli([F('close-wait-stuck'), '--fail-on', 'CLOSE-WAIT-STUCK']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ fail-on close-wait-stuck: 1 anomaly \(1 close-wait-stuck\)/);
    const m = await cli([F('close-wait-stuck'), '--max', 'Close-Wait-Stuck=0', '--fail-on', 'Error']);
    expect(m.code).toBe(1);
    expect(m.stdout).toMatch(/✗ close-wait-stuck: 1 > max 0/);
  });
});

describe('what the report prints', () => {
  it('gate lines name their rule once', async () => {
    const r = await cli([F('close-unread-data'), '--fail-on', 'error', '--max', 'mid-stream-rst=0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ +✗ fail-on error: 1 anomaly \(1 mid-stream-rst\)$/m);
    expect(r.stdout).toMatch(/^ +✗ mid-stream-rst: 1 > max 0$/m);
    expect(r.stdout).not.toMatch(/fail-on error: fail-on error/);
  });

  it('durations print one way: days and hours, never a count of minutes', () => {
    const long = 1616169 * 60 + 49;
    expect(fmtSeconds(long)).toBe('1122 d 8 h');
    expect(fmtSeconds(long)).toBe(formatDuration(long));
    expect(fmtSeconds(150)).toBe('2 m 30 s');
    expect(fmtSeconds(3.2)).toBe('3.2 s');
  });

  it('JSON durations are rounded to microseconds', async () => {
    const r = await cli([F('bulk-transfer'), '--json']);
    const rep = JSON.parse(r.stdout);
    const figures: number[] = [];
    for (const c of rep.connections) figures.push(c.duration, c.handshakeRtt ?? 0);
    for (const a of rep.anomalies)
      for (const v of Object.values(a.details ?? {})) if (typeof v === 'number') figures.push(v);
    expect(figures.length).toBeGreaterThan(1);
    for (const x of figures) expect(Math.abs(x * 1e6 - Math.round(x * 1e6)), String(x)).toBeLessThan(1e-6);
    expect(r.stdout).not.toMatch(/"(duration|handshakeRtt)":-?\d+\.\d{7,}/);
  });
});
