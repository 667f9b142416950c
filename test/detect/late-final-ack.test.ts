/**
 * A synack-no-ack raised at --synack-timeout whose final ACK then arrives:
 * withdrawn from the report when no ACK of the SYN-ACK had been captured
 * before (the capture missed it; the slow setup is handshake-retransmitted),
 * kept when ACKs had been captured that did not reach the server (loss on
 * the path: detectors.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { EPS, T0, at, setup } from './helpers.js';

describe('synack-no-ack and a final ACK after the diagnosis', () => {
  it('no ACK captured before: the late ACK withdraws it, handshake-retransmitted stays', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.det.tick(T0 + 3.5);
    expect(s.kinds()).toContain('synack-no-ack');
    s.w.c('P.', 1, at(s.w, T0 + 3.6)); // the client's first data: it had the SYN-ACK
    s.w.s('.', 0, at(s.w, T0 + 3.6 + EPS));
    s.finish(T0 + 5);
    const kept = s.det.anomalies.map((a) => a.kind);
    expect(kept).not.toContain('synack-no-ack');
    expect(kept).toContain('handshake-retransmitted');
    expect(s.det.counts.get('synack-no-ack')).toBeUndefined();
  });

  it('without the final ACK it stays', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.det.tick(T0 + 3.5);
    s.finish(T0 + 5);
    expect(s.det.anomalies.map((a) => a.kind)).toContain('synack-no-ack');
  });

  it('a SYN-ACK resent after the wait, by a server taken as ESTABLISHED when the wait ended, is judged at the resend', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.c('.', 0, { ...at(s.w, T0 + 1 + EPS), lost: true }); // captured, lost on the path
    s.w.tracker.advance(T0 + 6); // the ACK is taken as delivered (no resend when one was due)
    s.det.tick(T0 + 6);
    expect(s.w.states()[1]).toBe('ESTABLISHED');
    expect(s.kinds()).not.toContain('synack-no-ack');
    s.w.s('S.', 0, at(s.w, T0 + 7)); // it never arrived
    expect(s.w.states()[1]).toBe('SYN_RECEIVED');
    expect(s.kinds()).toContain('synack-no-ack');
  });
});
