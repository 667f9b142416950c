/** The terminal report's table layout: the linear-time engine gives cli-table3's text, fast. */
import { describe, expect, it } from 'vitest';
import { at } from '../../src/model/checked.js';
import { layoutTable } from '../../src/report/text-table.js';

describe('layoutTable', () => {
  const head = ['id', 'client', 'state', 'bytes', 'anomalies'];
  const aligns = ['right', 'left', 'left', 'right', 'left'] as const;
  const rows = Array.from({ length: 60 }, (_, i) => [
    String(i * 37),
    `10.${i}.0.1:${40000 + i * 311}`,
    at(['TIME_WAIT', 'ESTABLISHED', 'SYN_RECEIVED'], i % 3),
    `${i * 13} kB`,
    at(
      ['', 'zero-window', 'mid-stream-rst, zero-window', 'close-wait-stuck, capture-ended-open, keep-alive'],
      i % 4,
    ),
  ]);

  it.each([
    [[4, 16, 12, 7, 30], null],
    [[3, 10, 8, 5, 12], null],
    [[4, 16, 12, 7, 20], 4],
    [[4, 16, 12, 7, 12], 4],
  ] as const)('gives the same text as cli-table3 (widths %j, wrap %s)', (widths, wrapCol) => {
    const a = layoutTable(head, rows, [...widths], [...aligns], wrapCol, 'cli-table3').map((l) =>
      l.trimEnd(),
    );
    const b = layoutTable(head, rows, [...widths], [...aligns], wrapCol, 'fast').map((l) => l.trimEnd());
    expect(b).toEqual(a);
  });

  it('lays out 40,000 rows quickly', () => {
    const many = Array.from({ length: 40_000 }, (_, i) => at(rows, i % rows.length));
    const t0 = performance.now();
    const out = layoutTable(head, many, [6, 16, 12, 7, 30], [...aligns], 4);
    expect(out.length).toBeGreaterThan(40_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
