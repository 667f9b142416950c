/**
 * Segment templates for tracker tests: a simulated client and server that keep
 * their own sequence numbers, so a scenario reads like a ladder diagram:
 *   w.c('S'); w.s('S.'); w.c('.'); w.c('P.', 100); w.c('F.'); ...
 * Each side acknowledges what it has received unless told otherwise.
 */
import { LinkDir, newSegment, type Segment, TcpFlag } from '../../src/decode/segment.js';
import type { Connection, Side } from '../../src/tcp/connection.js';
import { STATE_NAMES } from '../../src/model/states.js';
import type { SegInfo } from '../../src/tcp/classify.js';
import { Tracker, type TrackerObserver, type TrackerOptions } from '../../src/tcp/tracker.js';
import type { TransitionRecord } from '../../src/tcp/connection.js';
import { at, must } from '../../src/model/checked.js';

export interface SendOpts {
  seq?: number;
  ack?: number;
  win?: number;
  /** Seconds to advance the clock before sending (default 0.001). */
  dt?: number;
  /** The peer does not receive it (dropped after the capture point): its ack does not advance. */
  lost?: boolean;
  wscale?: number;
  mss?: number;
  tsVal?: number;
  /** SYN options: SACK permitted (default true on a SYN). */
  sackOk?: boolean;
  /** IP TTL (default 0, as a segment without one). */
  ttl?: number;
  /** IPv4 identification field (default none: no IP header bytes, read as 0). */
  ipId?: number;
  /** SACK blocks, [left, right] pairs of sequence numbers. */
  sack?: number[];
  /** Segment.linkDir (default LinkDir.UNKNOWN). */
  linkDir?: LinkDir;
}

interface Side_ {
  addr: number[];
  port: number;
  isn: number;
  nxt: number;
  rcvd: number;
  hasRcvd: boolean;
}

export class Recorder implements TrackerObserver {
  segments: { conn: Connection; info: SegInfo }[] = [];
  transitions: { conn: Connection; rec: TransitionRecord }[] = [];
  reuses: { previous: Connection; conn: Connection; took: boolean }[] = [];
  ended: Connection[] = [];
  segment(conn: Connection, _seg: Segment, info: SegInfo): void {
    this.segments.push({ conn, info: { ...info } });
  }
  transition(conn: Connection, rec: TransitionRecord): void {
    this.transitions.push({ conn, rec: { ...rec } });
  }
  portReuse(previous: Connection, conn: Connection, _seg: Segment, took: boolean): void {
    this.reuses.push({ previous, conn, took });
  }
  connectionEnded(conn: Connection): void {
    this.ended.push(conn);
  }
}

const NO_BYTES = new Uint8Array(0);

const FLAG: Record<string, number> = {
  S: TcpFlag.SYN,
  F: TcpFlag.FIN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  '.': TcpFlag.ACK,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  W: TcpFlag.CWR,
};

export class Wire {
  t = 1_700_000_000;
  frame = 0;
  readonly rec = new Recorder();
  readonly tracker: Tracker;
  private readonly seg = newSegment();
  readonly side: [Side_, Side_];
  ipVersion: 4 | 6 = 4;

  constructor(
    opts: Partial<TrackerOptions> = {},
    cPort = 40000,
    sPort = 80,
    cIsn = 1000,
    sIsn = 5000,
    /** Also told everything the tracker reports (e.g. the detectors). */
    also?: TrackerObserver,
  ) {
    const rec = this.rec;
    const observer: TrackerObserver = also
      ? {
          segment: (c, s, i) => {
            rec.segment(c, s, i);
            also.segment(c, s, i);
          },
          transition: (c, r) => {
            rec.transition(c, r);
            also.transition(c, r);
          },
          portReuse: (p, c, s, t) => {
            rec.portReuse(p, c, s, t);
            also.portReuse(p, c, s, t);
          },
          connectionEnded: (c) => {
            rec.connectionEnded(c);
            also.connectionEnded(c);
          },
        }
      : rec;
    this.tracker = new Tracker(observer, opts);
    this.side = [
      { addr: [10, 0, 0, 1], port: cPort, isn: cIsn, nxt: cIsn, rcvd: 0, hasRcvd: false },
      { addr: [10, 0, 0, 2], port: sPort, isn: sIsn, nxt: sIsn, rcvd: 0, hasRcvd: false },
    ];
  }

  c(flags: string, len = 0, o: SendOpts = {}): Segment {
    return this.send(0, flags, len, o);
  }
  s(flags: string, len = 0, o: SendOpts = {}): Segment {
    return this.send(1, flags, len, o);
  }

  /** Restart the client with a new ISN (port reuse) — the next c('S') uses it. */
  newIsn(side: Side, isn: number): void {
    this.side[side].isn = isn;
    this.side[side].nxt = isn;
    must(this.side[1 - side], 'this.side[1 - side]').hasRcvd = false;
  }

