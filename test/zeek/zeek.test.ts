import { describe, expect, it } from 'vitest';
import { newSegment, TcpFlag } from '../../src/decode/segment.js';
import { ZeekConn } from '../../src/zeek/conn-state.js';
import { ZeekTcpState as Z } from '../../src/zeek/endpoint.js';
import { type ZeekOptions, zeekBarePorts } from '../../src/zeek/settings.js';

type Side = 'A' | 'B';

interface SendOpts {
  len?: number;
  /** Explicit sequence number (a retransmission, a jump); the side's next seq is not advanced. */
  seq?: number;
  ack?: number;
  win?: number;
  /** Seconds since the previous segment (default 0.01). */
  dt?: number;
  /** Payload bytes captured, when the snaplen cut the segment. */
  captured?: number;
}

/**
 * A scripted conversation between A (the first sender) and B. Flags are letters:
 * S SYN, A ACK, F FIN, R RST, P PSH. Sequence and acknowledgement numbers follow
 * each side's byte count unless given.
 */
function conv(opts: ZeekOptions & { aPort?: number; bPort?: number } = {}) {
  const zc = new ZeekConn({ likelyServerPorts: opts.likelyServerPorts ?? new Set([80]) });
  const next = { A: 1000, B: 5000 };
  const port = { A: opts.aPort ?? 40000, B: opts.bPort ?? 80 };
  let t = 100;
  const send = (from: Side, flags: string, o: SendOpts = {}) => {
    const to: Side = from === 'A' ? 'B' : 'A';
    const seg = newSegment();
    let f = 0;
    for (const c of flags) {
      f |= { S: TcpFlag.SYN, A: TcpFlag.ACK, F: TcpFlag.FIN, R: TcpFlag.RST, P: TcpFlag.PSH }[c] ?? 0;
    }
    const len = o.len ?? 0;
    seg.flags = f;
    seg.seq = o.seq ?? next[from];
    seg.ack = f & TcpFlag.ACK ? (o.ack ?? next[to]) : 0;
    seg.payloadLen = len;
    seg.capturedPayload = o.captured ?? len;
    seg.window = o.win ?? 65535;
    t += o.dt ?? 0.01;
    seg.ts = t;
    seg.srcPort = port[from];
    seg.dstPort = port[to];
    if (o.seq === undefined && !(f & TcpFlag.RST)) {
      next[from] += len + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0);
    }
    zc.segment(from === 'A', seg, false, false);
    return seg;
  };
  const handshake = () => {
    send('A', 'S');
    send('B', 'SA');
    send('A', 'A');
  };
  return { zc, send, handshake, now: () => t };
}

function result(zc: ZeekConn): string {
  return `${zc.history} ${zc.connState()}`;
}

describe('ZeekConn conn_state', () => {
  it('SF: both sides closed after a handshake', () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 100 });
    send('B', 'A');
    send('B', 'PA', { len: 200 });
    send('A', 'A');
    send('A', 'FA');
    send('B', 'FA');
    send('A', 'A');
    expect(result(zc)).toBe('ShADadFf SF');
    expect([zc.origState, zc.respState]).toEqual([Z.CLOSED, Z.CLOSED]);
    expect([zc.origSize, zc.respSize]).toEqual([100, 200]);
    expect(zc.flipped).toBe(false);
  });

  it('S0: a SYN without reply', () => {
    const { zc, send } = conv();
    send('A', 'S');
    send('A', 'S', { seq: 1000, dt: 1 });
    expect(result(zc)).toBe('S S0');
    expect([zc.origState, zc.respState]).toEqual([Z.SYN_SENT, Z.INACTIVE]);
  });

  it('S1: established, not closed', () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 10 });
    send('B', 'PA', { len: 10 }); // data that acks: 'd', never a pure 'a'
    expect(result(zc)).toBe('ShADd S1');
    expect([zc.origState, zc.respState]).toEqual([Z.ESTABLISHED, Z.ESTABLISHED]);
  });

  it('REJ: SYN answered by RST', () => {
    const { zc, send } = conv();
    send('A', 'S');
    send('B', 'RA');
    expect(result(zc)).toBe('Sr REJ');
  });

  it('S2 and S3: one side closed, no reply', () => {
    const a = conv();
    a.handshake();
    a.send('A', 'FA');
    expect(result(a.zc)).toBe('ShAF S2');
    const b = conv();
    b.handshake();
    b.send('B', 'FA');
    expect(result(b.zc)).toBe('ShAf S3');
  });

  it('RSTO and RSTR: established, then a RST', () => {
    const o = conv();
    o.handshake();
    o.send('A', 'RA');
    expect(result(o.zc)).toBe('ShAR RSTO');
    const r = conv();
    r.handshake();
    r.send('B', 'RA');
    expect(result(r.zc)).toBe('ShAr RSTR');
  });

  it('RSTOS0: SYN then RST from the originator', () => {
    const { zc, send } = conv();
    send('A', 'S');
    send('A', 'R');
    expect(result(zc)).toBe('SR RSTOS0');
  });

  it('RSTRH: SYN-ACK then RST from the responder, no SYN seen', () => {
    // A (port 80, a likely server port) sends first: Zeek flips at creation.
    const { zc, send } = conv({ aPort: 80, bPort: 40000 });
    send('A', 'SA');
    send('A', 'R');
    expect(result(zc)).toBe('^hr RSTRH');
    expect(zc.flipped).toBe(true);
  });

  it('SH and SHR: SYN (or SYN-ACK) then FIN, no reply', () => {
    const a = conv();
    a.send('A', 'S');
    a.send('A', 'F');
    expect(result(a.zc)).toBe('SF SH');
    const b = conv({ aPort: 80, bPort: 40000 });
    b.send('A', 'SA');
    b.send('A', 'FA');
    expect(result(b.zc)).toBe('^hf SHR');
  });

  it('OTH: midstream traffic, no SYN', () => {
    const { zc, send } = conv({ aPort: 40000, bPort: 9999 });
    send('A', 'PA', { len: 50 });
    send('B', 'PA', { len: 50 });
    expect(result(zc)).toBe('Dd OTH');
    expect([zc.origState, zc.respState]).toEqual([Z.PARTIAL, Z.PARTIAL]);
  });

  it('OTH: a SYN, an ACK and a FIN before the originator resets (conn_state-RST-behavior)', () => {
    const { zc, send } = conv();
    send('A', 'S');
    send('B', 'A');
    send('A', 'F');
    send('A', 'R');
    expect(result(zc)).toBe('SaFR OTH');
  });
});

