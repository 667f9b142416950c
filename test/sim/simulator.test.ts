/**
 * The oracle checked before it judges anything: the simulator's endpoints
 * follow RFC 9293 and the Linux timers on scenarios whose answer is known, and
 * each oracle check catches a report that is wrong in the way it looks for
 * (a transition-table mutant, a state off by one step, a stray anomaly).
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import {
  checkAbsence,
  checkDuplicates,
  checkFinalStates,
  checkLegal,
  checkSimulator,
  newFinalStats,
  report,
} from './oracle.js';
import { A, B, connect, exchange, listen, scenario } from './scenarios.js';
import { type Action, SIM_EPOCH, type Scenario, simulate } from './sim.js';
import { F } from './tcp.js';
import { at, must } from '../../src/model/checked.js';

const COND = { delayAB: 0.01, delayBA: 0.01, at: 0.5, seed: 7 };
const run = (actions: Action[], until: number, extra: Partial<Scenario> = {}) =>
  simulate({ ...scenario('t', COND, actions, until), ...extra });
const states = (r: ReturnType<typeof simulate>, name: string) =>
  must(
    r.endpoints.find((e) => e.name === name),
    'r.endpoints.find((e) => e.name === name)',
  ).changes.map((c) => c.to);
const times = (r: ReturnType<typeof simulate>, name: string) =>
  must(
    r.endpoints.find((e) => e.name === name),
    'r.endpoints.find((e) => e.name === name)',
  ).changes.map((c) => +c.t.toFixed(3));
const stats = newFinalStats;

describe('simulator', () => {
  it('a client-closed connection goes through the RFC 9293 Figure 5 states on both sides, TIME_WAIT lasting 2 x MSL', () => {
    const r = run([listen(), connect(0.1), ...exchange('c')], 100);
    expect(states(r, 'c')).toEqual([
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
      'CLOSED',
    ]);
    expect(states(r, 's0')).toEqual(['SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
    const c = must(
      r.endpoints.find((e) => e.name === 'c'),
      "r.endpoints.find((e) => e.name === 'c')",
    ).changes;
    expect(at(c, 5).t - at(c, 4).t).toBeCloseTo(60, 6);
    expect(checkSimulator(r)).toEqual([]);
  });

  it('simultaneous close passes through CLOSING on both sides', () => {
    const r = run(
      [listen(), connect(0.1), { t: 1, op: 'close', sock: 'c' }, { t: 1, op: 'close', sock: 's0' }],
      10,
    );
    expect(states(r, 'c')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(states(r, 's0')).toEqual(['SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
  });

  it('a close in SYN_RECEIVED holds its FIN until the SYN is acknowledged, and sends it even when the peer FIN came with that ACK (CLOSING)', () => {
    const r = simulate(
      scenario(
        't',
        COND,
        [listen(), connect(0.1), { t: 0.2, op: 'close', sock: 's0' }, { t: 0.3, op: 'close', sock: 'c' }],
        5,
        { drops: [{ from: A, what: 'ACK', nth: 1, where: 'before', count: 1 }] },
      ),
    );
    expect(states(r, 's0').slice(0, 4)).toEqual(['SYN_RECEIVED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(r.frames.some((f) => !f.ab && (f.seg.flags & F.FIN) !== 0)).toBe(true);
    expect(states(r, 'c').at(-1)).toBe('TIME_WAIT');
  });

  it('simultaneous open: SYN_SENT -> SYN_RECEIVED -> ESTABLISHED on both sides (RFC 9293 Figure 8)', () => {
    const r = run(
      [connect(0.1), { t: 0.1, op: 'connect', sock: 'p', host: B, port: 80, to: A, toPort: 40000 }],
      1,
    );
    expect(states(r, 'c')).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
    expect(states(r, 'p')).toEqual(['SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
  });

  it('an unanswered SYN is retried with a doubling timeout (1 s initial RTO) and the client gives up after tcp_syn_retries', () => {
    const r = run([{ t: 0, op: 'silent', host: B }, connect(0, 'c', 40000, { synRetries: 3 })], 30);
    const syns = r.frames.filter((f) => f.seg.flags === F.SYN).map((f) => +f.t.toFixed(3));
    expect(syns).toEqual([0.005, 1.005, 3.005, 7.005]);
    expect(times(r, 'c')).toEqual([0, 15]);
    expect(states(r, 'c')).toEqual(['SYN_SENT', 'CLOSED']);
  });

  it('SYN cookies: past the SYN queue the listener keeps no state and never retransmits that SYN-ACK', () => {
    const r = run(
      [listen({ backlog: 0 }), connect(0.1, 'c', 40000, undefined, 1000), { t: 0.1, op: 'silent', host: A }],
      20,
    );
    expect(r.frames.filter((f) => f.seg.flags === (F.SYN | F.ACK))).toHaveLength(1);
    expect(r.endpoints.map((e) => e.name)).toEqual(['c']);
    const ok = run([listen({ backlog: 0 }), connect(0.1), { t: 0.5, op: 'send', sock: 'c', bytes: 100 }], 2);
    expect(states(ok, 's0')).toEqual(['ESTABLISHED']);
    expect(checkSimulator(ok)).toEqual([]);
  });

  it('a SYN to a closed port is answered by RST+ACK; data to a crashed host by RST', () => {
    const r = run([connect(0.1)], 2);
    expect(r.frames.map((f) => f.seg.flags)).toEqual([F.SYN, F.RST | F.ACK]);
    expect(states(r, 'c')).toEqual(['SYN_SENT', 'CLOSED']);
    const c = run(
      [listen(), connect(0.1), { t: 0.5, op: 'crash', host: B }, { t: 1, op: 'send', sock: 'c', bytes: 10 }],
      3,
    );
    expect(must(c.frames.at(-1), 'c.frames.at(-1)').seg.flags).toBe(F.RST);
    expect(states(c, 'c').at(-1)).toBe('CLOSED');
  });

  it('close() with unread data and SO_LINGER 0 send a RST; an orphan FIN_WAIT_2 ends after tcp_fin_timeout', () => {
    const unread = run(
      [
        listen(),
        connect(0.1),
        { t: 0.2, op: 'pause-read', sock: 's0' },
        { t: 0.3, op: 'send', sock: 'c', bytes: 10 },
        { t: 1, op: 'close', sock: 's0' },
      ],
      2,
    );
    expect(
      must(
        must(
          unread.endpoints.find((e) => e.name === 's0'),
          "unread.endpoints.find((e) => e.name === 's0')",
        ).changes.at(-1),
        "must(unread.endpoints.find((e) => e.name === 's...",
      ).event,
    ).toBe('close with unread data');
    const orphan = run([listen(), connect(0.1), { t: 1, op: 'close', sock: 'c' }], 100);
    expect(states(orphan, 'c').slice(-2)).toEqual(['FIN_WAIT_2', 'CLOSED']);
    const c = must(
      orphan.endpoints.find((e) => e.name === 'c'),
      "orphan.endpoints.find((e) => e.name === 'c')",
    ).changes;
    expect(must(c.at(-1), 'c.at(-1)').t - must(c.at(-2), 'c.at(-2)').t).toBeCloseTo(60, 6);
    expect(states(orphan, 's0').at(-1)).toBe('CLOSE_WAIT');
  });

  it('keep-alive probes carry SND.UNA - 1 and no data; a silent peer is given up with a RST after the probes', () => {
    const r = run(
      [
        listen(),
        connect(0, 'c', 40000, { keepalive: { idle: 5, intvl: 1, probes: 2 } }),
        { t: 1, op: 'silent', host: B },
      ],
      20,
    );
    const probes = r.frames.filter((f) => f.seg.src === A && f.seg.flags === F.ACK && f.t > 4);
    expect(probes.map((f) => +f.t.toFixed(3))).toEqual([5.025, 6.025]);
    const ack = must(
      r.frames.find((f) => f.seg.src === A && f.seg.flags === F.ACK),
      'r.frames.find((f) => f.seg.src === A && f.seg.f...',
    ).seg.seq;
    expect(at(probes, 0).seg.seq).toBe((ack - 1) >>> 0);
    expect(must(r.frames.at(-1), 'r.frames.at(-1)').seg.flags & F.RST).toBeTruthy();
    expect(states(r, 'c').at(-1)).toBe('CLOSED');
  });

  it('a stopped reader closes the window; the sender probes it and resumes when it opens', () => {
    const r = run(
      [
        listen(),
        connect(0.1),
        { t: 0.2, op: 'pause-read', sock: 's0' },
        { t: 0.3, op: 'send', sock: 'c', bytes: 100_000 },
        { t: 5, op: 'resume-read', sock: 's0' },
      ],
      8,
    );
    expect(r.frames.some((f) => f.seg.src === B && f.seg.win === 0)).toBe(true);
    const bytes = r.frames.filter((f) => f.seg.src === A).reduce((n, f) => n + f.seg.len, 0);
    expect(bytes).toBeGreaterThanOrEqual(100_000);
    expect(r.coverage.get('ESTABLISHED --window probe--> ESTABLISHED')).toBeGreaterThan(0);
  });

  it("a capture point next to A sees B's segments one path delay after they leave B; a frame lost before it is not captured", () => {
    const r = run([listen(), connect(0)], 1, { capture: { at: 0, dir: 'both', loss: 0, twice: false } });
    expect(r.frames.map((f) => +f.t.toFixed(4))).toEqual([0, 0.02, 0.02]);
    const lost = run([listen(), connect(0)], 1.5, {
      path: {
        ...scenario('t', COND, [], 1).path,
        drops: [{ from: A, what: 'SYN', nth: 1, where: 'before' }],
      },
    });
    expect(at(lost.frames, 0).t).toBeCloseTo(1.005, 6);
  });
});

describe('oracle checks catch a wrong report', () => {
  const res = run([listen(), connect(0.1), ...exchange('c')], 10);
  const clone = (r: Report): Report => structuredClone(r);

  it('final states: equal passes; a wrong state fails unless marked inferred; a wrong `since` fails', async () => {
    const rep = await report(res.frames);
    expect(checkFinalStates(res, res.frames, rep, stats())).toEqual([]);
    const bad = clone(rep);
    at(bad.connections, 0).server.state = 'ESTABLISHED';
    Object.assign(at(bad.connections, 0).server, { stateEvidence: 'seen' });
    expect(checkFinalStates(res, res.frames, bad, stats()).map((v) => v.key)).toEqual([
      'final-state [clean-path] server ESTABLISHED!=LAST_ACK',
    ]);
    Object.assign(at(bad.connections, 0).server, { stateEvidence: 'inferred' });
    const st = stats();
    expect(checkFinalStates(res, res.frames, bad, st)).toEqual([]);
    expect(st.inferredMismatch).toBe(1);
    const since = clone(rep);
    const entered = must(
      must(
        res.endpoints.find((e) => e.name === 'c'),
        "res.endpoints.find((e) => e.name === 'c')",
      ).changes.find((c) => c.to === 'TIME_WAIT'),
      "must(res.endpoints.find((e) => e.name === 'c'),...",
    ).t;
    Object.assign(at(since.connections, 0).client, { since: SIM_EPOCH + entered });
    expect(checkFinalStates(res, res.frames, since, stats())).toEqual([]);
    Object.assign(at(since.connections, 0).client, { since: SIM_EPOCH + entered - 5 });
    expect(checkFinalStates(res, res.frames, since, stats()).map((v) => v.property)).toEqual(['since']);
  });

  it('legal transitions: the audit mutant FIN_WAIT_2 + FIN -> CLOSING is caught, and a broken chain', async () => {
    const rep = await report(res.frames);
    expect(checkLegal(rep, res.scenario)).toEqual([]);
    const bad = clone(rep);
    const t = must(
      at(bad.connections, 0).transitions.find((x) => x.from === 'FIN_WAIT_2'),
      'at(bad.connections, 0).transitions.find((x) => ...',
    );
    t.to = 'CLOSING';
    expect(checkLegal(bad, res.scenario).map((v) => v.key)).toContain(
      'legal-transition [clean-path] FIN_WAIT_2>CLOSING',
    );
    const gap = clone(rep);
    at(gap.connections, 0).transitions = at(gap.connections, 0).transitions.filter(
      (x) => x.to !== 'FIN_WAIT_2',
    );
    expect(checkLegal(gap, res.scenario).map((v) => v.key)).toEqual([
      'legal-transition [clean-path] chain FIN_WAIT_1/FIN_WAIT_2',
    ]);
  });

  it('duplicates and absence: an extra anomaly is caught; an info-level one is not an absence warning', async () => {
    const rep = await report(res.frames);
    const extra = clone(rep);
    extra.anomalies.push({
      kind: 'synack-no-ack',
      severity: 'error',
      connection: 1,
      endpoint: 'server',
      t: 0,
      frame: 1,
      message: '',
      hint: '',
    });
    expect(checkDuplicates(rep, extra, res.scenario).map((v) => v.key)).toEqual([
      'duplicates [clean-path] +synack-no-ack',
    ]);
    expect(checkAbsence(rep, extra, 'frames removed', res.scenario, res.frames)).toHaveLength(1);
    must(extra.anomalies.at(-1), 'extra.anomalies.at(-1)').severity = 'info';
    expect(checkAbsence(rep, extra, 'frames removed', res.scenario, res.frames)).toEqual([]);
  });
});
