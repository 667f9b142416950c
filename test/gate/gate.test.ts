import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import { evaluateGate, formatFigure, GATE_RULE_ANOMALY_CAP } from '../../src/gate/gate.js';
import type { Report } from '../../src/model/report.js';
import { anomaly, connection, maxRules, report, settings } from './factories.js';
import { at, must } from '../../src/model/checked.js';

const one = (r: Report, name = 'a.pcap') => [{ name, report: r }];

/** `n` anomalies of `kind` on connections start, start+1, ... */
function many(kind: string, n: number, start = 1) {
  return Array.from({ length: n }, (_, i) => anomaly(kind, start + i));
}

describe('no rules', () => {
  test('passes with an empty rule list and a per-capture entry', () => {
    const g = evaluateGate(one(report(many('mid-stream-rst', 3))), settings());
    expect(g).toEqual({ passed: true, rules: [], captures: [{ name: 'a.pcap', passed: true, rules: [] }] });
  });
});

describe('fail-on', () => {
  test('a kind fails on any anomaly of that kind, carrying them', () => {
    const r = report([...many('mid-stream-rst', 2), anomaly('zero-window', 5)]);
    const g = evaluateGate(one(r), settings({ failOn: ['mid-stream-rst'] }));
    expect(g.passed).toBe(false);
    expect(g.rules).toHaveLength(1);
    const rule = at(g.rules, 0);
    expect(rule).toMatchObject({
      name: 'fail-on mid-stream-rst',
      type: 'fail-on',
      target: 'mid-stream-rst',
      passed: false,
      figure: 2,
      limit: 0,
      matched: 2,
      capture: 'a.pcap',
      message: 'fail-on mid-stream-rst: 2 anomalies (2 mid-stream-rst)',
    });
    expect(rule.anomalies.map((a) => a.connection)).toEqual([1, 2]);
  });

  test('a kind that did not occur passes, with no anomalies carried', () => {
    const g = evaluateGate(one(report([anomaly('zero-window')])), settings({ failOn: ['mid-stream-rst'] }));
    expect(g.passed).toBe(true);
    expect(g.rules[0]).toMatchObject({
      passed: true,
      message: 'fail-on mid-stream-rst: no matching anomalies',
      anomalies: [],
    });
  });

  test.each([
    // failOn, anomaly kinds in the capture, verdict
    [['error'], ['mid-stream-rst'], false],
    [['error'], ['zero-window', 'time-wait-storm'], true],
    [['warning'], ['zero-window'], false],
    [['warning'], ['connection-refused'], false], // warning or worse
    [['error', 'warning'], ['keep-alive', 'midstream-start', 'capture-ended-open', 'syn-with-data'], true], // info never
    [['warning'], ['keep-alive'], true],
    [['info'], ['keep-alive'], false], // named explicitly
    [['midstream-start'], ['midstream-start'], false], // an info kind named explicitly
    [['midstream-start'], ['keep-alive'], true],
    [['syn-flood'], ['syn-flood'], false],
  ])('fail-on %j with %j passes: %s', (failOn, kinds, passed) => {
    const r = report(kinds.map((k, i) => anomaly(k, i + 1)));
    expect(evaluateGate(one(r), settings({ failOn })).passed).toBe(passed);
  });

  test('a severity rule counts every matching kind in its message', () => {
    const r = report([
      ...many('mid-stream-rst', 2),
      anomaly('connection-refused', 3),
      anomaly('keep-alive', 4),
    ]);
    const rule = at(evaluateGate(one(r), settings({ failOn: ['error'] })).rules, 0);
    expect(rule.message).toBe('fail-on error: 3 anomalies (2 mid-stream-rst, 1 connection-refused)');
    expect(rule.anomalies.map((a) => a.kind)).toEqual([
      'mid-stream-rst',
      'mid-stream-rst',
      'connection-refused',
    ]);
  });

  test('one rule per entry, each with its own verdict', () => {
    const r = report([anomaly('zero-window')]);
    const g = evaluateGate(one(r), settings({ failOn: ['error', 'zero-window'] }));
    expect(g.rules.map((x) => [x.name, x.passed])).toEqual([
      ['fail-on error', true],
      ['fail-on zero-window', false],
    ]);
    expect(g.passed).toBe(false);
  });

  test('host-level anomalies (no connection) match too', () => {
    const r = report([anomaly('time-wait-storm', null, { host: '10.77.0.1' })]);
    const g = evaluateGate(one(r), settings({ failOn: ['warning'] }));
    expect(g.passed).toBe(false);
    expect(at(at(g.rules, 0).anomalies, 0).host).toBe('10.77.0.1');
  });

  test(`carries at most ${GATE_RULE_ANOMALY_CAP} anomalies, counts them all`, () => {
    const r = report(many('mid-stream-rst', 150));
    const rule = at(evaluateGate(one(r), settings({ failOn: ['error'] })).rules, 0);
    expect(rule.anomalies).toHaveLength(GATE_RULE_ANOMALY_CAP);
    expect(rule.matched).toBe(150);
    expect(rule.figure).toBe(150);
  });
});

