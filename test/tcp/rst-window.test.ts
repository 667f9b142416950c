/**
 * A RST's acceptance beyond the plain window check (src/tcp/state-machine.ts
 * inWindow): a zero receive window still takes one sequence number, and a
 * RST at exactly the sender's next sequence number is accepted wherever the
 * receiver's window ends.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

/** Established; the client then advertises `win` (scaled by 7) with its ACK of nothing new. */
function clientWindow(win: number): Wire {
  const w = new Wire();
  w.c('S');
  w.s('S.');
  w.c('.');
  w.c('.', 0, { win });
  return w;
}

describe('RST acceptance: a zero window counts as one', () => {
  it('client window 0: a server RST 1 past its last ACK is accepted', () => {
    const w = clientWindow(0);
    w.s('R', 0, { seq: w.conn.client.lastAck + 1 });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });
  it('client window 0: a server RST 2 past its last ACK is not: the client stays ESTABLISHED', () => {
    const w = clientWindow(0);
    w.s('R', 0, { seq: w.conn.client.lastAck + 2 });
    expect(w.states()[0]).toBe('ESTABLISHED');
  });
});

describe("RST acceptance: exactly the sender's next sequence number", () => {
  it("window 128 bytes, 1000 bytes sent and lost: a RST at the sender's next sequence number is accepted", () => {
    const w = clientWindow(1);
    w.s('P.', 1000, { lost: true });
    const nxt = w.side[1].nxt;
    expect(nxt - w.conn.client.lastAck).toBe(1000);
    w.s('R', 0, { seq: nxt });
    expect(w.states()).toEqual(['CLOSED', 'CLOSED']);
  });
  it('the same RST one before it is outside the window: the client stays ESTABLISHED', () => {
    const w = clientWindow(1);
    w.s('P.', 1000, { lost: true });
    w.s('R', 0, { seq: w.side[1].nxt - 1 });
    expect(w.states()[0]).toBe('ESTABLISHED');
  });
});