describe('ZeekConn history letters', () => {
  it("'a' and 'd' once per direction", () => {
    const { zc, send, handshake } = conv();
    handshake();
    for (let i = 0; i < 3; i++) {
      send('A', 'PA', { len: 10 });
      send('B', 'A');
    }
    expect(zc.history).toBe('ShADa');
  });

  it("'s' and 'f' repeat only when the relative sequence number differs", () => {
    const { zc, send } = conv();
    send('A', 'S');
    send('A', 'S', { seq: 1000 }); // retransmitted SYN
    send('A', 'S', { seq: 7777 }); // a new ISN in SYN_SENT re-bases the numbering: still 0
    expect(zc.history).toBe('S');
    send('A', 'R', { seq: 7778 });
    send('A', 'S', { seq: 9999 }); // after the RST nothing is re-based
    expect(zc.history).toBe('SRS');
    const c = conv();
    c.handshake();
    c.send('A', 'FA');
    c.send('A', 'FA', { seq: 1001 }); // retransmitted FIN
    expect(c.zc.history).toBe('ShAF');
    c.send('A', 'FA', { seq: 1001, len: 5 }); // a FIN at another place
    expect(c.zc.history).toBe('ShAFF');
  });

  it("'t' for a payload that does not advance the sequence space, logarithmically (1, 10, 100)", () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 100 });
    send('A', 'PA', { len: 100, seq: 1001 });
    expect(zc.history).toBe('ShADT');
    for (let i = 0; i < 8; i++) send('A', 'PA', { len: 100, seq: 1001 });
    expect(zc.history).toBe('ShADT');
    send('A', 'PA', { len: 100, seq: 1001 }); // the 10th
    expect(zc.history).toBe('ShADTT');
    send('B', 'PA', { len: 10 });
    send('B', 'PA', { len: 10, seq: 5001 });
    expect(zc.history).toBe('ShADTTdt');
  });

  it("'w' for a zero window (not after the peer's FIN)", () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 10 });
    send('B', 'A', { win: 0 });
    send('B', 'A', { win: 0 });
    expect(zc.history).toBe('ShADaw');
  });

  it("'g' when an ACK covers data that was never seen", () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 100 });
    send('A', 'PA', { len: 100, seq: 1201 }); // 1101..1200 missing
    send('B', 'A', { ack: 1301 });
    expect(result(zc)).toBe('ShADaG S1');
  });

  it("no 'g' when the hole is filled before the ACK", () => {
    const { zc, send, handshake } = conv();
    handshake();
    send('A', 'PA', { len: 100, seq: 1101 });
    send('A', 'PA', { len: 100, seq: 1001 }); // out of order: does not advance last_seq
    send('B', 'A', { ack: 1201 });
    expect(zc.history).toBe('ShADTa');
  });

  it("'q' for SYN+FIN, 'i' for FIN+RST", () => {
    const q = conv();
    q.send('A', 'SF');
    expect(q.zc.history).toBe('Q');
    const i = conv();
    i.handshake();
    i.send('B', 'FRA');
    expect(i.zc.history).toBe('ShAi');
  });

  it("'H' when the originator sends a SYN-ACK (no likely server port)", () => {
    const { zc, send } = conv({ aPort: 7000, bPort: 40000, likelyServerPorts: zeekBarePorts() });
    send('A', 'SA');
    expect(result(zc)).toBe('H OTH');
    expect(zc.origState).toBe(Z.SYN_ACK_SENT);
  });
});