describe('max', () => {
  test('a kind count above the limit fails: "mid-stream-rst: 3 > max 0"', () => {
    const r = report([...many('mid-stream-rst', 3), anomaly('zero-window', 9)]);
    const g = evaluateGate(one(r), settings({ max: maxRules('mid-stream-rst=0') }));
    expect(g.passed).toBe(false);
    expect(g.rules[0]).toMatchObject({
      name: 'max mid-stream-rst',
      type: 'max',
      target: 'mid-stream-rst',
      message: 'mid-stream-rst: 3 > max 0',
      figure: 3,
      limit: 0,
      percent: false,
      matched: 3,
    });
    expect(at(g.rules, 0).anomalies.every((a) => a.kind === 'mid-stream-rst')).toBe(true);
  });

  test('a count at the limit passes', () => {
    const g = evaluateGate(
      one(report(many('mid-stream-rst', 2))),
      settings({ max: maxRules('mid-stream-rst=2') }),
    );
    expect(g.passed).toBe(true);
    expect(g.rules[0]).toMatchObject({ message: 'mid-stream-rst: 2 <= max 2', anomalies: [] });
  });

  test('a severity counts that severity only', () => {
    const r = report([...many('mid-stream-rst', 5), anomaly('zero-window', 6), anomaly('keep-alive', 7)]);
    const g = evaluateGate(one(r), settings({ max: maxRules('warning=1', 'info=0', 'error=4') }));
    expect(g.rules.map((x) => x.message)).toEqual([
      'warning: 1 <= max 1',
      'info: 1 > max 0',
      'error: 5 > max 4',
    ]);
    expect(g.passed).toBe(false);
  });

  test('a percentage on a kind is the share of connections with it', () => {
    // 1 refused connection out of 4; two anomalies on the same connection count once
    const r = report([anomaly('connection-refused', 1), anomaly('connection-refused', 1)], {
      connections: 4,
    });
    expect(
      at(evaluateGate(one(r), settings({ max: maxRules('connection-refused=20%') })).rules, 0).message,
    ).toBe('connection-refused: 25% > max 20%');
    expect(evaluateGate(one(r), settings({ max: maxRules('connection-refused=25%') })).passed).toBe(true);
  });

  test('summarised connections count in the denominator and in "connections"', () => {
    const r = report([anomaly('connection-refused', 1)], { connections: 2, summarised: 8 });
    const g = evaluateGate(one(r), settings({ max: maxRules('refused-rate=5%', 'connections=9') }));
    expect(g.rules.map((x) => x.message)).toEqual(['refused-rate: 10% > max 5%', 'connections: 10 > max 9']);
  });

  describe('retransmission-rate: retransmitted over all segments of all endpoints', () => {
    // 5 connections x 100 packets = 500 packets.
    const conns = (retrans: number[]) =>
      retrans.map((n, i) =>
        connection(i + 1, {
          client: { packets: 50, retransmissions: n },
          server: { packets: 50, retransmissions: 0 },
        }),
      );

    test('"retransmission-rate: 4.2% > max 2%", carrying the retransmission anomalies', () => {
      const r = report([anomaly('retransmission-burst', 2), anomaly('mid-stream-rst', 3)], {
        connections: conns([10, 5, 3, 2, 1]),
      });
      const rule = at(evaluateGate(one(r), settings({ max: maxRules('retransmission-rate=2%') })).rules, 0);
      expect(rule.message).toBe('retransmission-rate: 4.2% > max 2%');
      expect(rule.figure).toBeCloseTo(4.2, 9);
      expect(rule.anomalies.map((a) => a.kind)).toEqual(['retransmission-burst']);
    });

    test('exactly at the limit passes', () => {
      const r = report([], { connections: conns([4, 2, 2, 1, 1]) });
      const g = evaluateGate(one(r), settings({ max: maxRules('retransmission-rate=2%') }));
      expect(g.passed).toBe(true);
      expect(at(g.rules, 0).message).toBe('retransmission-rate: 2% <= max 2%');
    });

    test('just above the limit is shown with enough digits to tell', () => {
      const c = conns([0]);
      at(c, 0).client.packets = 99_950; // 100,000 packets in all
      at(c, 0).client.retransmissions = 2001;
      const g = evaluateGate(
        one(report([], { connections: c })),
        settings({ max: maxRules('retransmission-rate=2%') }),
      );
      expect(g.passed).toBe(false);
      expect(at(g.rules, 0).message).toBe('retransmission-rate: 2.001% > max 2%');
    });

    test('no packets is 0%', () => {
      const g = evaluateGate(
        one(report([])),
        settings({ max: maxRules('retransmission-rate=0%', 'retransmissions=0') }),
      );
      expect(g.passed).toBe(true);
    });

    test('retransmissions counts them', () => {
      const r = report([], { connections: conns([1, 2, 3, 0, 0]) });
      expect(
        at(evaluateGate(one(r), settings({ max: maxRules('retransmissions=5') })).rules, 0).message,
      ).toBe('retransmissions: 6 > max 5');
    });
  });

  test('rules come in order: fail-on entries, then max entries', () => {
    const g = evaluateGate(
      one(report()),
      settings({ failOn: ['error', 'zero-window'], max: maxRules('connections=10', 'warning=0') }),
    );
    expect(g.rules.map((r) => r.name)).toEqual([
      'fail-on error',
      'fail-on zero-window',
      'max connections',
      'max warning',
    ]);
  });
});

