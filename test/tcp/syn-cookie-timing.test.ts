/**
 * When the tracker reads a server as holding no request socket (SYN cookies,
 * src/tcp/state-machine.ts): at the client's second SYN retransmission at the
 * earliest, and no sooner than 1.5 s after the first SYN-ACK (Linux's own
 * SYN-ACK timer fires after 1 s; a socket that holds state would have resent).
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T0 = 1_700_000_000;
const EPS = 1 / 128;

/** SYN at T0, each answered once by a lost SYN-ACK (EPS later); the client resends at each of `resends`. */
function answeredOnce(resends: number[]): Wire {
  const w = new Wire();
  w.t = T0;
  w.c('S', 0, { dt: 0 });
  w.s('S.', 0, { dt: EPS, lost: true });
  for (const t of resends) {
    w.c('S', 0, { dt: T0 + t - w.t });
    w.s('S.', 0, { dt: EPS, lost: true });
  }
  return w;
}

describe("SYN cookies: the client's second retransmission, 1.5 s after the first SYN-ACK", () => {
  it('second retransmission exactly 1.5 s after the first SYN-ACK: no socket (CLOSED, inferred)', () => {
    const w = answeredOnce([1, 1.5 + EPS]);
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    expect(w.conn.server.stateless).toBe(true);
  });
  it('second retransmission 1.5 s - EPS after the first SYN-ACK: still SYN_RECEIVED', () => {
    const w = answeredOnce([1, 1.5]);
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    expect(w.conn.server.stateless).toBe(false);
  });
  it('one retransmission only, however late: still SYN_RECEIVED', () => {
    expect(answeredOnce([5]).states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
  });
  it('a SYN-ACK missing for one of the SYNs (2 answers to 3 SYNs): still SYN_RECEIVED', () => {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: EPS, lost: true });
    w.c('S', 0, { dt: T0 + 1 - w.t });
    w.c('S', 0, { dt: T0 + 3 - w.t });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
  });
});

describe('SYN cookies read from silence at the end of the capture (spoofed SYNs never retry)', () => {
  /** One SYN answered by one SYN-ACK, then `silence` seconds of capture, then its end. */
  function lone(silence: number, o: { resent?: boolean; acked?: boolean } = {}): Wire {
    const w = new Wire();
    w.t = T0;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: EPS });
    if (o.resent) w.s('S.', 0, { dt: 2 });
    if (o.acked) w.c('.', 0, { dt: EPS });
    const end = w.t + silence;
    w.tracker.advance(end);
    w.tracker.finish(end);
    w.tracker.conclude(end);
    return w;
  }

  it('3.5 s of silence after the lone SYN-ACK: no socket was kept (CLOSED, inferred), and it never was in SYN_RECEIVED', () => {
    const w = lone(3.5);
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    expect(w.evidence()[1]).toBe('inferred');
    expect(w.conn.server.stateless).toBe(true);
    expect(w.conn.server.stateSince).toBe(0);
    expect(w.timeline()).toEqual(['client:CLOSED>SYN_SENT']);
  });
  it('3.5 s - EPS of silence: still SYN_RECEIVED (its timer may yet fire)', () => {
    const w = lone(3.5 - EPS);
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    expect(w.timeline()).toEqual(['client:CLOSED>SYN_SENT', 'server:CLOSED>SYN_RECEIVED']);
  });
  it('a SYN-ACK resent on its own timer holds a request socket: 4 s of silence after it leave it SYN_RECEIVED', () => {
    // (Past three of its backoff intervals it would have given up: Deliveries.gaveUp.)
    const w = lone(4, { resent: true });
    expect(w.states()).toEqual(['SYN_SENT', 'SYN_RECEIVED']);
    expect(w.conn.server.stateless).toBe(false);
  });
  it('a client that acknowledged the SYN-ACK is no spoofed source: no cookie reading', () => {
    expect(lone(10, { acked: true }).states()[1]).not.toBe('CLOSED');
  });
});
