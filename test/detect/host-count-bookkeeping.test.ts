/**
 * The bookkeeping behind time-wait-storm and syn-flood (src/detect/hosts.ts):
 * a host whose count went back to none starts afresh, a host with an anomaly
 * is kept to the end, the peak's time is when it was first reached, what keeps
 * a handshake half-open, and the queue of summarised TIME_WAIT endpoints.
 */
import { describe, expect, it } from 'vitest';
import type { AnomalyReport } from '../../src/model/report.js';
import type { Connection } from '../../src/tcp/connection.js';
import type { Wire } from '../tcp/wire.js';
import { at, clientTimeWait, EPS, manyWires, summarise, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** The server closes first at t0 + 1: the server in TIME_WAIT from t0 + 1 + 2 EPS. */
function serverTimeWait(w: Wire, t0 = T0): Connection {
  w.c('S', 0, at(w, t0));
  w.s('S.', 0, at(w, t0 + EPS));
  w.c('.', 0, at(w, t0 + 2 * EPS));
  w.s('F.', 0, at(w, t0 + 1));
  w.c('F.', 0, at(w, t0 + 1 + EPS));
  w.s('.', 0, at(w, t0 + 1 + 2 * EPS));
  expect(w.states()[1]).toBe('TIME_WAIT');
  return w.conn;
}

const of = (found: AnomalyReport[], kind: string) => found.filter((a) => a.kind === kind);

describe('time-wait-storm: a host back to none starts afresh; one with a storm is kept', () => {
  it('threshold 1: a client whose TIME_WAIT ended before two others began is not in their port range', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const first = wire(41000);
    clientTimeWait(first);
    first.settle(70);
    expect(first.states()[0]).toBe('CLOSED');
    clientTimeWait(wire(41005), T0 + 80);
    clientTimeWait(wire(41006), T0 + 80.5);
    det.finish(T0 + 90, []);
    expect(of(found, 'time-wait-storm').map((a) => a.message)).toEqual([
      '10.0.0.1 held 2 TIME_WAIT endpoints at once at its peak; ports 41005-41006',
    ]);
  });
  it('threshold 1: two clients in TIME_WAIT, both over by the end: the storm still gets its final figures', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const a = wire(41000);
    const b = wire(41001);
    clientTimeWait(a);
    clientTimeWait(b, T0 + 0.5);
    a.settle(70);
    b.settle(70);
    expect([a.states()[0], b.states()[0]]).toEqual(['CLOSED', 'CLOSED']);
    det.finish(T0 + 80, []);
    expect(of(found, 'time-wait-storm').map((x) => [x.message, must(x.details, 'x.details').peak])).toEqual([
      ['10.0.0.1 held 2 TIME_WAIT endpoints at once at its peak; ports 41000-41001', 2],
    ]);
  });
  it('threshold 1: the peak of 2 reached at T0 + 1.5 + 2 EPS and again later: its time and frame are the first', () => {
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    const a = wire(41000);
    clientTimeWait(a);
    const b = wire(41001);
    clientTimeWait(b, T0 + 0.5);
    const firstFrame = b.frame;
    a.settle(70);
    clientTimeWait(wire(41002), T0 + 71);
    det.finish(T0 + 80, []);
    const storm = of(found, 'time-wait-storm');
    expect(storm.map((x) => must(x.details, 'x.details').peak)).toEqual([2]);
    expect(must(must(storm[0], 'storm[0]').details, "must(storm[0], 'storm[0]').details").peakTime).toBe(
      T0 + 1.5 + 2 * EPS,
    );
    expect(must(must(storm[0], 'storm[0]').details, "must(storm[0], 'storm[0]').details").peakFrame).toBe(
      firstFrame,
    );
  });
});

describe('syn-flood: what keeps a handshake half-open, and the message as raised', () => {
  it('threshold 2, three clients resending their SYN while their server is in SYN_RECEIVED: a flood of 3', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, { ...at(w, T0 + EPS), lost: true });
      w.c('S', 0, at(w, T0 + 1));
      expect(w.states()[1]).toBe('SYN_RECEIVED');
    }
    det.finish(T0 + 2, []);
    expect(of(found, 'syn-flood').map((a) => must(a.details, 'a.details').peak)).toEqual([3]);
  });
  it('threshold 2: as raised at the third half-open handshake, "10.0.0.2:80 held 3 half-open handshakes at once (threshold 2)"', () => {
    const { found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
    }
    expect(of(found, 'syn-flood').map((a) => [a.host, a.message])).toEqual([
      ['10.0.0.2:80', '10.0.0.2:80 held 3 half-open handshakes at once (threshold 2)'],
    ]);
  });
  it('threshold 2: three established connections whose server sent data last are not half-open: no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, at(w, T0 + 2 * EPS));
      w.c('P.', 10, at(w, T0 + 1));
      w.s('P.', 10, at(w, T0 + 1 + EPS));
    }
    det.finish(T0 + 2, []);
    expect(of(found, 'syn-flood')).toEqual([]);
  });
});

