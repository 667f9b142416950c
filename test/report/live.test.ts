import { describe, expect, it } from 'vitest';
import { stripAnsi, visibleLength } from '../../src/report/format.js';
import { renderAnomalyLine, renderLiveStatus } from '../../src/report/live.js';
import { Progress } from '../../src/report/progress.js';
import { anomaly, bigReport, connection, T0, timeWaitStormReport, UNSAFE_RE } from './factories.js';
import { at } from '../../src/model/checked.js';

describe('renderAnomalyLine', () => {
  it('is one line: time, severity, kind, where, message', () => {
    const a = anomaly('mid-stream-rst', {
      connection: 3,
      t: T0 + 3.5,
      message: 'server sent RST after 3.5 s',
    });
    const line = renderAnomalyLine(a, connection({ id: 3 }), { color: false });
    expect(line).toBe(
      '2025-11-21T12:00:03.623Z  error    mid-stream-rst  #3 10.0.0.1:40003 → 10.0.0.2:80  server sent RST after 3.5 s\n',
    );
  });

  it('names the host for host-level anomalies and the id alone when the connection is not at hand', () => {
    const storm = anomaly('time-wait-storm', { t: T0, message: 'storm' });
    expect(renderAnomalyLine(storm, undefined, { color: false })).toContain(
      'warning  time-wait-storm  host 10.0.0.2  storm',
    );
    const a = anomaly('zero-window', { connection: 9, message: 'zero' });
    expect(renderAnomalyLine(a, undefined, { color: false })).toContain('zero-window  #9  zero');
  });

  it('colours by severity and sanitizes', () => {
    const a = anomaly('connection-refused', { message: 'refused\x1b[2J\n' });
    const line = renderAnomalyLine(a, undefined, { color: true });
    expect(line).toContain('\x1b[31merror');
    expect(stripAnsi(line)).toBe(renderAnomalyLine(a, undefined, { color: false }));
    expect(UNSAFE_RE.test(stripAnsi(line).slice(0, -1))).toBe(false);
    expect(line.split('\n')).toHaveLength(2);
  });
});

describe('renderLiveStatus', () => {
  it('is a few lines, each cut to the width', () => {
    const states = bigReport(4000).states;
    const out = renderLiveStatus(
      states,
      { packets: 1_234_567, connections: 4000, elapsed: 62 },
      { color: false, width: 60 },
    );
    const lines = out.replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]).toBe('live  1,234,567 packets  4,000 connections  1 m 2 s');
    expect(lines[1]).toMatch(/^client {2}\d/);
    expect(lines[2]).toMatch(/^server {2}\d/);
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(60);
  });

  it('shows the busiest hosts', () => {
    const out = renderLiveStatus(
      timeWaitStormReport(600).states,
      { packets: 10, connections: 600, elapsed: 1 },
      { color: true, width: 120 },
    );
    expect(stripAnsi(out)).toContain('server 10.0.0.2: 600 TIME_WAIT (600)');
  });
});

/** A fake stderr: records writes; a TTY or not. */
function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns,
    write: (s: string) => writes.push(s) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('Progress', () => {
  it('draws nothing when stderr is not a TTY', () => {
    const { stream, writes } = fakeStream(false);
    const p = new Progress(stream, 1000);
    p.update(500, 10);
    p.done();
    expect(p.active).toBe(false);
    expect(writes).toEqual([]);
  });

  it('shows bytes of total, percent, packets and rate, throttled to the interval, and erases itself', () => {
    let now = 0;
    const { stream, writes } = fakeStream(true);
    const p = new Progress(stream, 1_100_000_000, { now: () => now });
    now = 1000;
    p.update(123_000_000, 500_000);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe('\r\x1b[2Kreading  123 MB / 1.1 GB  11%  500,000 packets  500,000 packets/s');
    now = 1050;
    p.update(130_000_000, 520_000); // within 100 ms: skipped
    expect(writes).toHaveLength(1);
    now = 1101;
    p.update(130_000_000, 520_000);
    expect(writes).toHaveLength(2);
    p.done();
    expect(writes[2]).toBe('\r\x1b[2K');
    p.done();
    expect(writes).toHaveLength(3);
  });

  it('works without a total and stays within the terminal width', () => {
    let now = 0;
    const { stream, writes } = fakeStream(true, 30);
    const p = new Progress(stream, undefined, { now: () => now });
    now = 2000;
    p.update(5_000_000, 1000);
    const text = at(writes, 0).replace('\r\x1b[2K', '');
    expect(text.startsWith('reading  5 MB  1,000 packets')).toBe(true);
    expect(visibleLength(text)).toBeLessThanOrEqual(29);
  });

  it('does not erase what it never drew', () => {
    const { stream, writes } = fakeStream(true);
    new Progress(stream, 10).done();
    expect(writes).toEqual([]);
  });
});
