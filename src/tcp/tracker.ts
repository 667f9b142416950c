/**
 * The passive dual-endpoint tracker: segments in, per-endpoint RFC 793 states out.
 *
 * Flow table keyed by a commutative hash of the 4-tuple (both directions land on
 * one connection), chained per bucket, compared field by field: no string keys,
 * nothing allocated per segment. The state machine itself is the table in
 * transitions.ts; this file holds the bookkeeping around it and, in
 * `specialCases`-marked blocks, every inference the table cannot express.
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import {
  CLIENT,
  Connection,
  type Endpoint,
  NO_ZEEK,
  SERVER,
  SIDES,
  type Side,
  type TransitionRecord,
  type ZeekLike,
} from './connection.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';
import { isTerminal, State } from './states.js';
import { type TimerEntry, TimerQueue } from './timer-queue.js';
import { EVENT_CAUSE, Ev, nextState } from './transitions.js';

export interface TrackerOptions {
  /** Maximum segment lifetime, seconds; TIME_WAIT lasts 2 x MSL (RFC 9293 3.4.2). */
  msl: number;
  /** An open connection with no segment for this long is timed out (removed from the flow table). */
  idleTimeout: number;
  /** A handshake that never completed is timed out after this long without a segment. */
  halfOpenTimeout: number;
  /** Out-of-order threshold when the handshake RTT is unknown (Wireshark uses 3 ms). */
  oooThreshold: number;
  /**
   * A segment this long after both endpoints of its connection closed starts a
   * new connection (picked up mid-stream) instead of joining the old one.
   */
  closedLinger: number;
  /** Makes each connection's Zeek conn_state/history emulation (none by default). */
  newZeek: (() => ZeekLike) | null;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  msl: 30,
  idleTimeout: 7200,
  halfOpenTimeout: 60,
  oooThreshold: 0.003,
  closedLinger: 5,
  newZeek: null,
};

/** What the tracker concluded about one segment, handed to observers (reused object). */
export interface SegInfo {
  /** The sender's side (CLIENT or SERVER). */
  side: Side;
  /** Payload (or SYN/FIN) below the highest sequence already sent. */
  retransmission: boolean;
  /** Below the highest sequence, but soon after it: reordered rather than resent. */
  outOfOrder: boolean;
  /** Sequence number beyond the next expected one: data missing from the capture. */
  gap: boolean;
  keepAlive: boolean;
  /** A keep-alive-shaped probe sent while the peer advertises a zero window. */
  zeroWindowProbe: boolean;
  dupAck: boolean;
  zeroWindow: boolean;
  /** For RST: acceptable to the receiver (RFC 9293 3.10.7.x / RFC 5961). */
  rstAcceptable: boolean;
  /** New data sent after this endpoint's own FIN. */
  dataAfterFin: boolean;
  /** Data sent after a RST on the connection. */
  dataAfterRst: boolean;
  /** This segment created the connection. */
  opened: boolean;
  /** Each side's state before the segment. */
  clientBefore: number;
  serverBefore: number;
}

export interface TrackerObserver {
  /** After the segment has been applied to the connection. */
  segment(conn: Connection, seg: Segment, info: SegInfo): void;
  /** `rec` is reused: valid during the call only (copy what you keep). */
  transition(conn: Connection, rec: TransitionRecord): void;
  /** A SYN reused the 4-tuple of an earlier connection; `tookOverTimeWait` when an endpoint in TIME_WAIT was ended by it. */
  portReuse(previous: Connection, conn: Connection, seg: Segment, tookOverTimeWait: boolean): void;
  /** Both endpoints closed (or one in TIME_WAIT and the other closed), or timed out. */
  connectionEnded(conn: Connection): void;
}

/** Linux's first SYN-ACK retransmission comes 1 s after the SYN-ACK; judged with a margin. */
const SYN_COOKIE_AFTER = 1.5;

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/** An IPv6 address folded to 30 bits, a small integer (collisions are settled by sameAddr6). */
function hashAddr6(b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4) {
    h = Math.imul(h ^ ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!), 0x9e3779b1);
  }
  return h & 0x3fffffff;
}

