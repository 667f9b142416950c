/**
 * A FIN behind a hole (issue 19 item 2): bytes before it were lost before
 * the capture point, so the receiver next to the capture point gets the FIN
 * out of order. It takes the acknowledgement the FIN carries at once, but
 * queues the FIN until the missing bytes come (RFC 9293 3.10.7.4): its own
 * ACK stays below the hole. Found by the simulator oracle
 * (test/sim/oracle.test.ts, formerly the gap fin-after-hole-taken-as-received).
 */
import { describe, expect, it } from 'vitest';
import { Vantage } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';

/** Handshake timed next to the client; the client closes; the server's 1 byte is lost before the capture point, then its FIN (acknowledging the client's) is captured. */
function finBehindHole(): { w: Wire; holeStart: number; finEnd: number } {
  const w = new Wire();
  w.c('S', 0);
  w.s('S.', 0, { dt: 0.02 });
  w.c('.', 0, { dt: 0.0001 });
  w.c('F.', 0, { dt: 1 });
  const holeStart = w.side[1].nxt;
  w.side[1].nxt = (holeStart + 1) >>> 0; // sent, lost before the capture point
  w.s('F.', 0, { dt: 0.02, lost: true });
  const finEnd = (holeStart + 2) >>> 0;
  w.c('.', 0, { dt: 0.0001, ack: holeStart });
  return { w, holeStart, finEnd };
}

describe('a FIN behind a hole in the sequence space, captured next to its receiver', () => {
  it('the receiver takes the ACK of its own FIN (FIN_WAIT_2) but not the FIN', () => {
    const { w } = finBehindHole();
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
    expect(w.states()).toEqual(['FIN_WAIT_2', 'LAST_ACK']);
    expect(w.timeline()).not.toContain('client:FIN_WAIT_2>TIME_WAIT');
  });

  it('the missing byte resent and an ACK past the FIN: now TIME_WAIT', () => {
    const { w, holeStart, finEnd } = finBehindHole();
    w.s('P.', 1, { dt: 0.2, seq: holeStart });
    w.c('.', 0, { dt: 0.0001, ack: finEnd });
    expect(w.states()[0]).toBe('TIME_WAIT');
  });

  it('without the hole the same FIN is taken when captured', () => {
    const w = new Wire();
    w.c('S', 0);
    w.s('S.', 0, { dt: 0.02 });
    w.c('.', 0, { dt: 0.0001 });
    w.c('F.', 0, { dt: 1 });
    w.s('F.', 0, { dt: 0.02 });
    expect(w.states()[0]).toBe('TIME_WAIT');
  });
});
