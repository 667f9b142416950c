import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/model/duration.js';
import {
  endpointLabel,
  formatBytes,
  formatClock,
  formatCount,
  formatIso,
  stateCounts,
  truncate,
  visibleLength,
  wrap,
} from '../../src/report/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [0.00035, '350 µs'],
    [0.0012, '1.2 ms'],
    [0.35, '350 ms'],
    [0.9996, '1 s'],
    [1.2, '1.2 s'],
    [2, '2 s'],
    [42.54, '42.5 s'],
    [59.96, '1 m 0 s'],
    [123, '2 m 3 s'],
    [3725, '1 h 2 m'],
    [90000, '1 d 1 h'],
    [-1.5, '-1.5 s'],
    [Number.NaN, '-'],
  ])('%s s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1234, '1.2 kB'],
    [81234, '81.2 kB'],
    [1_234_567, '1.2 MB'],
    [123_456_789, '123 MB'],
    [999_999, '1 MB'],
    [1.1e9, '1.1 GB'],
  ])('%s → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('numbers and times', () => {
  it('groups thousands whatever the locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1000)).toBe('-1,000');
  });

  it('writes UTC ISO times with microseconds, carrying a rounded-up fraction', () => {
    expect(formatIso(1763726400.123456)).toBe('2025-11-21T12:00:00.123456Z');
    expect(formatIso(1763726400 + 0.9999997)).toBe('2025-11-21T12:00:01.000000Z');
    expect(formatIso(1763726400.5, 3)).toBe('2025-11-21T12:00:00.500Z');
    expect(formatClock(1763726400.5)).toBe('12:00:00.500');
    expect(formatClock(1763726400.5, true)).toBe('2025-11-21 12:00:00.500');
  });

  it('brackets IPv6 addresses', () => {
    expect(endpointLabel('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(endpointLabel('2001:db8::1', 443)).toBe('[2001:db8::1]:443');
  });

  it('lists states largest first, CLOSED last', () => {
    expect(stateCounts({ CLOSED: 900, TIME_WAIT: 812, CLOSE_WAIT: 3, LISTEN: 0 })).toBe(
      '812 TIME_WAIT, 3 CLOSE_WAIT, 900 CLOSED',
    );
    expect(stateCounts({})).toBe('none');
  });
});

describe('text width', () => {
  it('ignores colour sequences when measuring and cutting', () => {
    const red = '\x1b[31mconnection-refused\x1b[39m';
    expect(visibleLength(red)).toBe(18);
    expect(truncate(red, 18)).toBe(red);
    const cut = truncate(red, 8);
    expect(visibleLength(cut)).toBe(8);
    expect(cut).toBe('\x1b[31mconnect…\x1b[0m');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it('wraps on spaces, keeps double spaces inside a line, cuts long words', () => {
    expect(wrap('aaa bbb ccc ddd', 8)).toEqual(['aaa bbb', 'ccc ddd']);
    expect(wrap('#1  10.0.0.1:1 → 10.0.0.2:80  message', 40)).toEqual([
      '#1  10.0.0.1:1 → 10.0.0.2:80  message',
    ]);
    expect(wrap('x'.repeat(20), 8)).toEqual(['xxxxxxxx', 'xxxxxxxx', 'xxxx']);
    expect(wrap('', 10)).toEqual(['']);
    for (const line of wrap('lorem ipsum dolor sit amet, consectetur adipiscing elit', 12)) {
      expect(line.length).toBeLessThanOrEqual(12);
      expect(line.startsWith(' ')).toBe(false);
    }
  });
});
