/**
 * A RST taken as received during the handshake, then its receiver's own
 * SYN-ACK again (StateMachine.rstNotArrived): within a round trip of the
 * handshake (SYN to SYN-ACK, 1/32 s here) the SYN-ACK left before the RST
 * arrived, and the close moves after it; the round trip is the longest of
 * the handshake's, not the shortest.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

describe('the server’s SYN-ACK again 1/64 s after the client’s RST (the SYN to SYN-ACK round trip 1/32 s)', () => {
  it('the server’s close moves to the SYN-ACK: CLOSED since then, not undone', () => {
    const w = new Wire();
    w.t = 1_700_000_000;
    w.c('S', 0, { dt: 0 });
    w.s('S.', 0, { dt: 1 / 32 });
    w.c('R', 0, { dt: 1 / 1024 });
    const again = w.s('S.', 0, { seq: 5000, dt: 1 / 64 }).ts;
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(w.conn.server.stateSince).toBe(again);
    expect(w.timeline()).toEqual([
      'client:CLOSED>SYN_SENT',
      'server:CLOSED>SYN_RECEIVED',
      'client:SYN_SENT>CLOSED',
      'server:SYN_RECEIVED>CLOSED',
    ]);
  });
});
