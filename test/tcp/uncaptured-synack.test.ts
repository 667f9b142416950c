/**
 * The server's SYN-ACK (and the client's final ACK) not captured, and the
 * server speaks first (SSH, SMTP): its data acknowledges the client's SYN,
 * which only a server that answered it and got the final ACK can send
 * (StateMachine.sent). A bare ACK proves less: it is also the first step of
 * a split handshake (SYN, ACK, SYN, SYN-ACK, ACK).
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

function synOnly(): Wire {
  const w = new Wire();
  w.c('S');
  w.side[1].nxt = w.side[1].isn + 1; // the server's SYN-ACK is not captured
  return w;
}

describe("a server's first captured segment acknowledges the client's SYN", () => {
  it('data: the server sent a SYN-ACK the capture missed and is ESTABLISHED; one capture gap', () => {
    const w = synOnly();
    w.s('P.', 20, { dt: 0.5 });
    expect(w.states()).toEqual(['SYN_SENT', 'ESTABLISHED']);
    expect(w.timeline()).toEqual([
      'client:CLOSED>SYN_SENT',
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>ESTABLISHED',
    ]);
    expect(w.conn.transitions.filter((r) => r.side === 1).map((r) => r.inferred)).toEqual([true, true]);
    expect(w.conn.server.isn).toBe(w.side[1].isn);
    expect(w.conn.captureGaps).toBe(1);
    expect(w.tracker.conns).toHaveLength(1);
  });

  it("then the client's ACK of the data: both ESTABLISHED, no second connection", () => {
    const w = synOnly();
    w.s('P.', 20, { dt: 0.5 });
    w.c('.', 0, { dt: 0.01 });
    w.tracker.finish(w.t + 1);
    expect(w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.evidence()).toEqual(['seen', 'seen']);
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('a bare ACK: no SYN-ACK is inferred (a split handshake answers a SYN so)', () => {
    const w = synOnly();
    w.s('.', 0, { dt: 0.001 });
    expect(w.states()).toEqual(['SYN_SENT', 'CLOSED']);
    expect(w.conn.captureGaps).toBe(0);
  });

  it('data that does not acknowledge the SYN exactly: nothing inferred from it', () => {
    const w = synOnly();
    w.s('P.', 20, { dt: 0.5, ack: w.side[0].isn + 5 });
    expect(w.states()[1]).toBe('CLOSED');
  });
});