describe('time-wait-storm: the queue of summarised TIME_WAIT endpoints', () => {
  it('threshold 1: a summarised connection whose client is ESTABLISHED takes nothing from its host count later', () => {
    // A's client (10.0.0.1) in TIME_WAIT stays counted (its tracker never
    // advances); B's client, also 10.0.0.1, is ESTABLISHED when summarised.
    const { det, found, wire } = manyWires({ timeWaitThreshold: 1 });
    clientTimeWait(wire(41000));
    const wb = wire(41001);
    wb.c('S', 0, at(wb, T0));
    wb.s('S.', 0, at(wb, T0 + EPS));
    wb.c('.', 0, at(wb, T0 + 2 * EPS));
    summarise(det, [wb, wb.conn]);
    clientTimeWait(wire(41002), T0 + 70);
    det.finish(T0 + 80, []);
    expect(of(found, 'time-wait-storm').map((a) => must(a.details, 'a.details').peak)).toEqual([2]);
  });
  it('threshold 2: an expired summarised TIME_WAIT is not counted down twice when another is summarised after it', () => {
    // A (server 10.0.0.2 in TIME_WAIT until T0 + 61 + 2 EPS) summarised and
    // counted down at T0 + 61.5; B (client 10.0.0.1, until T0 + 63 + 2 EPS)
    // summarised then; C and D (10.0.0.1) enter TIME_WAIT before B leaves: 3.
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    const wa = wire(41000);
    const a = serverTimeWait(wa);
    const wb = wire(41001);
    const b = clientTimeWait(wb, T0 + 2);
    summarise(det, [wa, a]);
    const wx = wire(42000, 443);
    wx.c('S', 0, at(wx, T0 + 61.5));
    summarise(det, [wb, b]);
    clientTimeWait(wire(41002), T0 + 61.75);
    clientTimeWait(wire(41003), T0 + 61.875);
    det.finish(T0 + 70, []);
    expect(of(found, 'time-wait-storm').map((x) => [x.host, must(x.details, 'x.details').peak])).toEqual([
      ['10.0.0.1', 3],
    ]);
  });
  it('threshold 2: after an expired summarised TIME_WAIT of another host, a later one still counts its own host down', () => {
    // A (server 10.0.0.2) summarised, counted down at T0 + 62; B (client
    // 10.0.0.1, until T0 + 63 + 2 EPS) summarised then, and counted down at
    // T0 + 64: C and D (10.0.0.1) in TIME_WAIT after that make 2, no storm.
    const { det, found, wire } = manyWires({ timeWaitThreshold: 2 });
    const wa = wire(41000);
    const a = serverTimeWait(wa);
    const wb = wire(41001);
    const b = clientTimeWait(wb, T0 + 2);
    summarise(det, [wa, a]);
    const wx = wire(42000, 443);
    wx.c('S', 0, at(wx, T0 + 62));
    summarise(det, [wb, b]);
    clientTimeWait(wire(41002), T0 + 64);
    clientTimeWait(wire(41003), T0 + 64.5);
    det.finish(T0 + 70, []);
    expect(of(found, 'time-wait-storm')).toEqual([]);
  });
  it('summarising a TIME_WAIT connection does not put off an earlier close-wait-stuck deadline', () => {
    const { found, det, wire } = manyWires({});
    const w = wire(41000);
    w.c('S', 0, at(w, T0));
    w.s('S.', 0, at(w, T0 + EPS));
    w.c('.', 0, at(w, T0 + 2 * EPS));
    w.c('F.', 0, at(w, T0 + 1));
    w.s('.', 0, at(w, T0 + 1 + EPS));
    const deadline = w.conn.server.stateSince + 5;
    const wt = wire(41001);
    summarise(det, [wt, clientTimeWait(wt, T0 + 2)]);
    const p = wire(42000, 443);
    p.c('S', 0, at(p, deadline));
    expect(found.map((a) => [a.kind, a.t])).toEqual([['close-wait-stuck', deadline]]);
  });
});

describe('syn-flood: which SYN_RECEIVED counts', () => {
  it('threshold 2: three servers that resend their SYN-ACK once ESTABLISHED (they sent data) are no flood', () => {
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S.', 0, at(w, T0 + EPS));
      w.c('.', 0, at(w, T0 + 2 * EPS));
      w.s('P.', 10, at(w, T0 + 3 * EPS));
      w.s('S.', 0, { ...at(w, T0 + 1), seq: 5000 });
      expect(w.states()[1]).toBe('ESTABLISHED');
    }
    det.finish(T0 + 2, []);
    expect(of(found, 'syn-flood')).toEqual([]);
  });
  it('threshold 2: three simultaneous opens whose SYN-ACKs crossed (the client answered, with its own SYN-ACK): a flood of 3', () => {
    // A client's SYN-ACK is no final ACK: the server's handshake stays half-open.
    const { det, found, wire } = manyWires({ synFloodThreshold: 2 });
    for (let i = 0; i < 3; i++) {
      const w = wire(20000 + i, 80, 1000 + i);
      w.c('S', 0, at(w, T0));
      w.s('S', 0, at(w, T0 + EPS));
      w.s('S.', 0, { ...at(w, T0 + 2 * EPS), seq: 5000 });
      w.c('S.', 0, { ...at(w, T0 + 3 * EPS), seq: 1000 + i });
      // Each SYN-ACK left before the other's arrived.
      expect(w.timeline().slice(-2)).toEqual([
        'server:SYN_SENT>SYN_RECEIVED',
        'client:SYN_SENT>SYN_RECEIVED',
      ]);
      expect(w.states()).toEqual(['SYN_RECEIVED', 'SYN_RECEIVED']);
    }
    det.finish(T0 + 1, []);
    expect(of(found, 'syn-flood').map((a) => must(a.details, 'a.details').peak)).toEqual([3]);
  });
});