describe('ZeekConn flips', () => {
  it("'^' first: a non-SYN first packet from a likely server port", () => {
    const { zc, send } = conv({ aPort: 80, bPort: 40000 });
    send('A', 'PA', { len: 10 });
    expect(zc.history).toBe('^d');
    expect(zc.flipped).toBe(true);
  });

  it('both ports likely: flip only a non-SYN packet from the lower port', () => {
    const ports = new Set([80, 6669]);
    const a = conv({ aPort: 80, bPort: 6669, likelyServerPorts: ports });
    a.send('A', 'PA', { len: 1 });
    expect(a.zc.flipped).toBe(true);
    const b = conv({ aPort: 6669, bPort: 80, likelyServerPorts: ports });
    b.send('A', 'PA', { len: 1 });
    expect(b.zc.flipped).toBe(false);
    const c = conv({ aPort: 80, bPort: 6669, likelyServerPorts: ports });
    c.send('A', 'SA');
    expect(c.zc.flipped).toBe(false);
  });

  it("a connection that began with a SYN-ACK flips on the next ACK or data (history '^h')", () => {
    const { zc, send } = conv({ aPort: 6669, bPort: 80, likelyServerPorts: new Set([80, 6669]) });
    send('A', 'SA'); // the server, on a port that looks like a client's
    send('B', 'A');
    send('B', 'PA', { len: 100 });
    send('A', 'A');
    send('A', 'PA', { len: 100 });
    send('B', 'A');
    send('B', 'FA');
    send('A', 'FA');
    expect(result(zc)).toBe('^hADadFf SF');
    expect(zc.flipped).toBe(true);
  });

  it("one-sided: SYN-ACK, ACK, FIN from the server only ('^haf')", () => {
    const { zc, send } = conv({ aPort: 1433, bPort: 2745, likelyServerPorts: zeekBarePorts() });
    send('A', 'SA');
    send('A', 'A');
    send('A', 'FA');
    expect(result(zc)).toBe('^haf SHR');
  });

  it("SYN-ACK captured before its SYN: 'Hs^'", () => {
    const { zc, send } = conv({ aPort: 80, bPort: 40000, likelyServerPorts: zeekBarePorts() });
    send('A', 'SA', { seq: 5000, ack: 1001 });
    send('B', 'S', { seq: 1000 });
    expect(zc.history).toBe('Hs^');
    expect(zc.flipped).toBe(true);
    expect([zc.origState, zc.respState]).toEqual([Z.ESTABLISHED, Z.ESTABLISHED]);
  });
});

describe('ZeekConn connection boundaries', () => {
  it('attempt timer: a SYN unanswered for 5 s ends the connection', () => {
    const { zc, send, now } = conv();
    send('A', 'S');
    send('A', 'A', { dt: 1 });
    expect(zc.expire(now() + 3.9)).toBe(false);
    expect(zc.expire(now() + 4.1)).toBe(true);
    expect(result(zc)).toBe('SA S0');
  });

  it('a closed connection is removed 5 s after the close', () => {
    const { zc, send, handshake, now } = conv();
    handshake();
    send('A', 'FA');
    send('B', 'FA');
    expect(zc.expire(now() + 4)).toBe(false);
    expect(zc.expire(now() + 5.5)).toBe(true);
  });

  it('inactivity: 5 min once established, 1 min before', () => {
    const e = conv();
    e.handshake();
    expect(e.zc.expire(e.now() + 299)).toBe(false);
    expect(e.zc.expire(e.now() + 301)).toBe(true);
    const p = conv({ aPort: 40000, bPort: 9999 });
    p.send('A', 'PA', { len: 1 }); // PARTIAL ends the handshake phase too
    expect(p.zc.expire(p.now() + 299)).toBe(false);
  });

  it('isReuse: a new SYN after a close or reject, or with a new ISN', () => {
    const r = conv();
    r.send('A', 'S');
    r.send('B', 'RA');
    const syn = newSegment();
    syn.flags = TcpFlag.SYN;
    syn.seq = 1000;
    expect(r.zc.isReuse(true, syn)).toBe(true);
    const o = conv();
    o.send('A', 'S');
    expect(o.zc.isReuse(true, syn)).toBe(false); // retransmission
    syn.seq = 4242;
    expect(o.zc.isReuse(true, syn)).toBe(true);
    const ack = newSegment();
    ack.flags = TcpFlag.ACK;
    expect(o.zc.isReuse(true, ack)).toBe(false);
  });
});