function sameAddr6(ep: Endpoint, b: Uint8Array): boolean {
  const a = ep.addr6!;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** When a transition happens: a segment's time and frame, or a timer's. */
interface When {
  ts: number;
  frame: number;
}

export class Tracker {
  readonly opts: TrackerOptions;
  /** Every connection still reported (in creation order); compacted by the pipeline. */
  conns: Connection[] = [];
  /** Connections in the flow table (open, or ended but not replaced). */
  openCount = 0;
  now = 0;
  private nextId = 1;
  private readonly table = new Map<number, Connection>();
  private readonly observer: TrackerObserver;
  private readonly info: SegInfo = {
    side: CLIENT,
    retransmission: false,
    outOfOrder: false,
    gap: false,
    keepAlive: false,
    zeroWindowProbe: false,
    dupAck: false,
    zeroWindow: false,
    rstAcceptable: false,
    dataAfterFin: false,
    dataAfterRst: false,
    opened: false,
    clientBefore: 0,
    serverBefore: 0,
  };
  /** TIME_WAIT expiries in time order; stale entries (the endpoint moved on) are skipped. */
  private readonly timeWait = new TimerQueue();
  /** Handed to the observer for each transition (reused, like `info`). */
  private readonly rec: TransitionRecord = { t: 0, frame: 0, side: CLIENT, from: 0, to: 0, cause: '' };
  private readonly due: TimerEntry = { t: 0, conn: null as unknown as Connection, side: CLIENT };
  /** The moment of a timer's transition (reused). */
  private readonly timerAt: When = { ts: 0, frame: 0 };
  /** Listening sockets learned from SYN-ACKs: "addrhash:port" numbers (role inference). */
  private readonly listeners = new Set<number>();
  private lastSweep = 0;
  /** The capture time from which advance() has work: the oldest TIME_WAIT expiry or the next idle sweep. */
  private nextDue = 0;
  /** Frame number of the latest segment (timer transitions are attributed to it). */
  private lastFrame = 0;

  constructor(observer: TrackerObserver, opts: Partial<TrackerOptions> = {}) {
    this.observer = observer;
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
  }

  /** Feed one segment (segments must come in capture order). */
  segment(seg: Segment): void {
    const t = seg.ts;
    this.lastFrame = seg.frame;
    if (t > this.now) {
      this.now = t;
      // Only when a timer is due: a call with the time boxes it (a heap number per packet).
      if (t >= this.nextDue) this.advance(t);
    }
    // The IPv4 address itself, computed here rather than by a call (which would
    // box the uint32 of an address from 128.0.0.0 up, outside the int32 range);
    // the flow hash is kept to 30 bits, a small integer on any V8 build, which
    // the Map looks up without boxing it either.
    const v4 = seg.ipVersion === 4;
    const src = seg.src;
    const dst = seg.dst;
    const srcH = v4 ? ((src[0]! << 24) | (src[1]! << 16) | (src[2]! << 8) | src[3]!) >>> 0 : hashAddr6(src);
    const dstH = v4 ? ((dst[0]! << 24) | (dst[1]! << 16) | (dst[2]! << 8) | dst[3]!) >>> 0 : hashAddr6(dst);
    const h1 = (Math.imul(srcH, 31) + seg.srcPort) | 0;
    const h2 = (Math.imul(dstH, 31) + seg.dstPort) | 0;
    // The tunnel is part of the identity (decode/tunnel.ts); 0 without one.
    const tk = seg.tunnelKey;
    const hash = (Math.imul(h1 ^ h2, 0x9e3779b1) + h1 + h2 + tk) & 0x3fffffff;

    let conn = this.table.get(hash) ?? null;
    let side: Side = CLIENT;
    let prev: Connection | null = null;
    while (conn !== null) {
      if (conn.ipVersion === seg.ipVersion && conn.tunnelKey === tk) {
        const c = conn.client;
        const s = conn.server;
        if (
          c.port === seg.srcPort &&
          s.port === seg.dstPort &&
          (v4 ? c.addr4 === srcH && s.addr4 === dstH : sameAddr6(c, src) && sameAddr6(s, dst))
        ) {
          side = CLIENT;
          break;
        }
        if (
          s.port === seg.srcPort &&
          c.port === seg.dstPort &&
          (v4 ? s.addr4 === srcH && c.addr4 === dstH : sameAddr6(s, src) && sameAddr6(c, dst))
        ) {
          side = SERVER;
          break;
        }
      }
      prev = conn;
      conn = conn.nextInBucket;
    }

    const info = this.info;
    info.opened = false;
    if (conn === null) {
      conn = this.open(seg, hash, srcH, dstH, null);
      side = conn.firstSender;
    } else if ((seg.flags & (SYN | ACK | RST)) === SYN && this.isNewIncarnation(conn, side, seg)) {
      // specialCases: port reuse. A SYN on a 4-tuple whose connection is over (or
      // whose handshake never completed, with a new ISN) starts a new connection.
      const old = conn;
      conn = this.open(seg, hash, srcH, dstH, { old, prev });
      side = conn.firstSender;
      const took = this.takeOverTimeWait(old, side === CLIENT ? srcH : dstH, seg);
      this.observer.portReuse(old, conn, seg, took);
      // A handshake abandoned for a new one (a new ISN) is over too, though no
      // FIN or RST said so: it left the flow table and no segment reaches it.
      if (!old.ended) {
        old.ended = true;
        this.observer.connectionEnded(old);
      }
    } else if (
      (seg.flags & SYN) === 0 &&
      conn.ended &&
      conn.client.state === State.CLOSED &&
      conn.server.state === State.CLOSED &&
      seg.ts - conn.end > this.opts.closedLinger
    ) {
      // specialCases: a segment long after both endpoints closed (neither holds a
      // socket) is not a straggler of that connection but another one on the same
      // 4-tuple whose handshake was not captured: picked up mid-stream. (Zeek
      // splits the same way after its 5 s tcp_close_delay / tcp_reset_delay.)
      conn = this.open(seg, hash, srcH, dstH, { old: conn, prev });
      side = conn.firstSender;
    }
    this.apply(conn, side, seg);
  }

  /** Advance capture time without a segment (live mode idle ticks, end of capture). */
  advance(t: number): void {
    if (t > this.now) this.now = t;
    const e = this.due;
    while (this.timeWait.peek() <= t) {
      this.timeWait.shift(e);
      const ep = e.conn.endpoint(e.side);
      if (ep.state === State.TIME_WAIT && ep.stateSince + 2 * this.opts.msl === e.t) {
        const at = this.timerAt;
        at.ts = e.t;
        at.frame = this.lastFrame;
        this.transition(e.conn, e.side, State.CLOSED, at, '2 x MSL elapsed in TIME_WAIT');
      }
    }
    if (t >= this.lastSweep + 10) {
      this.lastSweep = t;
      this.sweepIdle(t);
    }
    this.nextDue = Math.min(this.timeWait.peek(), this.lastSweep + 10);
  }

  /**
   * Remove a connection from the flow table now, before its timeout: the
   * pipeline's answer to memory pressure (its connection cap), as conntrack's
   * early_drop. One that had not ended is timed out (and reported ended).
   * A later segment of its 4-tuple starts a new connection.
   */
  evict(conn: Connection): void {
    if (conn.evicted) return;
    let prev: Connection | null = null;
    let c = this.table.get(conn.hash) ?? null;
    while (c !== null && c !== conn) {
      prev = c;
      c = c.nextInBucket;
    }
    if (c === null) return;
    if (prev) prev.nextInBucket = conn.nextInBucket;
    else if (conn.nextInBucket) this.table.set(conn.hash, conn.nextInBucket);
    else this.table.delete(conn.hash);
    this.leaveByTimeout(conn);
  }

  /**
   * A connection unlinked from its bucket by a timeout or an eviction leaves
   * the table; one that had not ended is reported ended, by timeout.
   */
  private leaveByTimeout(conn: Connection): void {
    conn.nextInBucket = null;
    conn.leaveTable();
    this.openCount--;
    if (!conn.ended) {
      conn.timedOut = true;
      conn.ended = true;
      this.observer.connectionEnded(conn);
    }
  }

  /**
   * These connections were summarised by the pipeline (its connection cap):
   * their pending TIME_WAIT expiries are dropped, so nothing here keeps them
   * in memory (the detectors keep the host counts right: Detectors.forget).
   */
  forget(gone: ReadonlySet<Connection>): void {
    this.timeWait.forget(gone);
  }

  /** The connections currently in the flow table. */
  *openConnections(): IterableIterator<Connection> {
    for (const head of this.table.values()) {
      for (let c: Connection | null = head; c !== null; c = c.nextInBucket) yield c;
    }
  }

  // ---------------------------------------------------------------------------

  private open(
    seg: Segment,
    hash: number,
    srcH: number,
    dstH: number,
    replace: { old: Connection; prev: Connection | null } | null,
  ): Connection {
    const conn = new Connection(
      this.nextId++,
      seg.ipVersion,
      this.opts.newZeek ? this.opts.newZeek() : NO_ZEEK,
    );
    conn.hash = hash;
    conn.tunnelKey = seg.tunnelKey;
    conn.start = seg.ts;
    conn.end = seg.ts;
    conn.firstFrame = seg.frame;
    // Roles: the sender of a SYN is the client. Otherwise infer (and say so):
    // the sender of a SYN-ACK is the server; then a well-known port (< 1024) on
    // one side only; then a port seen listening (answering SYNs) in this capture;
    // then the lower port; then the first sender is the client.
    const f = seg.flags;
    let senderIsClient: boolean;
    if ((f & (SYN | ACK)) === SYN) senderIsClient = true;
    else {
      conn.roleInferred = true;
      if ((f & (SYN | ACK)) === (SYN | ACK)) senderIsClient = false;
      else if (seg.srcPort < 1024 !== seg.dstPort < 1024) senderIsClient = seg.dstPort < 1024;
      else {
        const srcListens = this.listeners.has((Math.imul(srcH, 31) + seg.srcPort) | 0);
        const dstListens = this.listeners.has((Math.imul(dstH, 31) + seg.dstPort) | 0);
        if (srcListens !== dstListens) senderIsClient = dstListens;
        else if (seg.srcPort !== seg.dstPort) senderIsClient = seg.srcPort > seg.dstPort;
        else senderIsClient = true;
      }
    }
    const snd = conn.endpoint(senderIsClient ? CLIENT : SERVER);
    const rcv = conn.endpoint(senderIsClient ? SERVER : CLIENT);
    conn.firstSender = senderIsClient ? CLIENT : SERVER;
    if (seg.ipVersion === 4) {
      snd.addr4 = srcH;
      rcv.addr4 = dstH;
    } else {
      snd.addr6!.set(seg.src.subarray(0, 16));
      rcv.addr6!.set(seg.dst.subarray(0, 16));
    }
    snd.port = seg.srcPort;
    rcv.port = seg.dstPort;

    // Insert at the head of the bucket (or in place of the connection it replaces).
    if (replace) {
      const { old, prev } = replace;
      conn.nextInBucket = old.nextInBucket;
      if (prev) prev.nextInBucket = conn;
      else this.table.set(hash, conn);
      old.nextInBucket = null;
      old.leaveTable();
      this.openCount--;
    } else {
      conn.nextInBucket = this.table.get(hash) ?? null;
      this.table.set(hash, conn);
    }
    this.openCount++;
    this.conns.push(conn);
    this.info.opened = true;

    // specialCases: mid-stream pickup. A first segment that is neither SYN nor
    // SYN-ACK (nor a lone RST) means the handshake happened before the capture:
    // both endpoints are picked up as ESTABLISHED, and the record says so.
    if ((f & (SYN | RST)) === 0) {
      conn.midstream = true;
      this.transition(conn, CLIENT, State.ESTABLISHED, seg, 'picked up mid-stream (no handshake captured)');
      this.transition(conn, SERVER, State.ESTABLISHED, seg, 'picked up mid-stream (no handshake captured)');
    }
    return conn;
  }

  /** Does a SYN on an existing 4-tuple start a new connection? */
  private isNewIncarnation(conn: Connection, side: Side, seg: Segment): boolean {
    const c = conn.client.state;
    const s = conn.server.state;
    const snd = conn.endpoint(side);
    // The previous connection is over (both sides closed or in TIME_WAIT) and it
    // had actually started (not the very SYN being retransmitted into CLOSED).
    if (
      isTerminal(c) &&
      isTerminal(s) &&
      (conn.transitionCount > 0 || snd.rstSent || conn.endpoint(1 - side).rstSent)
    ) {
      return true;
    }
    // A SYN with a new ISN while the old handshake never completed: a new attempt
    // (the client gave up and reconnected from the same port, or a SYN flood).
    if (snd.hasIsn && seg.seq !== snd.isn && conn.establishedTs === 0) {
      const st = snd.state;
      return st === State.SYN_SENT || st === State.CLOSED || st === State.SYN_RECEIVED;
    }
    return false;
  }

  /**
   * specialCases: TIME_WAIT assassination by a SYN (Linux tcp_timewait_state_process):
   * an endpoint in TIME_WAIT that receives a SYN whose ISN is after its rcv_nxt (or
   * whose timestamp is newer) is replaced by the new connection; the SYN's sender
   * reusing its own TIME_WAIT port (tcp_tw_reuse) likewise ends it.
   */
  private takeOverTimeWait(old: Connection, synSenderAddrHash: number, seg: Segment): boolean {
    let took = false;
    for (const side of SIDES) {
      const ep = old.endpoint(side);
      if (ep.state !== State.TIME_WAIT) continue;
      const isSender = ep.port === seg.srcPort && (seg.ipVersion === 6 || ep.addr4 === synSenderAddrHash);
      const peer = old.endpoint(1 - side);
      const seqNewer = !peer.seqKnown || seqGt(seg.seq, peer.sndNxt);
      const tsNewer = seg.tsVal >= 0 && peer.lastTsVal >= 0 && seqGt(seg.tsVal, peer.lastTsVal);
      if (isSender || seqNewer || tsNewer) {
        this.transition(old, side, State.CLOSED, seg, 'TIME_WAIT ended by a new SYN on the same 4-tuple');
        took = true;
      }
    }
    return took;
  }

  private apply(conn: Connection, side: Side, seg: Segment): void {
    const info = this.info;
    const snd = conn.endpoint(side);
    const rcvSide = (1 - side) as Side;
    const rcv = conn.endpoint(rcvSide);
    const f = seg.flags;
    const syn = (f & SYN) !== 0;
    const fin = (f & FIN) !== 0;
    const rst = (f & RST) !== 0;
    const hasAck = (f & ACK) !== 0;
    const len = seg.payloadLen;
    // Where `t` goes to a call that V8 does not inline (a rare setter), it is
    // boxed once for all such calls, before the first branch that leads to one:
    // keep those calls inside the branch that needs them, or every packet pays
    // a heap number.
    const t = seg.ts;

    info.side = side;
    info.retransmission = false;
    info.outOfOrder = false;
    info.gap = false;
    info.keepAlive = false;
    info.zeroWindowProbe = false;
    info.dupAck = false;
    info.zeroWindow = false;
    info.rstAcceptable = false;
    info.dataAfterFin = false;
    info.dataAfterRst = false;
    info.clientBefore = conn.client.state;
    info.serverBefore = conn.server.state;

    conn.end = Math.max(t, conn.end);
    conn.lastFrame = seg.frame;
    snd.packets++;
    snd.bytes += len;
    snd.lastSeen = t;
    if (len > 0) snd.dataSegments++;

    // --- options (RFC 7323 window scale and timestamps, RFC 2018 SACK) ---
    if (syn) {
      if (seg.mss >= 0) snd.mss = seg.mss;
      snd.wscale = seg.wscale;
      if (seg.sackPermitted) snd.sackPermitted = true;
      if (seg.tsVal >= 0) snd.timestamps = true;
      if (hasAck) conn.scaling = snd.wscale >= 0 && rcv.wscale >= 0;
    }
    if (seg.tsVal >= 0) snd.lastTsVal = seg.tsVal;

    // --- sequence space: retransmission, out-of-order, gaps, keep-alives ---
    const seqEnd = seqAdd(seg.seq, len + (syn ? 1 : 0) + (fin ? 1 : 0));
    if (syn) {
      const again = hasAck ? snd.synAckSent : snd.synSent;
      if (snd.hasIsn && seg.seq === snd.isn) {
        // The same ISN again: a retransmission, except the first SYN-ACK after our
        // own SYN in a simultaneous open.
        if (again) {
          snd.synRetransmissions++;
          info.retransmission = true;
        }
      } else {
        snd.isn = seg.seq;
        snd.hasIsn = true;
        snd.sndNxt = seqEnd;
        snd.seqKnown = true;
        snd.sndNxtTs = t;
      }
      if (hasAck) snd.synAckSent = true;
      else snd.synSent = true;
    } else if (rst) {
      // A RST's sequence number says nothing about data: leave sndNxt alone.
    } else if (!snd.seqKnown) {
      snd.sndNxt = seqEnd;
      snd.seqKnown = true;
      snd.sndNxtTs = t;
    } else if (len > 0 || fin) {
      if (seqGe(seg.seq, snd.sndNxt)) {
        if (seqGt(seg.seq, snd.sndNxt)) info.gap = true;
        snd.sndNxt = seqEnd;
        snd.sndNxtTs = t;
      } else if (len <= 1 && !fin && seqAdd(seg.seq, 1) === snd.sndNxt && this.isIdleProbe(snd, rcv, seg)) {
        this.probe(snd, rcv);
      } else {
        const rtt = conn.ackTs > 0 && conn.synTs > 0 ? conn.ackTs - conn.synTs : 0;
        const threshold = rtt > 0 ? rtt : this.opts.oooThreshold;
        // A segment that fills the hole the peer's duplicate ACKs point at is a
        // fast retransmission (RFC 5681 3.2), however soon it comes; otherwise a
        // segment below the highest sequence that comes within one RTT of it was
        // reordered on the way (Wireshark's rule), later it was resent.
        // The first duplicate ACK at least half a round trip earlier is enough (RACK
        // retransmits on one SACK): a reordered original would have come sooner.
        const fastRetransmit =
          rcv.ackKnown &&
          (seg.seq === rcv.lastAck ||
            (rcv.sackRight !== rcv.lastAck &&
              seqGt(seg.seq, rcv.lastAck) &&
              seqLt(seg.seq, rcv.sackRight))) &&
          (rcv.dupAckRun >= 2 || (rcv.dupAckRun >= 1 && rtt > 0 && t - rcv.dupAckSince >= rtt / 2));
        if (
          !fastRetransmit &&
          conn.nearSide !== side &&
          len > 0 &&
          t - snd.sndNxtTs < threshold &&
          seqLe(seqEnd, snd.sndNxt)
        ) {
          info.outOfOrder = true;
          snd.outOfOrder++;
        } else {
          info.retransmission = true;
          snd.retransmissions++;
        }
        if (seqGt(seqEnd, snd.sndNxt)) {
          snd.sndNxt = seqEnd;
          snd.sndNxtTs = t;
        }
      }
    } else if (
      hasAck &&
      seg.seq !== snd.sndNxt &&
      seqAdd(seg.seq, 1) === snd.sndNxt &&
      this.isIdleProbe(snd, rcv, seg)
    ) {
      // Linux keep-alive: no data, sequence number one below the next one (RFC 9293 3.8.4).
      // `seg.seq !== snd.sndNxt` first: every pure ACK comes here, and on the
      // benchmark capture TurboFan left this seqAdd() a call, which boxes a
      // sequence number of 2^31 and above (a heap number per ACK); a plain ACK,
      // whose sequence number is sndNxt, now skips it.
      this.probe(snd, rcv);
    }
    if (len > 0 && snd.finSent && seqGe(seg.seq, snd.finSeq)) info.dataAfterFin = true;
    if (len > 0 && (snd.rstSent || rcv.rstSent)) info.dataAfterRst = true;

    // --- acknowledgements and windows ---
    if (!rst) this.acknowledge(snd, rcv, seg);

    // --- silence: retransmissions the peer never answers ---
    rcv.unansweredRtx = 0;
    if (info.retransmission && len > 0) {
      snd.unansweredRtx++;
      // specialCases: the peer sent nothing but one SYN-ACK, and this side's data
      // is retransmitted unanswered: the final ACK created no connection there
      // (Linux answering with a SYN cookie drops that ACK when the accept queue is
      // full), or the peer vanished right after the handshake. An ESTABLISHED
      // endpoint would acknowledge the data; it holds no connection.
      if (
        snd.unansweredRtx >= 2 &&
        rcv.state === State.ESTABLISHED &&
        rcv.synAckSent &&
        !rcv.synSent &&
        rcv.packets === 1 + rcv.synRetransmissions &&
        rcv.synRetransmissions === 0
      ) {
        this.transition(
          conn,
          rcvSide,
          State.CLOSED,
          seg,
          'never answered after its SYN-ACK: the final ACK created no connection',
        );
      }
    }

    // --- handshake timing (one branch: see `t` above) ---
    if (syn) {
      if (!hasAck && side === CLIENT && conn.synTs === 0) conn.synTs = t;
      if (hasAck && conn.synAckTs === 0) conn.synAckTs = t;
    }

    // --- state events ---
    if (rst) this.applyRst(conn, side, seg);
    else {
      this.applySent(conn, side, seg);
      this.applyReceived(conn, rcvSide, seg);
      if (fin && !snd.finSent) {
        snd.finSent = true;
        snd.finSeq = seqAdd(seg.seq, len + (syn ? 1 : 0));
      }
    }

    conn.zeek.segment(side === conn.firstSender, seg, info.retransmission, info.gap);
    this.observer.segment(conn, seg, info);
    this.checkEnded(conn);
  }

  /**
   * The acknowledgement and window of a segment other than a RST from `snd`:
   * duplicate ACKs, the highest ACK and SACK edge, zero windows. Kept out of
   * apply() so that V8 compiles it on its own: inlined there, it ran past
   * the inlining budget, its sequence-number helpers were called instead of
   * inlined, and each call boxed its arguments (garbage on every ACK).
   */
  private acknowledge(snd: Endpoint, rcv: Endpoint, seg: Segment): void {
    const info = this.info;
    const f = seg.flags;
    const syn = (f & SYN) !== 0;
    if ((f & ACK) !== 0 && !syn) {
      if (
        seg.payloadLen === 0 &&
        (f & FIN) === 0 &&
        !info.keepAlive &&
        snd.ackKnown &&
        seg.ack === snd.lastAck &&
        seg.window === snd.lastWin &&
        rcv.seqKnown &&
        seqLt(seg.ack, rcv.sndNxt)
      ) {
        info.dupAck = true;
        snd.dupAcks++;
        if (snd.dupAckRun++ === 0) snd.dupAckSince = seg.ts;
        // The holes it reports lie below the right edge of its SACK blocks (RFC 2018).
        for (let i = 0; i < seg.sackCount; i++) {
          const right = seg.sackBlocks[2 * i + 1]!;
          if (seqGt(right, snd.sackRight)) snd.sackRight = right;
        }
      }
    }
    if ((f & ACK) !== 0 && (!snd.ackKnown || seqGt(seg.ack, snd.lastAck))) {
      snd.lastAck = seg.ack;
      snd.ackKnown = true;
      // A partial ACK (still below what it SACKed) keeps the loss episode going.
      if (seqGe(seg.ack, snd.sackRight)) {
        snd.dupAckRun = 0;
        snd.sackRight = seg.ack;
      }
    }
    if (seg.window === 0 && !syn) {
      info.zeroWindow = true;
      snd.zeroWindows++;
      if (snd.zeroWindowSince < 0) snd.zeroWindowSince = seg.ts;
    } else if (seg.window > 0) {
      snd.zeroWindowSince = -1;
    }
    snd.lastWin = seg.window;
  }

  /**
   * A probe one byte below the next sequence number is a keep-alive (RFC 9293
   * 3.8.4), unless the peer's window is closed: then it is a zero-window probe
   * (3.8.6.1), which Linux sends in the same shape.
   */
  private probe(snd: Endpoint, rcv: Endpoint): void {
    if (rcv.lastWin === 0) {
      this.info.zeroWindowProbe = true;
      snd.zeroWindowProbes++;
    } else {
      this.info.keepAlive = true;
      snd.keepAlives++;
    }
  }

  /** Idle probe (keep-alive): the sender has nothing outstanding and the peer is idle too. */
  private isIdleProbe(snd: Endpoint, rcv: Endpoint, seg: Segment): boolean {
    return rcv.ackKnown && rcv.lastAck === snd.sndNxt && seg.ts - snd.sndNxtTs > 0.5;
  }

  private applyRst(conn: Connection, side: Side, seg: Segment): void {
    const snd = conn.endpoint(side);
    const rcvSide = (1 - side) as Side;
    const rcv = conn.endpoint(rcvSide);
    const info = this.info;
    // RFC 9293 3.10.7.3 (SYN-SENT): a RST is acceptable if its ACK acknowledges the
    // SYN. Otherwise (3.10.7.4, RFC 5961 3.2) its sequence number must be in the
    // receive window; a passive observer allows the receiver's last ACK up to one
    // window beyond, or exactly the sender's next sequence number.
    let ok: boolean;
    if (rcv.state === State.SYN_SENT) {
      ok = (seg.flags & ACK) !== 0 && rcv.hasIsn && seg.ack === seqAdd(rcv.isn, 1);
    } else if (rcv.state === State.CLOSED || rcv.state === State.LISTEN || rcv.state === State.TIME_WAIT) {
      ok = rcv.state === State.TIME_WAIT ? this.inWindow(conn, snd, rcv, seg.seq) : true;
    } else {
      ok = this.inWindow(conn, snd, rcv, seg.seq);
    }
    info.rstAcceptable = ok;
    snd.rstSent = true;
    if (!ok) return;
    const se = nextState(snd.state, Ev.SND_RST);
    if (se >= 0) this.transition(conn, side, se, seg, EVENT_CAUSE[Ev.SND_RST]);
    const re = nextState(rcv.state, Ev.RCV_RST);
    if (re >= 0) this.transition(conn, rcvSide, re, seg, EVENT_CAUSE[Ev.RCV_RST]);
  }

  private inWindow(conn: Connection, snd: Endpoint, rcv: Endpoint, seq: number): boolean {
    if (!snd.seqKnown && !rcv.ackKnown) return true;
    if (snd.seqKnown && seq === snd.sndNxt) return true;
    const base = rcv.ackKnown ? rcv.lastAck : snd.sndNxt;
    const d = seqDiff(seq, base);
    const wnd = Math.max(rcv.scaledWindow(conn.scaling), 1);
    return d >= -1 && d <= wnd;
  }

  private applySent(conn: Connection, side: Side, seg: Segment): void {
    const snd = conn.endpoint(side);
    const peerSide = (1 - side) as Side;
    const peer = conn.endpoint(peerSide);
    const f = seg.flags;
    if (f & SYN) {
      if (f & ACK) {
        if (snd.state === State.ESTABLISHED && !snd.synSent) {
          // specialCases: a retransmitted SYN-ACK from an endpoint we thought
          // ESTABLISHED: the final ACK we captured never reached it. Until it
          // shows otherwise, further ACKs of its SYN are doubted too.
          if (conn.establishedTs > 0 && snd.dataSegments === 0) {
            snd.ackDoubted = true;
            this.transition(
              conn,
              side,
              State.SYN_RECEIVED,
              seg,
              'retransmitted SYN-ACK: the final ACK did not reach it',
            );
          }
        } else if (!snd.stateless) {
          const to = nextState(snd.state, Ev.SND_SYNACK);
          if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.SND_SYNACK]);
        }
        const h = conn.ipVersion === 4 ? snd.addr4 : hashAddr6(snd.addr6!);
        this.listeners.add((Math.imul(h, 31) + snd.port) | 0);
      } else if (
        snd.state === State.ESTABLISHED &&
        seg.seq === snd.isn &&
        snd.packets === snd.synRetransmissions + 1
      ) {
        // specialCases: the SYN again from an endpoint we thought ESTABLISHED (it
        // has sent nothing but SYNs): the SYN-ACK we captured never reached it.
        // Until it acts ESTABLISHED, further SYN-ACKs are doubted too.
        snd.synAckDoubted = true;
        this.transition(conn, side, State.SYN_SENT, seg, 'retransmitted SYN: the SYN-ACK did not reach it');
      } else {
        const before = snd.state;
        const to = nextState(before, Ev.SND_SYN);
        if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.SND_SYN]);
        // specialCases: simultaneous open. The peer's SYN was captured before this
        // one, and this SYN (no ACK) shows its sender had not received it: the
        // SYNs crossed, and the peer's SYN reaches this endpoint in SYN_SENT
        // (RFC 9293 figure 7).
        if (to === State.SYN_SENT && peer.hasIsn && peer.state === State.SYN_SENT) {
          this.transition(
            conn,
            side,
            State.SYN_RECEIVED,
            seg,
            'received SYN (simultaneous open: the SYNs crossed)',
          );
        }
      }
      // specialCases: SYN cookies. A server that has answered each of the
      // client's SYNs exactly once and never retransmitted its SYN-ACK by its own
      // timer (Linux's fires after 1 s) holds no request socket: with its SYN
      // queue full, Linux answers with a SYN cookie and keeps no state (ss shows
      // nothing). Judged at the client's second retransmission at the earliest.
      if (
        side === CLIENT &&
        snd.synRetransmissions >= 2 &&
        peer.state === State.SYN_RECEIVED &&
        peer.synAckSent &&
        !peer.synSent &&
        1 + peer.synRetransmissions === snd.synRetransmissions &&
        conn.synAckTs > 0 &&
        seg.ts - conn.synAckTs >= SYN_COOKIE_AFTER
      ) {
        peer.stateless = true;
        this.transition(
          conn,
          (1 - side) as Side,
          State.CLOSED,
          seg,
          'answers each SYN once and never retransmits its SYN-ACK: no request socket (SYN cookies)',
        );
      }
    } else if (snd.stateless) {
      // specialCases: a SYN-cookie server that sends a segment without SYN has
      // accepted the cookie in the client's ACK: it holds an ESTABLISHED socket now.
      snd.stateless = false;
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        'sent a segment without SYN: the SYN cookie was accepted',
      );
    } else if (snd.state === State.SYN_RECEIVED && snd.ackDoubted) {
      // specialCases: an endpoint whose SYN-ACK retransmission put the handshake in
      // doubt sends a segment without SYN: only ESTABLISHED endpoints do that.
      snd.ackDoubted = false;
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        'sent a segment without SYN: the handshake had completed',
      );
    } else if (
      snd.state === State.SYN_SENT &&
      (f & ACK) !== 0 &&
      (!peer.hasIsn || seqGe(seg.ack, seqAdd(peer.isn, 1)))
    ) {
      // specialCases: the SYN-ACK was not captured, but this ACK of the peer's SYN
      // proves it arrived.
      const doubted = snd.synAckDoubted;
      snd.synAckDoubted = false;
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        doubted
          ? 'sent ACK of the peer SYN: a SYN-ACK reached it'
          : 'sent ACK of the peer SYN (SYN-ACK not captured)',
      );
    }
    if (f & FIN) {
      if (
        snd.state === State.CLOSE_WAIT &&
        peer.finSent &&
        (f & ACK) !== 0 &&
        seqLt(seg.ack, seqAdd(peer.finSeq, 1)) &&
        this.rewriteCloseWait(conn, side)
      ) {
        // specialCases: simultaneous close. This FIN does not acknowledge the
        // peer's FIN, so its sender had not received that FIN yet: it was
        // ESTABLISHED, went to FIN_WAIT_1 by sending, and the crossing FIN then
        // takes it to CLOSING (RFC 9293 figure 13).
        this.transition(conn, side, State.FIN_WAIT_1, seg, EVENT_CAUSE[Ev.SND_FIN]);
        this.transition(
          conn,
          side,
          State.CLOSING,
          seg,
          'received FIN (simultaneous close: the FINs crossed)',
        );
      } else {
        const to = nextState(snd.state, Ev.SND_FIN);
        if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.SND_FIN]);
      }
    }
  }

  private applyReceived(conn: Connection, side: Side, seg: Segment): void {
    const rcv = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    const f = seg.flags;
    const hasAck = (f & ACK) !== 0;
    if (f & SYN) {
      if (!hasAck) {
        const to = nextState(rcv.state, Ev.RCV_SYN);
        if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.RCV_SYN]);
      } else {
        if (!rcv.hasIsn && rcv.state === State.CLOSED && rcv.packets === 0) {
          // specialCases: a SYN-ACK whose SYN was not captured: its receiver must
          // have sent that SYN (ISN = ack - 1).
          rcv.isn = seqAdd(seg.ack, -1);
          rcv.hasIsn = true;
          rcv.sndNxt = seg.ack;
          rcv.seqKnown = true;
          this.transition(
            conn,
            side,
            State.SYN_SENT,
            seg,
            'sent SYN (not captured; inferred from the SYN-ACK)',
          );
        }
        if (rcv.hasIsn && seg.ack === seqAdd(rcv.isn, 1) && !rcv.synAckDoubted) {
          const to = nextState(rcv.state, Ev.RCV_SYNACK);
          if (to >= 0) {
            this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.RCV_SYNACK]);
            if (to === State.ESTABLISHED && conn.establishedTs === 0) conn.establishedTs = seg.ts;
          }
        }
      }
    } else if (hasAck) {
      if (
        rcv.state === State.SYN_RECEIVED &&
        rcv.hasIsn &&
        !rcv.ackDoubted &&
        seqGe(seg.ack, seqAdd(rcv.isn, 1))
      ) {
        this.transition(conn, side, State.ESTABLISHED, seg, EVENT_CAUSE[Ev.RCV_ACK_SYN]);
        if (conn.establishedTs === 0) conn.establishedTs = seg.ts;
        if (conn.ackTs === 0) {
          conn.ackTs = seg.ts;
          // Where is the capture point? Near the client, SYN -> SYN-ACK is a
          // round trip and SYN-ACK -> ACK is immediate; near the server, the reverse.
          if (conn.synTs > 0 && conn.synAckTs > 0) {
            const a = conn.synAckTs - conn.synTs;
            const b = seg.ts - conn.synAckTs;
            if (a > 4 * b) conn.nearSide = CLIENT;
            else if (b > 4 * a) conn.nearSide = SERVER;
          }
        }
      } else if (
        rcv.state === State.CLOSED &&
        peer.state === State.ESTABLISHED &&
        !conn.midstream &&
        rcv.hasIsn === false &&
        peer.hasIsn
      ) {
        // specialCases: the handshake's SYN-ACK was not captured and the final ACK
        // shows the server answered: it is ESTABLISHED too, with ISN = ack - 1.
        rcv.isn = seqAdd(seg.ack, -1);
        rcv.hasIsn = true;
        rcv.sndNxt = seg.ack;
        rcv.seqKnown = true;
        this.transition(conn, side, State.ESTABLISHED, seg, 'received ACK of its SYN (SYN-ACK not captured)');
      }
    }
    if (hasAck && rcv.finSent && !rcv.finAcked && seqGe(seg.ack, seqAdd(rcv.finSeq, 1))) {
      rcv.finAcked = true;
      const to = nextState(rcv.state, Ev.RCV_ACK_FIN);
      if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.RCV_ACK_FIN]);
    }
    if (f & FIN) {
      if (rcv.state === State.TIME_WAIT) {
        // A retransmitted FIN restarts the 2 MSL timer (RFC 9293 3.10.7.4, eighth step).
        this.transition(
          conn,
          side,
          State.TIME_WAIT,
          seg,
          'received a retransmitted FIN: TIME_WAIT restarted',
        );
      } else {
        const to = nextState(rcv.state, Ev.RCV_FIN);
        if (to >= 0) this.transition(conn, side, to, seg, EVENT_CAUSE[Ev.RCV_FIN]);
      }
    }
  }

  /**
   * Undo the endpoint's last "received FIN: ESTABLISHED -> CLOSE_WAIT" record: the
   * simultaneous-close evidence shows that FIN had not arrived yet. Returns false
   * when the history does not have that shape (then the table applies as is).
   */
  private rewriteCloseWait(conn: Connection, side: Side): boolean {
    for (let i = conn.transitionCount - 1; i >= 0; i--) {
      if (conn.transitionSide(i) !== side) continue;
      if (conn.transitionTo(i) !== State.CLOSE_WAIT || conn.transitionFrom(i) !== State.ESTABLISHED)
        return false;
      conn.removeTransition(i);
      const ep = conn.endpoint(side);
      ep.state = State.ESTABLISHED;
      return true;
    }
    return false;
  }

  /**
   * Moves `side` of `conn` to state `to` at the time and frame of `at` (the
   * segment that caused it, or a timer's moment). Taking the object rather than
   * the time keeps callers from boxing the time: V8 boxes a double passed to a
   * call that is not inlined, and it places that box where every such call
   * site can use it, before the branches, so one per packet.
   */
  private transition(conn: Connection, side: Side, to: number, at: When, cause: string): void {
    const t = at.ts;
    const frame = at.frame;
    const ep = conn.endpoint(side);
    const from = ep.state;
    if (from === to && to !== State.TIME_WAIT) return;
    ep.state = to;
    ep.stateSince = t;
    ep.stateFrame = frame;
    conn.addTransition(t, frame, side, from, to, cause);
    const rec = this.rec;
    rec.t = t;
    rec.frame = frame;
    rec.side = side;
    rec.from = from;
    rec.to = to;
    rec.cause = cause;
    if (to === State.TIME_WAIT) {
      const expiry = t + 2 * this.opts.msl;
      this.timeWait.push(expiry, conn, side);
      if (expiry < this.nextDue) this.nextDue = expiry;
    }
    this.observer.transition(conn, rec);
  }

  private checkEnded(conn: Connection): void {
    if (conn.ended) return;
    const c = conn.client.state;
    const s = conn.server.state;
    if (!isTerminal(c) || !isTerminal(s)) return;
    // A connection that never left CLOSED on both sides (a lone RST, an unanswered
    // SYN that was refused) has ended too once a RST was seen.
    if (conn.transitionCount === 0 && !conn.client.rstSent && !conn.server.rstSent) return;
    conn.ended = true;
    this.observer.connectionEnded(conn);
  }

  /** Time out idle connections so the flow table stays bounded on endless streams. */
  private sweepIdle(now: number): void {
    const { idleTimeout, halfOpenTimeout } = this.opts;
    for (const [hash, head] of this.table) {
      let prev: Connection | null = null;
      let c: Connection | null = head;
      let newHead: Connection | null = head;
      while (c !== null) {
        const next: Connection | null = c.nextInBucket;
        const handshakeOnly = c.establishedTs === 0 && !c.midstream;
        const limit = c.ended ? 2 * this.opts.msl + 1 : handshakeOnly ? halfOpenTimeout : idleTimeout;
        if (now - c.end > limit) {
          if (prev) prev.nextInBucket = next;
          else newHead = next;
          this.leaveByTimeout(c);
        } else prev = c;
        c = next;
      }
      if (newHead === null) this.table.delete(hash);
      else if (newHead !== head) this.table.set(hash, newHead);
    }
  }
}
