/**
 * What retract() and withdraw() (src/detect/context.ts) leave in the counts
 * and on the connection when other anomalies are about: a syn-no-synack
 * retracted while another connection's stands, a SYN that carried data,
 * a capture-gap note counted before the withdrawal, two diagnoses of one
 * connection withdrawn.
 */
import { describe, expect, it } from 'vitest';
import { at, established, EPS, manyWires, setup, T0 } from './helpers.js';
import type { Wire } from '../tcp/wire.js';

/** SYNs at t0, t0 + 1 and t0 + 3 (Linux's schedule), `len` bytes each; the 3 s deadline passes at the third. */
function slowSyn(w: Wire, tick: (t: number) => void, t0: number, len = 0): void {
  w.c('S', len, at(w, t0));
  w.c('S', len, at(w, t0 + 1));
  tick(t0 + 3);
  w.c('S', len, at(w, t0 + 3));
}

describe('syn-no-synack retracted while another connection has one', () => {
  it('the count goes from 2 to 1 and stays 1 when the client then completes the handshake', () => {
    const { det, wire } = manyWires({});
    const tick = (t: number) => det.tick(t);
    const a = wire(40001);
    const b = wire(40002);
    slowSyn(a, tick, T0);
    slowSyn(b, tick, T0 + 0.5);
    tick(T0 + 3.5);
    expect(det.counts.get('syn-no-synack')).toBe(2);
    // b's server answers 1 ms after b's threshold; the client completes the handshake.
    b.s('S.', 0, at(b, T0 + 3.501));
    expect(det.counts.get('syn-no-synack')).toBe(1);
    b.c('.', 0, at(b, T0 + 3.502));
    b.s('.', 0, at(b, T0 + 3.6));
    b.s('P.', 10, at(b, T0 + 3.7));
    det.finish(T0 + 10, [a.conn, b.conn]);
    expect(det.counts.get('syn-no-synack')).toBe(1);
    const left = det.anomalies.filter((x) => x.kind === 'syn-no-synack');
    expect(left.map((x) => x.connection)).toEqual([a.conn.id]);
    expect(a.conn.anomalies).toEqual(['syn-no-synack']);
    expect(b.conn.anomalies).toEqual(['handshake-retransmitted', 'capture-ended-open']);
  });
});

describe('syn-no-synack retracted on a connection with another kind', () => {
  it('SYNs carrying data, answered after the threshold: syn-with-data and handshake-retransmitted stay', () => {
    const s = setup();
    const { w } = s;
    slowSyn(w, (t) => s.det.tick(t), T0, 10);
    expect(w.conn.anomalies).toEqual(['syn-with-data', 'syn-no-synack']);
    w.s('S.', 0, at(w, T0 + 3.001));
    // The client leaving SYN_SENT retracts syn-no-synack, then handshake-retransmitted is raised.
    w.c('.', 0, at(w, T0 + 3.002));
    expect(w.conn.anomalies).toEqual(['syn-with-data', 'handshake-retransmitted']);
    s.finish(T0 + 10);
    expect(w.conn.anomalies).toEqual(['syn-with-data', 'handshake-retransmitted', 'capture-ended-open']);
    expect(s.kinds()).toEqual([
      'syn-with-data',
      'syn-no-synack',
      'handshake-retransmitted',
      'capture-ended-open',
    ]);
    expect(s.det.anomalies.map((x) => x.kind)).toEqual([
      'syn-with-data',
      'handshake-retransmitted',
      'capture-ended-open',
    ]);
  });
});

describe('close-wait-stuck withdrawn (its end not captured, the 4-tuple reused)', () => {
  /** The server closes at `t` (the client in CLOSE_WAIT from t + 0.25); 20 s later a SYN-ACK with a new ISN reuses the 4-tuple. */
  function closeThenReuse(s: ReturnType<typeof setup>, t: number) {
    const { w } = s;
    w.s('F.', 0, at(w, t));
    w.c('.', 0, at(w, t + 0.25));
    const conn = w.conn;
    w.newIsn(1, 9_000_000);
    s.det.tick(t + 20);
    w.s('S.', 0, { ...at(w, t + 20), ack: 51 });
    return conn;
  }

  it('on a connection with no note yet: its kinds become capture-gap alone', () => {
    const s = setup({ closeWaitTimeout: 5 });
    established(s.w);
    const conn = closeThenReuse(s, T0 + 1);
    s.finish(T0 + 22);
    expect(conn.anomalies).toEqual(['capture-gap']);
    expect([...s.det.counts]).toEqual([['capture-gap', 1]]);
  });

  it('after a synack-no-ack withheld on the same connection: capture-gap counted twice, listed once', () => {
    const s = setup({ closeWaitTimeout: 5 });
    const { w } = s;
    w.c('S', 0, at(w, T0));
    w.s('S.', 0, at(w, T0 + EPS));
    // The final ACK is not captured; the server never resends its SYN-ACK: withheld at T0 + 3.
    s.det.tick(T0 + 4);
    expect(w.conn.anomalies).toEqual(['capture-gap']);
    expect(s.det.counts.get('capture-gap')).toBe(1);
    w.s('P.', 10, at(w, T0 + 4));
    w.c('.', 0, at(w, T0 + 4.1));
    const conn = closeThenReuse(s, T0 + 5);
    s.finish(T0 + 26);
    expect(conn.anomalies).toEqual(['capture-gap']);
    expect(s.det.counts.get('capture-gap')).toBe(2);
    expect(s.det.counts.get('close-wait-stuck')).toBeUndefined();
    const notes = s.det.anomalies.filter((a) => a.connection === conn.id).map((a) => a.details?.withheld);
    expect(notes).toEqual(['synack-no-ack', 'close-wait-stuck']);
  });
});
