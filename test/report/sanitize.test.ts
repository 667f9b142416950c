import { describe, expect, it } from 'vitest';
import { sanitize } from '../../src/report/sanitize.js';
import { UNSAFE_RE } from './factories.js';

describe('sanitize', () => {
  it('leaves ordinary text alone (including non-ASCII)', () => {
    for (const s of ['trace.pcap', '10.0.0.1:80 → 10.0.0.2:80', 'café ×3 µs', 'C:\\captures\\a.pcap', '']) {
      expect(sanitize(s)).toBe(s);
    }
  });

  it.each([
    ['\x1b[2J\x1b[31mred', '\\x1b[2J\\x1b[31mred'],
    ['a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['bell\x07', 'bell\\x07'],
    ['nul\x00', 'nul\\x00'],
    ['del\x7f', 'del\\x7f'],
    ['csi\x9b31m', 'csi\\x9b31m'],
    ['file\u202egnp.exe', 'file\\u202egnp.exe'],
    ['\u2066iso\u2069', '\\u2066iso\\u2069'],
    ['line\u2028sep', 'line\\u2028sep'],
    ['\u200fRLM', '\\u200fRLM'],
  ])('escapes %j', (input, out) => {
    expect(sanitize(input)).toBe(out);
    expect(UNSAFE_RE.test(sanitize(input))).toBe(false);
  });

  it('is stable when applied twice', () => {
    const once = sanitize('\x1b]0;title\x07');
    expect(sanitize(once)).toBe(once);
  });
});