  send(from: Side, flags: string, len: number, o: SendOpts = {}): Segment {
    const me = this.side[from];
    const peer = must(this.side[1 - from], 'this.side[1 - from]');
    let f = 0;
    for (const ch of flags) f |= FLAG[ch] ?? 0;
    const seg = this.seg;
    this.t += o.dt ?? 0.001;
    seg.frame = ++this.frame;
    seg.ts = this.t;
    seg.tsSec = Math.floor(this.t);
    seg.tsNsec = Math.round((this.t - seg.tsSec) * 1e9);
    seg.ipVersion = 4;
    for (let i = 0; i < 4; i++) {
      seg.src[i] = at(me.addr, i);
      seg.dst[i] = at(peer.addr, i);
    }
    seg.srcPort = me.port;
    seg.dstPort = peer.port;
    const isSyn = (f & TcpFlag.SYN) !== 0;
    const isFin = (f & TcpFlag.FIN) !== 0;
    const seq = o.seq ?? (isSyn ? me.isn : me.nxt);
    seg.seq = seq >>> 0;
    seg.ack = (f & TcpFlag.ACK ? (o.ack ?? (me.hasRcvd ? me.rcvd : 0)) : 0) >>> 0;
    seg.flags = f;
    seg.window = o.win ?? 64240;
    seg.payloadLen = len;
    seg.capturedPayload = 0;
    seg.mss = isSyn ? (o.mss ?? 1460) : -1;
    seg.wscale = isSyn ? (o.wscale ?? 7) : -1;
    seg.sackPermitted = isSyn && (o.sackOk ?? true);
    seg.tsVal = o.tsVal ?? -1;
    seg.tsEcr = -1;
    seg.ttl = o.ttl ?? 0;
    seg.linkDir = o.linkDir ?? LinkDir.UNKNOWN;
    if (o.ipId === undefined) {
      seg.buf = NO_BYTES;
      seg.ipOffset = -1;
    } else {
      // Only the IPv4 header's identification field (bytes 4-5) is read back.
      seg.buf = new Uint8Array(20);
      seg.buf[4] = o.ipId >>> 8;
      seg.buf[5] = o.ipId & 0xff;
      seg.ipOffset = 0;
    }
    const sack = o.sack ?? [];
    seg.sackCount = sack.length >> 1;
    for (let i = 0; i < sack.length; i++) seg.sackBlocks[i] = at(sack, i) >>> 0;
    seg.tfo = false;
    const end = (seq + len + (isSyn ? 1 : 0) + (isFin ? 1 : 0)) >>> 0;
    if (o.seq === undefined && ((end - me.nxt) | 0) > 0) me.nxt = end;
    if (o.seq !== undefined && ((end - me.nxt) | 0) > 0) me.nxt = end;
    if (!o.lost && (f & TcpFlag.RST) === 0) {
      if (!peer.hasRcvd || ((end - peer.rcvd) | 0) > 0) peer.rcvd = end;
      peer.hasRcvd = true;
    }
    this.tracker.segment(seg);
    return seg;
  }

  /**
   * Let capture time pass without a segment (default 2 s, past the tracker's
   * settle delay): bare ACKs on their way are then taken as delivered.
   */
  settle(dt = 2): void {
    this.t += dt;
    this.tracker.advance(this.t);
  }

  /** The newest connection's [client, server] stateEvidence ("seen" or "inferred"). */
  evidence(conn?: Connection): [string, string] {
    const c = conn ?? this.conn;
    return [c.client.evidenceInferred ? 'inferred' : 'seen', c.server.evidenceInferred ? 'inferred' : 'seen'];
  }

  /** The newest connection's [client, server] state names. */
  states(conn?: Connection): [string, string] {
    const c = conn ?? at(this.tracker.conns, this.tracker.conns.length - 1);
    return [
      must(STATE_NAMES[c.client.state as number], 'STATE_NAMES[c.client.state as number]'),
      must(STATE_NAMES[c.server.state as number], 'STATE_NAMES[c.server.state as number]'),
    ];
  }

  get conn(): Connection {
    return at(this.tracker.conns, this.tracker.conns.length - 1);
  }

  /** "client:FROM>TO" strings for the newest connection's timeline. */
  timeline(conn?: Connection): string[] {
    const c = conn ?? this.conn;
    return c.transitions.map(
      (r) => `${r.side === 0 ? 'client' : 'server'}:${STATE_NAMES[r.from]}>${STATE_NAMES[r.to]}`,
    );
  }
}

/**
 * From now on the wire's segments are IPv6 (the Wire builds IPv4): 10.0.0.x
 * becomes 2001:db8::x, 127.0.0.1 becomes ::1, before the tracker sees each.
 */
export function toIpv6(w: Wire): Wire {
  const tracker = w.tracker;
  const segment = tracker.segment.bind(tracker);
  tracker.segment = (seg: Segment) => {
    const s = must(seg.src[3], 'seg.src[3]');
    const d = must(seg.dst[3], 'seg.dst[3]');
    const loop = seg.src[0] === 127;
    seg.ipVersion = 6;
    seg.src.fill(0, 0, 16);
    seg.dst.fill(0, 0, 16);
    if (!loop) {
      for (const a of [seg.src, seg.dst]) {
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = 0xb8;
      }
    }
    seg.src[15] = s;
    seg.dst[15] = d;
    return segment(seg);
  };
  return w;
}
