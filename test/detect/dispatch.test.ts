/**
 * The dispatcher (src/detect/detectors.ts): deadlines fire at the first
 * segment of any connection at or after them, each at its own time; settled()
 * says whether the end of the capture can still change a connection's
 * anomalies; forget() stops the timers of summarised connections.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/tcp/connection.js';
import type { Wire } from '../tcp/wire.js';
import { at, EPS, manyWires, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** Handshake at t0, then the client closes at t0 + 1 and the server acknowledges: the server in CLOSE_WAIT. */
function serverCloseWait(w: Wire, t0 = T0): Connection {
  w.c('S', 0, at(w, t0));
  w.s('S.', 0, at(w, t0 + EPS));
  w.c('.', 0, at(w, t0 + 2 * EPS));
  w.c('F.', 0, at(w, t0 + 1));
  w.s('.', 0, at(w, t0 + 1 + EPS));
  expect(w.states()[1]).toBe('CLOSE_WAIT');
  return w.conn;
}

describe('deadlines fire at the first segment at or after them (close-wait-stuck, timeout 5 s)', () => {
  /** A server in CLOSE_WAIT; a segment of another connection at its deadline + `dt`: what was raised by then. */
  function probeAt(dt: number) {
    const { found, wire } = manyWires({});
    const c = serverCloseWait(wire(41000));
    const deadline = c.server.stateSince + 5;
    const p = wire(42000, 443);
    const probe = p.c('S', 0, at(p, deadline + dt));
    return { raised: found.map((a) => [a.kind, a.t, a.frame]), frame: probe.frame, deadline };
  }
  it('a segment exactly at the deadline raises it, at the deadline, with that segment frame', () => {
    const { raised, frame, deadline } = probeAt(0);
    expect(raised).toEqual([['close-wait-stuck', deadline, frame]]);
  });
  it('a segment just before the deadline raises nothing yet', () => {
    expect(probeAt(-EPS).raised).toEqual([]);
  });

  it('two deadlines 1 s apart: each is raised by the segment at its own time', () => {
    const { found, wire } = manyWires({});
    const a = serverCloseWait(wire(41000), T0);
    const b = serverCloseWait(wire(41001), T0 + 1);
    const p = wire(42000, 443);
    p.c('S', 0, at(p, a.server.stateSince + 5));
    expect(found.map((x) => x.connection)).toEqual([a.id]);
    p.c('S', 0, at(p, b.server.stateSince + 5));
    expect(found.map((x) => [x.kind, x.t])).toEqual([
      ['close-wait-stuck', a.server.stateSince + 5],
      ['close-wait-stuck', b.server.stateSince + 5],
    ]);
  });
});

describe('settled(): can the end of the capture still change the connection anomalies?', () => {
  it('a connection without anomalies: settled', () => {
    const { w, det } = setup();
    w.c('S', 0, at(w, T0));
    w.s('S.', 0, at(w, T0 + EPS));
    w.c('.', 0, at(w, T0 + 2 * EPS));
    expect(w.conn.det).toBeNull();
    expect(det.settled(w.conn, T0 + 1)).toBe(true);
  });
  it('a server still in CLOSE_WAIT past its deadline: not settled (the time it has been stuck grows with the end)', () => {
    const { w, det, found } = setup();
    const c = serverCloseWait(w);
    w.settle(10);
    det.tick(w.t);
    expect(found.map((a) => a.kind)).toEqual(['close-wait-stuck']);
    expect(det.settled(c, w.t)).toBe(false);
  });
  it('the same server after it closed: settled (the stuck anomaly holds how long it stayed)', () => {
    const { w, det, found } = setup();
    const c = serverCloseWait(w);
    w.settle(10);
    det.tick(w.t);
    w.s('F.', 0, at(w, w.t + 1));
    w.c('.', 0, at(w, w.t + EPS));
    expect(must(must(found[0], 'found[0]').details, "must(found[0], 'found[0]').details").closed).toBe(true);
    expect(det.settled(c, w.t)).toBe(true);
  });
  it('a connection with an anomaly no family updates at the end (connection-refused): settled', () => {
    const { w, det, kinds } = setup();
    w.c('S', 0, at(w, T0));
    w.s('R.', 0, at(w, T0 + EPS));
    expect(kinds()).toEqual(['connection-refused']);
    expect(det.settled(w.conn, w.t)).toBe(true);
  });
});

describe('forget(): summarised connections raise nothing from their timers any more', () => {
  it('a server in CLOSE_WAIT forgotten before its deadline: no close-wait-stuck after it', () => {
    const { det, found, wire } = manyWires({});
    const w = wire(41000);
    const c = serverCloseWait(w);
    const gone = new Set([c]);
    w.tracker.forget(gone);
    det.forget(gone);
    const p = wire(42000, 443);
    p.c('S', 0, at(p, c.server.stateSince + 10));
    det.finish(T0 + 20, []);
    expect(found.filter((a) => a.kind === 'close-wait-stuck')).toEqual([]);
  });
  it('the same without forget(): close-wait-stuck at the deadline', () => {
    const { det, found, wire } = manyWires({});
    const c = serverCloseWait(wire(41000));
    const p = wire(42000, 443);
    p.c('S', 0, at(p, c.server.stateSince + 10));
    det.finish(T0 + 20, []);
    expect(found.filter((a) => a.kind === 'close-wait-stuck').map((a) => a.connection)).toEqual([c.id]);
  });
  /** A client whose SYN, resent once at T0 + 1, is never answered; forgotten at once or not. */
  function unansweredSyn(forget: boolean) {
    const { det, found, wire } = manyWires({});
    const w = wire(41000);
    w.c('S', 0, at(w, T0));
    w.c('S', 0, at(w, T0 + 1));
    if (forget) {
      const gone = new Set([w.conn]);
      w.tracker.forget(gone);
      det.forget(gone);
    }
    const p = wire(42000, 443);
    p.c('S', 0, at(p, T0 + 10));
    return found.map((a) => a.kind);
  }
  it('a client resending an unanswered SYN: syn-no-synack at its deadline', () => {
    expect(unansweredSyn(false)).toEqual(['syn-no-synack']);
  });
  it('the same client forgotten before the deadline: nothing', () => {
    expect(unansweredSyn(true)).toEqual([]);
  });
});

describe('a connection that ends is judged then, not only at the end of the capture', () => {
  it('20 data segments and 4 resent, then a RST: high-retransmission-rate raised at the RST, before finish()', () => {
    const { w, det, kinds } = setup();
    w.c('S', 0, at(w, T0));
    w.s('S.', 0, at(w, T0 + EPS));
    w.c('.', 0, at(w, T0 + 2 * EPS));
    for (let i = 0; i < 20; i++) {
      w.c('P.', 10, at(w, T0 + 1 + i));
      w.s('.', 0, at(w, T0 + 1 + i + EPS));
      if (i % 5 === 4) w.c('P.', 10, { ...at(w, T0 + 1.5 + i), seq: w.side[0].nxt - 10 });
    }
    expect(w.conn.client.retransmissions).toBe(4);
    w.c('R.', 0, at(w, T0 + 30));
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(kinds()).toContain('high-retransmission-rate');
    expect(det.omitted).toBe(0);
  });
});
