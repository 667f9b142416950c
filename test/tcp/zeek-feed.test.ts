/**
 * What the tracker tells a connection's Zeek emulation for each frame
 * (ZeekLike.segment(fromA, seg, retrans, gap)): `fromA` is whether the
 * frame came from the connection's first sender; a frame captured twice is
 * passed on too (Zeek sees every frame), as a retransmission when it holds
 * payload, a SYN or a FIN, and never as a gap.
 */
import { describe, expect, it } from 'vitest';
import { type Segment, TcpFlag } from '../../src/decode/segment.js';
import type { ZeekLike } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';

const PSH_ACK = TcpFlag.PSH | TcpFlag.ACK;

interface Fed {
  fromA: boolean;
  flags: number;
  len: number;
  retrans: boolean;
  gap: boolean;
}

function feedWire(): { w: Wire; fed: Fed[] } {
  const fed: Fed[] = [];
  const zeek: ZeekLike = {
    segment(fromA, seg, retrans, gap) {
      fed.push({ fromA, flags: seg.flags, len: seg.payloadLen, retrans, gap });
    },
    history: '',
    connState: () => 'OTH',
  };
  return { w: new Wire({ newZeek: () => zeek }), fed };
}

/** The frame `seg` captured again 10 ms later (the same IPv4 ID: a copy). */
function copy(w: Wire, seg: Segment): void {
  w.t += 0.01;
  seg.ts = w.t;
  seg.frame = ++w.frame;
  w.tracker.segment(seg);
}

describe('fromA', () => {
  it("is true for the first sender's frames and false for its peer's (a handshake from the client)", () => {
    const { w, fed } = feedWire();
    w.c('S');
    w.s('S.');
    w.c('.');
    expect(fed.map((f) => f.fromA)).toEqual([true, false, true]);
  });

  it("is true for the server's frames when the server sent first (picked up mid-stream)", () => {
    const { w, fed } = feedWire();
    w.s('P.', 100);
    w.c('.');
    expect(w.conn.firstSender).toBe(1);
    expect(fed.map((f) => f.fromA)).toEqual([true, false]);
  });
});

describe('a frame captured twice', () => {
  it('is passed on with the side it came from; as a retransmission for data, not for a bare ACK', () => {
    const { w, fed } = feedWire();
    w.c('S');
    w.s('S.');
    w.c('.');
    const data = w.s('P.', 100, { ipId: 7 });
    copy(w, data);
    const ack = w.c('.', 0, { ipId: 8 });
    copy(w, ack);
    expect(w.conn.duplicates).toBe(2);
    expect(fed.slice(3)).toEqual([
      { fromA: false, flags: PSH_ACK, len: 100, retrans: false, gap: false },
      { fromA: false, flags: PSH_ACK, len: 100, retrans: true, gap: false },
      { fromA: true, flags: TcpFlag.ACK, len: 0, retrans: false, gap: false },
      { fromA: true, flags: TcpFlag.ACK, len: 0, retrans: false, gap: false },
    ]);
  });

  it('a SYN and a FIN captured twice are passed on as retransmissions', () => {
    const { w, fed } = feedWire();
    const syn = w.c('S', 0, { ipId: 1 });
    copy(w, syn);
    w.s('S.');
    w.c('.');
    const fin = w.c('F.', 0, { ipId: 2 });
    copy(w, fin);
    expect(w.conn.duplicates).toBe(2);
    expect(fed.map((f) => f.retrans)).toEqual([false, true, false, false, false, true]);
    expect(fed.every((f) => !f.gap)).toBe(true);
    expect(fed.map((f) => f.fromA)).toEqual([true, true, false, true, true, true]);
  });
});
