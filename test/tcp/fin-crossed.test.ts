/**
 * A simultaneous close seen next to the client (Deliveries.finCrossed): the
 * server's FIN is taken as received when captured (the client is next to
 * the capture point), but the client's own FIN then does not acknowledge
 * it: the client sent its FIN before the server's arrived. Its CLOSE_WAIT is
 * undone and the server's FIN waits again for proof (the client's ACK of
 * it), not for silence.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T = 1_700_000_000;

/** Established, the capture point next to the client (the final ACK 1/8192 s after the SYN-ACK, the SYN-ACK 1/8 s after the SYN). */
function nearClient(): Wire {
  const w = new Wire();
  w.t = T;
  w.c('S', 0, { dt: 0 });
  w.s('S.', 0, { dt: 0.125 });
  w.c('.', 0, { dt: 1 / 8192 });
  w.c('P.', 100, { dt: 0.25 });
  w.s('.', 0, { dt: 0.125 });
  expect(w.conn.nearSide).toBe(0);
  return w;
}

describe('the client’s FIN does not acknowledge the server’s', () => {
  it('CLOSE_WAIT is undone; the server’s FIN waits for the client’s ACK, not for silence; then CLOSING', () => {
    const w = nearClient();
    w.s('F.', 0, { dt: 1 });
    expect(w.states()[0]).toBe('CLOSE_WAIT');
    w.c('F.', 0, { dt: 0.0625, ack: 5001 });
    expect(w.states()[0]).toBe('FIN_WAIT_1');
    w.tracker.advance(w.t + 2);
    expect(w.states()[0]).toBe('FIN_WAIT_1');
    const ack = w.c('.', 0, { dt: 1 }).ts; // acknowledges the server's FIN
    expect(w.states()[0]).toBe('CLOSING');
    expect(
      w
        .timeline()
        .filter((s) => s.startsWith('client'))
        .slice(-2),
    ).toEqual(['client:ESTABLISHED>FIN_WAIT_1', 'client:FIN_WAIT_1>CLOSING']);
    const last = w.conn.transitions.at(-1);
    expect([last?.t, last?.inferred, last?.cause]).toEqual([ack, false, 'received FIN']);
  });
});

describe('the client’s FIN acknowledges the server’s', () => {
  it('a passive close: CLOSE_WAIT stands from the server’s FIN (not redone at the client’s), then LAST_ACK', () => {
    const w = nearClient();
    const fin = w.s('F.', 0, { dt: 1 }).ts;
    w.c('F.', 0, { dt: 0.0625 });
    const closeWait = w.conn.transitions.find((r) => r.side === 0 && r.cause === 'received FIN');
    expect(closeWait?.t).toBe(fin);
    expect(
      w
        .timeline()
        .filter((s) => s.startsWith('client'))
        .slice(-2),
    ).toEqual(['client:ESTABLISHED>CLOSE_WAIT', 'client:CLOSE_WAIT>LAST_ACK']);
  });
});
