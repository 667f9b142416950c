/**
 * How src/tcp/classify.ts places the capture point (judgeVantage,
 * noteLinkDir): from the handshake's timing (the SYN-ACK `a` after the SYN,
 * the final ACK `b` after the SYN-ACK: next to the client when a > 4b and
 * a > 0.2 ms, next to the server the other way round, on the path when both
 * exceed 1 ms), at each threshold; from initial TTLs when timing says
 * nothing; `local` for loopback; and the link layer's directions first.
 * Times are small dyadic numbers where a threshold is met exactly, so the
 * differences are exact.
 */
import { describe, expect, it } from 'vitest';
import { LinkDir } from '../../src/decode/segment.js';
import { vantageFromLink } from '../../src/tcp/classify.js';
import { Vantage } from '../../src/tcp/connection.js';
import { toIpv6, Wire, type SendOpts } from './wire.js';

/** SYN at `t0`, SYN-ACK `a` s later, final ACK `b` s after that; `c`/`s` options for each side's segments. */
function handshake(a: number, b: number, t0 = 1, c: SendOpts = {}, s: SendOpts = {}): Wire {
  const w = new Wire();
  w.t = t0;
  w.c('S', 0, { ...c, dt: 0 });
  w.s('S.', 0, { ...s, dt: a });
  w.c('.', 0, { ...c, dt: b });
  return w;
}

