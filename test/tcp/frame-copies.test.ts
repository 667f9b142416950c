/**
 * When src/tcp/classify.ts's isCopy() takes a frame for the sender's
 * previous one captured twice (a duplicate, counted and not applied) and
 * when for a new transmission: within 50 ms with the same IPv4 ID; without
 * an ID, at the same instant, with a TTL one lower (the same packet on the
 * way in and out of a router), or a data segment or FIN with timestamps
 * within 2 ms; two ACKs differing only in their SACK blocks are two.
 */
import { describe, expect, it } from 'vitest';
import type { Segment } from '../../src/decode/segment.js';
import { toIpv6, Wire, type SendOpts } from './wire.js';

/** The client's data segment (100 bytes, `o`), at capture time `t0` when given, mid-stream. */
function first(o: SendOpts = {}, t0?: number): { w: Wire; seg: Segment } {
  const w = new Wire();
  if (t0 !== undefined) {
    w.t = t0;
    o = { ...o, dt: 0 };
  }
  const seg = w.c('P.', 100, o);
  return { w, seg };
}

/** The same frame again, `dt` s after the last one, with `patch` applied (a TTL lower, say). */
function again(w: Wire, seg: Segment, dt: number, patch: Partial<Segment> = {}): void {
  seg.ts = dt === 0 ? seg.ts : w.t + dt;
  w.t = seg.ts;
  seg.frame = ++w.frame;
  Object.assign(seg, patch);
  w.tracker.segment(seg);
}

describe('with an IPv4 ID', () => {
  it('the same frame 30 ms later is a copy, and the observers are told so', () => {
    const { w, seg } = first({ ipId: 0x1234 });
    again(w, seg, 0.03);
    expect(w.conn.duplicates).toBe(1);
    expect(w.conn.client.retransmissions).toBe(0);
    expect(w.rec.segments.at(-1)?.info.duplicate).toBe(true);
  });

  it('the same frame 60 ms later is a retransmission', () => {
    const { w, seg } = first({ ipId: 0x1234 });
    again(w, seg, 0.06);
    expect(w.conn.duplicates).toBe(0);
    expect(w.conn.client.retransmissions).toBe(1);
  });

  it('exactly 50 ms later (0.05 s to 0.1 s) is still a copy', () => {
    const { w, seg } = first({ ipId: 0x1234 }, 0.05);
    again(w, seg, 0, { ts: 0.1 });
    expect(w.conn.duplicates).toBe(1);
  });

  it('another ID is another frame, even at the same instant', () => {
    const { w, seg } = first({ ipId: 0x1234 });
    seg.buf[5] = 0x35;
    again(w, seg, 0);
    expect(w.conn.duplicates).toBe(0);
  });
});

describe('IPv6', () => {
  it('has no IP ID: bytes 4-5 of its header (the payload length) do not make a frame 30 ms later a copy', () => {
    const w = toIpv6(new Wire());
    w.c('P.', 100, { ipId: 0x1234 });
    w.c('P.', 100, { ipId: 0x1234, seq: 1000, dt: 0.03 }); // the same frame again
    expect(w.tracker.conns).toHaveLength(1);
    expect(w.conn.ipVersion).toBe(6);
    expect(w.conn.duplicates).toBe(0);
  });
});

describe('without an IP ID', () => {
  it('the same data segment 10 ms later, no timestamps, same TTL: a retransmission', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0.01);
    expect(w.conn.duplicates).toBe(0);
    expect(w.conn.client.retransmissions).toBe(1);
  });

  it('at the same instant: a copy', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0);
    expect(w.conn.duplicates).toBe(1);
  });

  it('TTL one lower 10 ms later (in and out of a router): a copy', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0.01, { ttl: 63 });
    expect(w.conn.duplicates).toBe(1);
  });

  it('TTL two lower 10 ms later: a retransmission', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0.01, { ttl: 62 });
    expect(w.conn.duplicates).toBe(0);
  });

  it('TTL one lower 60 ms later: a retransmission', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0.06, { ttl: 63 });
    expect(w.conn.duplicates).toBe(0);
  });

  it('a doubling link past a router (64, 63, 63): both later frames are copies of the first', () => {
    const { w, seg } = first({ ttl: 64 });
    again(w, seg, 0.01, { ttl: 63 });
    again(w, seg, 0.01, { ttl: 63 });
    expect(w.conn.duplicates).toBe(2);
  });

  it('TTL one lower exactly 50 ms later (0.05 s to 0.1 s): a copy', () => {
    const { w, seg } = first({ ttl: 64 }, 0.05);
    again(w, seg, 0, { ts: 0.1, ttl: 63 });
    expect(w.conn.duplicates).toBe(1);
  });

  it('data with timestamps (TSval 0) 1 ms later: a copy', () => {
    const { w, seg } = first({ tsVal: 0 });
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(1);
  });

  it('data with timestamps exactly 2 ms later (0.002 s to 0.004 s): a copy', () => {
    const { w, seg } = first({ tsVal: 5 }, 0.002);
    again(w, seg, 0, { ts: 0.004 });
    expect(w.conn.duplicates).toBe(1);
  });

  it('data with timestamps 3 ms later: a retransmission', () => {
    const { w, seg } = first({ tsVal: 5 });
    again(w, seg, 0.003);
    expect(w.conn.duplicates).toBe(0);
  });

  it('data without timestamps 1 ms later: a retransmission', () => {
    const { w, seg } = first();
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(0);
  });

  it('a FIN with timestamps 1 ms later: a copy', () => {
    const w = new Wire();
    const seg = w.c('F.', 0, { tsVal: 9 });
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(1);
  });

  it('a bare ACK with timestamps 1 ms later: two ACKs', () => {
    const w = new Wire();
    const seg = w.c('.', 0, { tsVal: 9 });
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(0);
  });

  it('a SYN with timestamps 1 ms later: two SYNs', () => {
    const w = new Wire();
    const seg = w.c('S', 0, { tsVal: 9 });
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(0);
    expect(w.conn.client.synRetransmissions).toBe(1);
  });

  it('a SYN with data (TFO) and timestamps 1 ms later: two SYNs', () => {
    const w = new Wire();
    const seg = w.c('S', 10, { tsVal: 9 });
    again(w, seg, 0.001);
    expect(w.conn.duplicates).toBe(0);
  });

  it('a copy is one even when a segment between them had more SACK blocks', () => {
    // The decoder reuses its SACK array: the blocks past a segment's count are another segment's.
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.s('P.', 100);
    w.c('.', 0, { sack: [7001, 7101] });
    w.s('.', 0, { sack: [2001, 2101, 3001, 3101], dt: 0 });
    w.c('.', 0, { sack: [7001, 7101], dt: 0 });
    expect(w.conn.duplicates).toBe(1);
  });

  it('two duplicate ACKs at the same instant that differ only in their SACK blocks: two ACKs', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    w.c('.');
    w.c('P.', 100, { lost: true });
    w.c('P.', 100);
    w.c('P.', 100);
    w.s('.', 0, { ack: 1001, sack: [1101, 1201] });
    w.t -= 0.001; // the next at the same instant
    w.s('.', 0, { ack: 1001, sack: [1101, 1301] });
    expect(w.conn.duplicates).toBe(0);
    expect(w.conn.server.dupAcks).toBe(2);
  });
});