describe('baseline', () => {
  const base = report([...many('mid-stream-rst', 2), anomaly('zero-window', 3)], { connections: 10 });

  test('fail-on passes when nothing got worse than the baseline', () => {
    const r = report([...many('mid-stream-rst', 2, 5), anomaly('zero-window', 9)], { connections: 10 });
    const g = evaluateGate(one(r), settings({ failOn: ['error', 'warning'] }), base);
    expect(g.passed).toBe(true);
    expect(g.baseline).toBe(true);
    expect(g.rules[0]).toMatchObject({
      message: 'fail-on error: 2 matching, none above the baseline (2)',
      figure: 2,
      baselineFigure: 2,
    });
  });

  test('fail-on fails on a kind above its baseline count and on a new kind, carrying only those', () => {
    const r = report([
      ...many('mid-stream-rst', 3),
      anomaly('connection-refused', 7),
      anomaly('zero-window', 8),
    ]);
    const g = evaluateGate(one(r), settings({ failOn: ['warning'] }), base);
    expect(g.passed).toBe(false);
    const rule = at(g.rules, 0);
    expect(rule.message).toBe('fail-on warning: mid-stream-rst 3 > baseline 2, connection-refused 1 (new)');
    expect(rule.anomalies.map((a) => a.kind).sort()).toEqual([
      'connection-refused',
      'mid-stream-rst',
      'mid-stream-rst',
      'mid-stream-rst',
    ]);
  });

  test('fewer than the baseline passes', () => {
    const g = evaluateGate(
      one(report([anomaly('mid-stream-rst')])),
      settings({ failOn: ['mid-stream-rst'] }),
      base,
    );
    expect(g.passed).toBe(true);
  });

  test('max: the limit becomes the baseline figure when that is higher', () => {
    const rules = settings({ max: maxRules('mid-stream-rst=0') });
    const same = evaluateGate(one(report(many('mid-stream-rst', 2))), rules, base);
    expect(same.passed).toBe(true);
    expect(same.rules[0]).toMatchObject({
      message: 'mid-stream-rst: 2 <= baseline 2 (max 0)',
      baselineFigure: 2,
    });
    const worse = evaluateGate(one(report(many('mid-stream-rst', 3))), rules, base);
    expect(worse.passed).toBe(false);
    expect(at(worse.rules, 0).message).toBe('mid-stream-rst: 3 > baseline 2 (max 0)');
  });

  test('max: a baseline below the limit changes nothing but is shown', () => {
    const g = evaluateGate(
      one(report(many('mid-stream-rst', 6))),
      settings({ max: maxRules('mid-stream-rst=5') }),
      base,
    );
    expect(g.passed).toBe(false);
    expect(at(g.rules, 0).message).toBe('mid-stream-rst: 6 > max 5 (baseline 2)');
  });

  test('max: rates compare with the baseline rate', () => {
    const mk = (retrans: number) =>
      report([], { connections: [connection(1, { client: { packets: 90, retransmissions: retrans } })] });
    const rules = settings({ max: maxRules('retransmission-rate=1%') });
    const baseline = mk(5); // 5 of 100 packets
    expect(evaluateGate(one(mk(5)), rules, baseline).passed).toBe(true);
    const worse = evaluateGate(one(mk(8)), rules, baseline);
    expect(worse.passed).toBe(false);
    expect(at(worse.rules, 0).message).toBe('retransmission-rate: 8% > baseline 5% (max 1%)');
  });
});