describe('from the handshake’s timing', () => {
  it('a = 4b exactly (0.25 s, 0.0625 s) is not next to the client: on the path', () => {
    expect(handshake(0.25, 0.0625).conn.vantage).toBe(Vantage.PATH);
  });

  it('b = 4a exactly is not next to the server: on the path', () => {
    expect(handshake(0.0625, 0.25).conn.vantage).toBe(Vantage.PATH);
  });

  it('a over 4b but only 0.2 ms exactly (0.0002 s to 0.0004 s, b = 0): not next to the client', () => {
    const w = handshake(0.0002, 0, 0.0002);
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('b over 4a but only 0.2 ms exactly (a = 0): not next to the server', () => {
    const w = handshake(0, 0.0002, 0.0002);
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('a = 0.3 ms, b = 0: next to the client', () => {
    expect(handshake(0.0003, 0).conn.vantage).toBe(Vantage.CLIENT);
  });

  it('a = 0, b = 0.3 ms: next to the server', () => {
    expect(handshake(0, 0.0003).conn.vantage).toBe(Vantage.SERVER);
  });

  it('a = 1 ms exactly, b = 2 ms: on the path needs both over 1 ms, so unknown', () => {
    const w = handshake(0.001, 0.002, 0.001);
    expect(w.conn.synAckTs - w.conn.lastSynTs).toBe(0.001);
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('a = 2 ms, b = 1 ms exactly: unknown', () => {
    const w = handshake(0.002, 0.001, 0.001);
    expect(w.conn.ackTs - w.conn.lastSynAckTs).toBe(0.001);
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('a = 2 ms, b = 1.5 ms: on the path', () => {
    expect(handshake(0.002, 0.0015).conn.vantage).toBe(Vantage.PATH);
  });

  it('the SYN-ACK at the SYN’s instant, the ACK 50 ms later: next to the server', () => {
    expect(handshake(0, 0.05).conn.vantage).toBe(Vantage.SERVER);
  });

  it('the ACK at the SYN-ACK’s instant, 50 ms after the SYN: next to the client', () => {
    expect(handshake(0.05, 0).conn.vantage).toBe(Vantage.CLIENT);
  });

  it('no SYN captured: the timing says nothing', () => {
    const w = new Wire();
    w.s('S.', 0, { ack: 1001 });
    w.c('.', 0, { dt: 0.05 });
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });
});

describe('what the timing cannot say', () => {
  it('time going backwards from the SYN to the SYN-ACK (records out of order): no vantage from timing', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: -0.5 });
    w.c('.', 0, { dt: 0.05 });
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('time going backwards from the SYN-ACK to the final ACK: no vantage from timing', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.05 });
    w.c('.', 0, { dt: -0.01 });
    expect(w.conn.vantage).toBe(Vantage.UNKNOWN);
  });

  it('the client’s segments seen arriving only (a direction that places nothing): the timing decides', () => {
    const w = new Wire();
    w.c('S', 0, { linkDir: LinkDir.IN });
    w.s('S.', 0, { dt: 0.1 });
    w.c('.', 0, { dt: 0.0001, linkDir: LinkDir.IN });
    expect(w.conn.linkDirs).toBe(1);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });

  it('an IPv6 handshake is judged by its timing (no loopback test of IPv4 applies)', () => {
    const w = toIpv6(new Wire());
    w.c('S');
    w.s('S.', 0, { dt: 0.1 });
    w.c('.', 0, { dt: 0.0001 });
    expect(w.conn.ipVersion).toBe(6);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });
});

describe('from the TTLs, when the timing says nothing', () => {
  it.each([
    [64, 61, Vantage.CLIENT],
    [128, 120, Vantage.CLIENT],
    [255, 250, Vantage.CLIENT],
    [57, 64, Vantage.SERVER],
    [64, 64, Vantage.UNKNOWN],
    [60, 61, Vantage.UNKNOWN],
  ])('client TTL %i, server TTL %i: vantage %i', (ct, st, want) => {
    const w = handshake(0.0001, 0.0001, 1, { ttl: ct }, { ttl: st });
    expect(w.conn.vantage).toBe(want);
  });
});

describe('loopback', () => {
  function onLoopback(client: number[], server: number[], c: SendOpts = {}): Wire {
    const w = new Wire();
    w.side[0].addr = client;
    w.side[1].addr = server;
    w.c('S', 0, c);
    w.s('S.', 0, { ...c, dt: 0.05 });
    w.c('.', 0, { ...c, dt: 0.05 });
    return w;
  }

  it('both ends on 127/8: local, whatever the timing', () => {
    expect(onLoopback([127, 0, 0, 1], [127, 0, 0, 1]).conn.vantage).toBe(Vantage.LOCAL);
  });

  it('one end on 127/8 only: judged by the timing', () => {
    expect(onLoopback([127, 0, 0, 1], [10, 0, 0, 2]).conn.vantage).toBe(Vantage.PATH);
  });

  it('both on 127/8, each segment seen leaving and arriving: local, not path', () => {
    const w = onLoopback([127, 0, 0, 1], [127, 0, 0, 1], { linkDir: LinkDir.OUT });
    w.c('.', 0, { linkDir: LinkDir.IN });
    expect(w.conn.vantage).toBe(Vantage.LOCAL);
  });

  it('both on 127/8, only leaving seen of the client: the client', () => {
    const w = new Wire();
    w.side[0].addr = [127, 0, 0, 1];
    w.side[1].addr = [127, 0, 0, 1];
    w.c('S');
    w.c('S', 0, { linkDir: LinkDir.OUT, dt: 1 });
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });
});

describe('from the link layer’s directions', () => {
  it('the server’s segments seen leaving win over a timing that says client', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.', 0, { dt: 0.1, linkDir: LinkDir.OUT });
    w.c('.', 0, { dt: 0.0001 });
    expect(w.conn.vantage).toBe(Vantage.SERVER);
  });

  it('the client’s seen arriving only, after the timing said client: still client', () => {
    const w = handshake(0.1, 0.0001);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
    w.c('P.', 10, { linkDir: LinkDir.IN });
    expect(w.conn.linkDirs).toBe(1);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });

  it('a tunnelled segment’s direction is the outer packet’s: not recorded', () => {
    const w = handshake(0.1, 0.0001);
    const seg = w.c('P.', 10);
    seg.tunnelDepth = 1;
    seg.linkDir = LinkDir.OUT;
    seg.seq += 10;
    seg.frame = ++w.frame;
    w.tracker.segment(seg);
    seg.tunnelDepth = 0;
    expect(w.conn.linkDirs).toBe(0);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });

  it('no direction recorded: the timing stands', () => {
    const w = handshake(0.1, 0.0001);
    w.c('P.', 10);
    expect(w.conn.linkDirs).toBe(0);
    expect(w.conn.vantage).toBe(Vantage.CLIENT);
  });

  it('the server’s seen arriving and leaving: forwarded, on the path', () => {
    expect(vantageFromLink(4 | 8)).toBe(Vantage.PATH);
  });
});
