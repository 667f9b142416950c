/**
 * A new SYN with a new ISN on a 4-tuple whose connection is still held by
 * one endpoint: the SYN's sender has let go of the old connection, its peer
 * has not until it shows so. The peer answers the SYN with an ACK of the old
 * connection (RFC 5961 4, a challenge ACK), the sender answers that with
 * <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.3), which closes the peer's old
 * connection; then the SYN, resent, opens the new one. Those two segments
 * belong to the old connection (Tracker.oldIncarnationSide), not the new.
 */
import { describe, expect, it } from 'vitest';
import { isLegalTransition } from '../../src/tcp/transitions.js';
import { Wire } from './wire.js';
import { EPS, T0, at, established, setup } from '../detect/helpers.js';

function expectLegal(w: Wire): void {
  for (const c of w.tracker.conns) {
    for (const r of c.transitions) expect(isLegalTransition(r.from, r.to), JSON.stringify(r)).toBe(true);
  }
}

function causes(w: Wire, i: number): string[] {
  const c = w.tracker.conns[i];
  return c === undefined ? [] : c.transitions.map((r) => `${r.side === 0 ? 'client' : 'server'}:${r.cause}`);
}

/** An established connection (the client sent 100 bytes if told), settled: its ACKs taken as delivered. */
function oldConnection(w: Wire, data = false) {
  w.c('S');
  w.s('S.');
  w.c('.');
  if (data) {
    w.c('P.', 100);
    w.s('.');
  }
  w.settle();
  return w.conn;
}

describe('a new SYN on an established 4-tuple (the client lost the old connection)', () => {
  it('closes the old client at the SYN; the old server stays ESTABLISHED until it shows otherwise', () => {
    const w = new Wire();
    const old = oldConnection(w, true);
    w.newIsn(0, 50);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.states(old)).toEqual(['CLOSED', 'ESTABLISHED']);
    expect(w.evidence(old)[0]).toBe('inferred');
    expect(old.endNotCaptured).toBe(true);
    expect(old.ended).toBe(false);
  });

  it("routes the server's challenge ACK and the client's RST to the old connection, which the RST closes", () => {
    const w = new Wire();
    const old = oldConnection(w, true);
    w.newIsn(0, 3_000_000); // far from the old sequence space, as random ISNs are
    w.c('S', 0, { dt: 1 });
    const fresh = w.conn;
    // The server still holds the old connection: an ACK of it (seq 5001, ack 1101).
    w.s('.', 0, { seq: 5001, ack: 1101 });
    // The client has no socket for it: RST with the ACK's acknowledgment as its sequence number.
    w.c('R', 0, { seq: 1101 });
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(causes(w, 0).at(-1)).toBe('server:received RST');
    expect(fresh.server.packets).toBe(0);
    expect(w.timeline(fresh)).toEqual(['client:CLOSED>SYN_SENT']);
    expect(fresh.supersedes).toBe(old); // still linked while the new handshake is young
    // The SYN again a second later, and the new handshake completes.
    w.c('S', 0, { dt: 1 });
    w.s('S.');
    w.c('.');
    w.settle();
    expect(w.states(fresh)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(old.ended).toBe(true);
    expect(fresh.supersedes).toBeNull();
    expectLegal(w);
  });

  it('without a captured challenge, the old server is closed when it accepts the new SYN (its SYN-ACK), inferred', () => {
    const w = new Wire();
    const old = oldConnection(w);
    w.newIsn(0, 50);
    w.c('S', 0, { dt: 1 });
    const synAckAt = w.s('S.', 0, { dt: 0.5 }).ts;
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.evidence(old)).toEqual(['inferred', 'inferred']);
    expect(old.server.stateSince).toBe(synAckAt);
    expect(causes(w, 0).at(-1)).toBe(
      'server:end not captured: it accepted a new connection on the same 4-tuple by then',
    );
    expectLegal(w);
  });

  it('a segment that fits both incarnations stays with the new one', () => {
    const w = new Wire();
    const old = oldConnection(w);
    w.newIsn(0, 1000 + 70_000); // 70 kB on: the new client's space is outside the old one's
    w.c('S', 0, { dt: 1 });
    const oldServerPackets = old.server.packets;
    // The old server's next sequence number, acknowledging the new SYN: both fit.
    w.s('.', 0, { seq: 5001, ack: 71_001 });
    expect(w.conn).not.toBe(old);
    expect(w.conn.server.packets).toBe(1);
    expect(old.server.packets).toBe(oldServerPackets);
  });
});

describe('a new SYN during a handshake (the client gave up and reconnected from the same port)', () => {
  it('the old client is CLOSED, inferred, from the new SYN; the old server when it accepts the new one', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.s('S.', 0, { dt: 1 });
    const old = w.conn;
    w.newIsn(0, 50);
    w.c('S', 0, { dt: 1 });
    expect(w.states(old)).toEqual(['CLOSED', 'SYN_RECEIVED']);
    expect(old.clientStartedOver).toBe(true);
    expect(causes(w, 0).at(-1)).toBe(
      'client:gave up on the handshake: a new SYN from it on the same 4-tuple, with a new ISN',
    );
    w.s('S.', 0, { seq: 9_000_000, ack: 51 });
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expectLegal(w);
  });

  it("the old server's ACK answering the new SYN (Linux from SYN_RECV: tcp_check_req) proves no handshake; the RST answering it closes SYN_RECEIVED", () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    const old = w.conn;
    w.newIsn(0, 3_000_000);
    w.c('S', 0, { dt: 0.7 });
    // The request socket answers the out-of-window SYN with an ACK of the old handshake.
    w.s('.', 0, { seq: w.side[1].isn + 1, ack: 1001, dt: 0.0004 });
    expect(w.states(old)).toEqual(['CLOSED', 'SYN_RECEIVED']);
    w.c('R', 0, { seq: 1001, dt: 0.0001 });
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.timeline(old).filter((x) => x.startsWith('server:'))).toEqual([
      'server:CLOSED>SYN_RECEIVED',
      'server:SYN_RECEIVED>CLOSED',
    ]);
    expectLegal(w);
  });

  it('data from the old server (not an answer to the SYN) still shows it ESTABLISHED', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    const old = w.conn;
    w.s('P.', 10, { dt: 0.1 });
    expect(w.states(old)[1]).toBe('ESTABLISHED');
  });
});