describe('several captures: one verdict, a breakdown per capture', () => {
  const a = report([anomaly('zero-window')]);
  const b = report(many('mid-stream-rst', 2));
  const captures = [
    { name: 'a.pcap', report: a },
    { name: 'b.pcap', report: b },
  ];

  test('any capture failing fails the verdict', () => {
    const g = evaluateGate(captures, settings({ failOn: ['error'], max: maxRules('zero-window=5') }));
    expect(g.passed).toBe(false);
    expect(must(g.captures, 'g.captures').map((c) => [c.name, c.passed])).toEqual([
      ['a.pcap', true],
      ['b.pcap', false],
    ]);
    expect(at(must(g.captures, 'g.captures'), 1).rules[0]).toMatchObject({
      capture: 'b.pcap',
      passed: false,
      message: 'fail-on error: 2 anomalies (2 mid-stream-rst)',
    });
    expect(g.rules.map((r) => [r.name, r.passed])).toEqual([
      ['fail-on error', false],
      ['max zero-window', true],
    ]);
    expect(at(g.rules, 0).message).toBe(
      'fail-on error: failed on 1 of 2 captures: b.pcap: fail-on error: 2 anomalies (2 mid-stream-rst)',
    );
    expect(at(g.rules, 0).capture).toBeUndefined();
    expect(at(g.rules, 0).anomalies).toHaveLength(2);
    expect(at(g.rules, 1).message).toBe('max zero-window: passed on all 2 captures');
  });

  test('limits apply to each capture, not to the sum', () => {
    const g = evaluateGate(
      [
        { name: 'b1.pcap', report: b },
        { name: 'b2.pcap', report: b },
      ],
      settings({ max: maxRules('mid-stream-rst=2') }),
    );
    expect(g.passed).toBe(true);
    expect(g.rules[0]).toMatchObject({ figure: 2, matched: 4 });
  });

  test('all passing passes', () => {
    const g = evaluateGate(captures, settings({ failOn: ['syn-flood'] }));
    expect(g.passed).toBe(true);
    expect(must(g.captures, 'g.captures').every((c) => c.passed)).toBe(true);
  });

  test('no captures: passes with no rules to report', () => {
    const g = evaluateGate([], settings({ failOn: ['error'] }));
    expect(g.passed).toBe(true);
    expect(g.captures).toEqual([]);
  });
});

describe('settings that did not come through validation', () => {
  test('an unknown fail-on entry is a UsageError, not a gate that always passes', () => {
    expect(() => evaluateGate(one(report()), settings({ failOn: ['mid-stream-reset'] }))).toThrow(UsageError);
  });

  test('a rate without a percentage is a UsageError', () => {
    const max = { 'retransmission-rate': { limit: 2, percent: false } };
    expect(() => evaluateGate(one(report()), settings({ max }))).toThrow(/is a rate/);
  });
});

describe('formatFigure', () => {
  test.each([
    [3, false, undefined, '3'],
    [4.2, true, undefined, '4.2%'],
    [4.16666, true, undefined, '4.17%'],
    [0, true, undefined, '0%'],
    [2.0001, true, 2, '2.0001%'],
    [2.0001, true, undefined, '2%'],
  ])('%d percent=%s above=%s: %s', (v, p, above, s) => {
    expect(formatFigure(v, p, above)).toBe(s);
  });
});
