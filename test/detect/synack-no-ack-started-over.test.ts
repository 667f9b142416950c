/**
 * A synack-no-ack raised on the server, then a SYN with a new ISN on the
 * 4-tuple (HandshakeDetectors.portReuse): from the client, the client had
 * given up on the handshake (its reason, no fault of the path) and the
 * diagnosis is withdrawn; from the server itself, it stays.
 */
import { describe, expect, it } from 'vitest';
import { at, setup, T0 } from './helpers.js';

const open = (s: ReturnType<typeof setup>) => s.det.anomalies.map((a) => a.kind);

describe('synack-no-ack and a new SYN on the 4-tuple', () => {
  /** The server's SYN-ACK resent, no final ACK, past the 3 s wait: synack-no-ack raised on the server. */
  function serverWaited() {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + 0.25));
    s.w.s('S.', 0, at(s.w, T0 + 1.25));
    s.w.tracker.advance(T0 + 4);
    s.det.tick(T0 + 4);
    expect(open(s)).toEqual(['synack-no-ack']);
    return s;
  }

  it('the client starts over (a new ISN): the server’s synack-no-ack is withdrawn, the client gave up', () => {
    const s = serverWaited();
    s.w.newIsn(0, 90_000);
    s.w.c('S', 0, at(s.w, T0 + 5));
    expect(s.w.tracker.conns).toHaveLength(2);
    expect(open(s)).not.toContain('synack-no-ack');
  });

  it('the server itself sends a SYN with a new ISN: its own synack-no-ack stays', () => {
    const s = serverWaited();
    s.w.newIsn(1, 90_000);
    s.w.s('S', 0, at(s.w, T0 + 5));
    expect(s.w.tracker.conns).toHaveLength(2);
    expect(open(s)).toContain('synack-no-ack');
  });
});
