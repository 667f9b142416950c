/**
 * The anomaly log every detector family writes to (src/detect/context.ts):
 * at most KEEP_PER_KIND anomalies of one kind are kept for the report, the
 * rest are streamed and counted; each kind counts on its own.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { DetectContext, KEEP_PER_KIND } from '../../src/detect/context.js';
import { KIND_BY_NAME } from '../../src/model/kinds.js';
import type { AnomalyReport } from '../../src/model/report.js';
import { at, established, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

describe('KEEP_PER_KIND: a flood of one kind keeps 10,000 and counts the rest', () => {
  it('10,001 syn-flood reports and 2 time-wait-storm: 10,000 + 2 kept, 1 omitted, all 10,003 streamed', () => {
    expect(KEEP_PER_KIND).toBe(10_000);
    const streamed: AnomalyReport[] = [];
    const x = new DetectContext(DEFAULT_SETTINGS, (a) => streamed.push(a));
    const kept: boolean[] = [];
    for (let i = 0; i < 10_001; i++)
      kept.push(x.emit(x.make('syn-flood', null, i, i, `flood ${i}`, {}), null));
    for (let i = 0; i < 2; i++)
      kept.push(x.emit(x.make('time-wait-storm', null, i, i, `storm ${i}`, {}), null));
    expect(streamed).toHaveLength(10_003);
    expect(x.anomalies).toHaveLength(10_002);
    expect(x.omitted).toBe(1);
    expect(x.counts.get('syn-flood')).toBe(10_001);
    expect(x.counts.get('time-wait-storm')).toBe(2);
    // The 10,000th of a kind is kept, the 10,001st is not; the other kind is unaffected.
    expect(kept.indexOf(false)).toBe(10_000);
    expect(kept.slice(10_001)).toEqual([true, true]);
    expect(must(x.anomalies.at(-3), 'x.anomalies.at(-3)').message).toBe('flood 9999');
  });
  it('make() names the severity and hint of the kind, the side, and refuses an unknown kind', () => {
    const x = new DetectContext(DEFAULT_SETTINGS, () => {});
    const a = x.make('syn-flood', 1, 5, 7, 'm', { peak: 3 });
    expect(a).toMatchObject({
      kind: 'syn-flood',
      connection: null,
      endpoint: 'server',
      t: 5,
      frame: 7,
      message: 'm',
    });
    expect(a.severity).toBe(must(KIND_BY_NAME.get('syn-flood'), "KIND_BY_NAME.get('syn-flood')").severity);
    expect(a.hint).toBe(must(KIND_BY_NAME.get('syn-flood'), "KIND_BY_NAME.get('syn-flood')").hint);
    expect(x.make('syn-flood', null, 0, 0, '', {}).endpoint).toBeNull();
    expect(() => x.make('no-such-kind', null, 0, 0, '', {})).toThrow('unknown anomaly kind no-such-kind');
  });
});

describe("a connection's list of anomaly kinds", () => {
  it('zero-window from both endpoints: two anomalies, the kind listed once on the connection', () => {
    const s = setup();
    established(s.w);
    s.w.c('P.', 100, at(s.w, T0 + 1));
    s.w.s('P.', 100, { ...at(s.w, T0 + 2), win: 0 });
    s.w.c('.', 0, { ...at(s.w, T0 + 3), win: 0 });
    expect(s.found.map((a) => [a.kind, a.endpoint])).toEqual([
      ['zero-window', 'server'],
      ['zero-window', 'client'],
    ]);
    expect(s.w.conn.anomalies).toEqual(['zero-window']);
  });
});