describe('handshake diagnoses on a replaced handshake', () => {
  it('handshake-retransmitted after a SYN that met the connection the server still held: says so, not a loss', () => {
    const s = setup();
    s.w.c('S');
    s.w.s('S.');
    s.w.c('.');
    s.w.c('P.', 100);
    s.w.s('.');
    s.w.settle();
    s.w.newIsn(0, 3_000_000);
    s.w.c('S', 0, { dt: 1 });
    s.w.s('.', 0, { seq: 5001, ack: 1101 }); // the challenge ACK
    s.w.c('R', 0, { seq: 1101 });
    s.w.c('S', 0, { dt: 0.01, seq: 3_000_000 });
    s.w.s('S.', 0, { seq: 9_000_000, ack: 3_000_001 });
    s.w.c('.', 0, { ack: 9_000_001 });
    const a = s.found.find((x) => x.kind === 'handshake-retransmitted');
    expect(a?.message).toContain('the first SYN met the connection the server still held on this 4-tuple');
  });

  it('handshake-retransmitted after a SYN lost on a fresh 4-tuple: a lost SYN or SYN-ACK', () => {
    const s = setup();
    s.w.c('S');
    s.w.c('S', 0, { dt: 1, seq: 1000 });
    s.w.s('S.');
    s.w.c('.');
    const a = s.found.find((x) => x.kind === 'handshake-retransmitted');
    expect(a?.message).toContain('(a lost SYN or SYN-ACK)');
  });

  it('no synack-no-ack error when the client gave up and started over: withdrawn, with the reason', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    // Past --synack-timeout (3 s) the error is raised; the new SYN explains it.
    s.det.tick(T0 + 3.2);
    expect(s.kinds()).toContain('synack-no-ack');
    s.w.newIsn(0, 50);
    s.w.c('S', 0, at(s.w, T0 + 3.5));
    s.finish(T0 + 4);
    expect(s.kinds()).not.toContain('synack-no-ack');
    const gap = s.found.find((a) => a.kind === 'capture-gap');
    expect(gap?.message).toMatch(/synack-no-ack withdrawn .*started a new connection on the same 4-tuple/);
  });

  it('the same unanswered SYN-ACKs with no new SYN are synack-no-ack', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.finish(T0 + 4);
    expect(s.kinds()).toContain('synack-no-ack');
  });

  it('a client that retried its SYN and then started over still gets syn-no-synack', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.newIsn(0, 50);
    s.w.c('S', 0, at(s.w, T0 + 2));
    s.finish(T0 + 10);
    // The old connection's (the new one's SYN was never resent: it proves nothing yet).
    const first = s.w.tracker.conns[0];
    expect(s.found.filter((a) => a.kind === 'syn-no-synack').map((a) => a.connection)).toEqual([first?.id]);
  });

  it("a client's RST at its ISN + 1 answers a SYN-ACK the capture missed: no syn-no-synack", () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.c('R', 0, { ...at(s.w, T0 + 3.5), seq: 1001 });
    s.finish(T0 + 10);
    expect(s.kinds()).not.toContain('syn-no-synack');
  });

  it('an established connection is not affected', () => {
    const s = setup();
    established(s.w);
    s.finish(T0 + 10);
    expect(s.kinds()).not.toContain('synack-no-ack');
  });
});

describe('a stuck CLOSE_WAIT ended by the RST that answers its challenge ACK', () => {
  it('keeps close-wait-stuck, with how long it lasted: the end was captured', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('.', 0, at(s.w, T0 + 1 + EPS));
    s.det.tick(T0 + 10); // past --close-wait-timeout (5 s)
    expect(s.kinds()).toContain('close-wait-stuck');
    s.w.newIsn(0, 3_000_000);
    s.w.c('S', 0, at(s.w, T0 + 20));
    s.w.s('.', 0, { ...at(s.w, T0 + 20 + EPS), seq: 5001, ack: 1002 });
    s.w.c('R', 0, { ...at(s.w, T0 + 20 + 2 * EPS), seq: 1002 });
    s.finish(T0 + 21);
    const a = s.det.anomalies.find((x) => x.kind === 'close-wait-stuck');
    expect(a?.message).toMatch(/stayed in CLOSE_WAIT for 19 s before it closed$/);
  });
});

describe('a RST taken to have closed a handshake, then a segment from its receiver', () => {
  it('an ACK in its sequence space a second later: the RST never arrived (the close is undone)', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('R', 0, { seq: 1001 });
    expect(w.states()[1]).toBe('CLOSED');
    w.s('.', 0, { dt: 1, seq: 5001, ack: 1001 });
    expect(w.states()[1]).not.toBe('CLOSED');
    expect(w.timeline()).not.toContain('server:SYN_RECEIVED>CLOSED');
  });

  it('an ACK outside its sequence space proves nothing', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('R', 0, { seq: 1001 });
    w.s('.', 0, { dt: 1, seq: 900_000, ack: 1001 });
    expect(w.timeline()).toContain('server:SYN_RECEIVED>CLOSED');
  });
});
