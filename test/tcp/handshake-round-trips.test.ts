/**
 * The handshake's round trips as the capture point sees them
 * (Connection.rttToServer: the SYN-ACK after the client's latest SYN before
 * it; rttToClient: the final ACK after the latest SYN-ACK before it), and
 * which segments move their marks: not a SYN resent after the SYN-ACK, not
 * the server's own SYN in a simultaneous open, not a SYN-ACK resent after
 * the final ACK, not an ACK before any SYN-ACK was captured.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T = 1_700_000_000;

function wireAtT(): Wire {
  const w = new Wire();
  w.t = T;
  return w;
}

describe('rttToServer', () => {
  it('is the SYN-ACK after the SYN: 0.25 s', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    expect(w.conn.rttToServer).toBe(0.25);
  });

  it('counts from the SYN resent before the SYN-ACK', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.c('S', 0, { dt: 1 });
    w.s('S.', 0, { dt: 0.25 });
    expect(w.conn.rttToServer).toBe(0.25);
  });

  it('a SYN resent after the SYN-ACK leaves it', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('S', 0, { dt: 1 });
    expect(w.conn.rttToServer).toBe(0.25);
  });

  it('the server’s own SYN (a simultaneous open) is not a SYN the SYN-ACK answers', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S', 0, { dt: 0.125 });
    w.s('S.', 0, { dt: 0.125 });
    expect(w.conn.synTs).toBe(T);
    expect(w.conn.rttToServer).toBe(0.25);
  });
});

describe('rttToClient', () => {
  it('is the final ACK after the SYN-ACK: 0.0625 s', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.0625 });
    expect(w.conn.rttToClient).toBe(0.0625);
  });

  it('a SYN-ACK resent after the final ACK leaves it', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 0.25 });
    w.c('.', 0, { dt: 0.0625 });
    w.s('S.', 0, { dt: 1 });
    expect(w.conn.rttToClient).toBe(0.0625);
  });

  it('an ACK before any SYN-ACK was captured is not the final ACK: the one after the SYN-ACK is', () => {
    const w = wireAtT();
    w.c('S', 0, { dt: 0 });
    w.c('.', 0, { dt: 0.5, ack: 5001 }); // its SYN-ACK not captured
    expect(w.conn.ackTs).toBe(0);
    w.s('S.', 0, { dt: 1 });
    w.c('.', 0, { dt: 0.0625, ack: 5001 });
    expect(w.conn.rttToClient).toBe(0.0625);
  });
});
