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
  type Pending,
  SERVER,
  SIDES,
  type Side,
  type TransitionRecord,
  Vantage,
  type ZeekLike,
} from './connection.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';
import { isTerminal, State } from '../model/states.js';
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
  /**
   * A bare ACK toward an endpoint the capture is not next to cannot be
   * acknowledged: it is taken as delivered (inferred) when this long passes
   * without a sign that it was lost (its receiver resending what it
   * acknowledges: Linux resends a SYN-ACK after 1 s, a FIN after its RTO).
   */
  settleDelay: number;
  /**
   * A FIN whose acknowledgement was not captured counts as acknowledged (by a
   * segment the capture missed) when its sender has not resent it for this long
   * while the capture went on: an unacknowledged FIN is resent within seconds.
   */
  finSilence: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  msl: 30,
  idleTimeout: 7200,
  halfOpenTimeout: 60,
  oooThreshold: 0.003,
  closedLinger: 5,
  newZeek: null,
  settleDelay: 1.5,
  finSilence: 3,
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
  /** A copy of the sender's previous frame (captured twice): counted, not applied. */
  duplicate: boolean;
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

/** One step of a 32-bit hash: the field xored in, multiplied, the high bits folded down. */
function mix(h: number, v: number): number {
  const x = Math.imul(h ^ v, 0x9e3779b1);
  return x ^ (x >>> 15);
}

/** Does acknowledgement number `ack` cover the SYN (or SYN-ACK) that `ep` sent? */
function acksItsSyn(ep: Endpoint, ack: number): boolean {
  return ep.hasIsn && (ep.synAckSent || ep.synSent) && seqGe(ack, seqAdd(ep.isn, 1));
}

/** Does acknowledgement number `ack` cover the FIN that `ep` sent? */
function acksItsFin(ep: Endpoint, ack: number): boolean {
  return ep.finSent && seqGe(ack, seqAdd(ep.finSeq, 1));
}

/** How a waiting segment is known to have arrived (Tracker.deliver). */
const enum Delivery {
  PROOF,
  SILENCE,
  ASSUMED,
}

/** A host's key in Tracker.sendersSeen: the IPv4 address, or a hash of the IPv6 one. */
export function hostHash(ep: Endpoint, ipVersion: 4 | 6): number {
  return ipVersion === 4 ? ep.addr4 : hashAddr6(ep.addr6!);
}

/** When a transition happens: a segment's time and frame, or a timer's. */
interface When {
  ts: number;
  frame: number;
}

/** What a received segment's events are made of (a Segment, or a Pending one delivered later). */
interface Received extends When {
  flags: number;
  seq: number;
  ack: number;
  payloadLen: number;
}

/** 127.0.0.0/8: both endpoints on the capturing host. */
function isLoopback4(a: number): boolean {
  return a >>> 24 === 127;
}

/** A TTL (hop limit) as the sender set it: no router between it and the capture point. */
function isInitialTtl(ttl: number): boolean {
  return ttl === 64 || ttl === 128 || ttl === 255;
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
    duplicate: false,
  };
  /** Frames captured twice (SPEC.md capture.quality.duplicates). */
  duplicates = 0;
  /** Deliveries of bare ACKs waiting to settle (settleDelay), in time order. */
  private readonly settleQ = new TimerQueue();
  /** Source addresses (hashed) seen sending in this capture: a host never seen may just be outside a one-way capture. */
  readonly sendersSeen = new Set<number>();
  /** TIME_WAIT expiries in time order; stale entries (the endpoint moved on) are skipped. */
  private readonly timeWait = new TimerQueue();
  /** Handed to the observer for each transition (reused, like `info`). */
  private readonly rec: TransitionRecord = {
    t: 0,
    frame: 0,
    side: CLIENT,
    from: 0,
    to: 0,
    cause: '',
    inferred: false,
  };
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
    if (conn !== null && this.isDuplicate(conn, side, seg)) return;
    if (conn === null) {
      conn = this.open(seg, hash, srcH, dstH, null);
      side = conn.firstSender;
    } else if ((seg.flags & (SYN | ACK | RST)) === SYN && this.isNewIncarnation(conn, side, seg)) {
      // specialCases: port reuse. A SYN on a 4-tuple whose connection is over (or
      // whose handshake never completed, with a new ISN) starts a new connection.
      const old = conn;
      this.endUncaptured(old, seg);
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
    } else if ((seg.flags & SYN) === 0 && this.isAnotherIncarnation(conn, side, seg)) {
      // specialCases: a segment long after both endpoints closed (neither holds a
      // socket), or far outside the sequence space of a connection that has
      // closed, is not a straggler of that connection but another one on the
      // same 4-tuple whose handshake was not captured: picked up mid-stream.
      // (Zeek splits the same way after its 5 s tcp_close_delay / tcp_reset_delay.)
      const old = conn;
      this.endUncaptured(old, seg);
      conn = this.open(seg, hash, srcH, dstH, { old, prev });
      side = conn.firstSender;
      if (!old.ended) {
        old.ended = true;
        this.observer.connectionEnded(old);
      }
    }
    this.sendersSeen.add(srcH);
    // The first segment of a connection (or incarnation) has no copy before it;
    // this records its identity for the next one.
    if (conn.endpoint(side).packets === 0) this.isDuplicate(conn, side, seg);
    this.apply(conn, side, seg);
  }

  /**
   * A frame identical to the sender's previous one (sequence and
   * acknowledgement numbers, flags, length, window, IP ID, TSval and SACK
   * blocks) within
   * 50 ms is the same packet captured twice: a link that duplicates frames,
   * or `-i any` on a router that records each forwarded packet on the way in
   * and out. A retransmission carries a new IP ID (Linux) and, with
   * timestamps, a new TSval. Counted, and fed to the Zeek emulation (Zeek
   * sees every frame), but not a state event or a retransmission.
   */
  private isDuplicate(conn: Connection, side: Side, seg: Segment): boolean {
    const ep = conn.endpoint(side);
    let ipId = 0;
    if (seg.ipVersion === 4 && seg.buf.length >= seg.ipOffset + 6) {
      ipId = (seg.buf[seg.ipOffset + 4]! << 8) | seg.buf[seg.ipOffset + 5]!;
    }
    // Each field mixed in on its own (xor then multiply and shift): two fields
    // that differ in the same bit (an ACK one higher and a FIN flag more) must
    // not cancel out.
    let h = mix(
      mix(mix(mix(mix(0x811c9dc5, seg.seq | 0), seg.ack | 0), seg.flags), seg.payloadLen),
      seg.window,
    );
    h = mix(mix(mix(h, ipId), seg.tsVal | 0), seg.sackCount);
    // Duplicate ACKs of one loss episode differ only in their SACK blocks.
    for (let i = 0; i < 2 * seg.sackCount; i++) h = mix(h, seg.sackBlocks[i]! | 0);
    h |= 1;
    const lastTtl = ep.lastTtl;
    ep.lastTtl = seg.ttl;
    let dup = ep.sig === h && ep.packets > 0;
    if (dup) {
      const dt = seg.ts - ep.sigTs;
      if (ipId !== 0) dup = dt <= 0.05;
      else {
        // No IP ID to tell transmissions apart (IPv6, or IPv4 with ID 0, as
        // Linux sends SYN-ACKs): a copy at the very same instant, the same
        // packet on the way in and out of a router (TTL one lower), or a copy
        // of a data segment or FIN within
        // 2 ms (no stack resends one that soon; a SYN-ACK answering a resent
        // SYN can follow its timer's copy within microseconds).
        dup =
          dt <= 0.05 &&
          (dt === 0 ||
            Math.abs(seg.ttl - lastTtl) === 1 ||
            (dt <= 0.002 &&
              seg.tsVal >= 0 &&
              (seg.flags & SYN) === 0 &&
              (seg.payloadLen > 0 || (seg.flags & FIN) !== 0)));
      }
    }
    ep.sig = h;
    if (!dup) {
      ep.sigTs = seg.ts;
      return false;
    }
    conn.duplicates++;
    this.duplicates++;
    ep.packets++;
    conn.lastFrame = seg.frame;
    const info = this.info;
    this.resetInfo(conn, side);
    info.duplicate = true;
    // Zeek sees the copy too, and takes a second copy of payload for a retransmission.
    conn.zeek.segment(
      side === conn.firstSender,
      seg,
      seg.payloadLen > 0 || (seg.flags & (SYN | FIN)) !== 0,
      false,
    );
    this.observer.segment(conn, seg, info);
    return true;
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
    while (this.settleQ.peek() <= t) {
      this.settleQ.shift(e);
      const c = e.conn;
      if (this.settle(c, e.side, e.t)) this.checkEnded(c);
      // One given a longer wait (settleWait) goes back in line for its time.
      const head = c.endpoint(e.side).ev?.pending[0];
      if (head !== undefined && !head.hasProof && head.settleAt > e.t)
        this.settleQ.push(head.settleAt, c, e.side);
    }
    if (t >= this.lastSweep + 10) {
      this.lastSweep = t;
      this.sweepIdle(t);
    }
    this.nextDue = Math.min(this.timeWait.peek(), this.settleQ.peek(), this.lastSweep + 10);
  }

  /**
   * End of the capture at time `end`: what the capture's silence now proves.
   * - A FIN never acknowledged in the capture, and never resent though the
   *   capture went on for `finSilence`, was acknowledged by a segment the
   *   capture missed (an unacknowledged FIN is resent within seconds): its
   *   receiver got it (inferred), and the capture has a gap.
   * - Bare ACKs still waiting to settle are taken as delivered (inferred): the
   *   most plausible reading, and nothing showed them lost.
   * - An endpoint that stopped resending unacknowledged data while the
   *   capture went on past its next retransmission (its backoff doubled) has
   *   given up (retries exhausted, TCP_USER_TIMEOUT): CLOSED, inferred.
   */
  finish(end: number): void {
    this.advance(end);
    for (const c of this.openConnections()) {
      if (c.ended) continue;
      for (const side of SIDES) this.finSilence(c, side, end);
      for (const side of SIDES) this.settle(c, side, end, true);
      for (const side of SIDES) this.gaveUp(c, side, end);
      this.checkEnded(c);
    }
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
   * their pending TIME_WAIT expiries and deliveries waiting to settle are
   * dropped, so nothing here keeps them in memory (the detectors keep the host
   * counts right: Detectors.forget).
   */
  forget(gone: ReadonlySet<Connection>): void {
    this.timeWait.forget(gone);
    this.settleQ.forget(gone);
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
    // Each endpoint went through the handshake before the capture began: its
    // steps are recorded, inferred, so that every change in the record is one a
    // TCP can make. A first segment with FIN means the capture starts during a
    // teardown: whether its sender had received the peer's FIN before (and was
    // in CLOSE_WAIT, not ESTABLISHED) cannot be known; the cause says which
    // reading was taken.
    if ((f & (SYN | RST)) === 0) {
      conn.midstream = true;
      if ((f & FIN) !== 0) conn.teardownPickup = true;
      const cause =
        (f & FIN) !== 0
          ? 'picked up mid-stream during a teardown (handshake not captured; taken as ESTABLISHED before this FIN)'
          : 'picked up mid-stream (handshake not captured)';
      this.transition(conn, CLIENT, State.SYN_SENT, seg, cause, true);
      this.transition(conn, SERVER, State.SYN_RECEIVED, seg, cause, true);
      this.transition(conn, CLIENT, State.ESTABLISHED, seg, cause, true);
      this.transition(conn, SERVER, State.ESTABLISHED, seg, cause, true);
    }
    return conn;
  }

  /**
   * A connection whose 4-tuple a new incarnation takes over before its own
   * end was captured: its endpoints that had not closed must have (the new
   * SYN's sender holds no socket for it any more), so each goes to CLOSED,
   * inferred, and the connection says its end was not captured.
   */
  private endUncaptured(old: Connection, seg: Segment): void {
    const c = old.client.state;
    const s = old.server.state;
    if ((isTerminal(c) && isTerminal(s)) || old.establishedTs + (old.midstream ? 1 : 0) === 0) return;
    old.endNotCaptured = true;
    for (const side of SIDES) {
      const ep = old.endpoint(side);
      if (ep.ev !== null) ep.ev.pending.length = 0;
      if (!isTerminal(ep.state)) {
        this.transition(
          old,
          side,
          State.CLOSED,
          seg,
          'end not captured: the 4-tuple was reused by a new connection',
          true,
        );
      }
    }
  }

  /**
   * Does a segment other than a SYN belong to another, uncaptured incarnation
   * of the 4-tuple rather than to `conn`? Long after both endpoints closed
   * (neither holds a socket), or, once the connection has closed or its sender
   * sent a FIN, far outside the sequence space its sender used (more than
   * 1 MiB or four windows away): no straggler of this connection is there.
   */
  private isAnotherIncarnation(conn: Connection, side: Side, seg: Segment): boolean {
    if (
      conn.ended &&
      conn.client.state === State.CLOSED &&
      conn.server.state === State.CLOSED &&
      seg.ts - conn.end > this.opts.closedLinger
    ) {
      return true;
    }
    const snd = conn.endpoint(side);
    if (!snd.seqKnown || (seg.flags & RST) !== 0 || seg.payloadLen === 0) return false;
    if (!conn.ended && !snd.finSent) return false;
    const rcv = conn.endpoint(1 - side);
    const far = Math.max(1 << 20, 4 * rcv.scaledWindow(conn.scaling));
    const d = seqDiff(seg.seq, snd.sndNxt);
    return d > far || d < -far;
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
    if (snd.hasIsn && seg.seq !== snd.isn && conn.establishedTs === 0 && !conn.midstream) {
      const st = snd.state;
      return st === State.SYN_SENT || st === State.CLOSED || st === State.SYN_RECEIVED;
    }
    // A SYN with a new ISN (or on a connection picked up mid-stream) on a
    // 4-tuple whose connection was established: a live endpoint never sends
    // one (a SYN it receives in ESTABLISHED gets a challenge ACK, RFC 5961
    // 4), so its sender's earlier connection is over, and its end was not
    // captured.
    if (conn.establishedTs > 0 || conn.midstream) {
      return !snd.hasIsn || seg.seq !== snd.isn;
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

  /** Clears the reused per-segment record for a segment from `side`. */
  private resetInfo(conn: Connection, side: Side): void {
    const info = this.info;
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
    info.duplicate = false;
    info.clientBefore = conn.client.state;
    info.serverBefore = conn.server.state;
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

    this.resetInfo(conn, side);

    conn.end = Math.max(t, conn.end);
    conn.lastFrame = seg.frame;
    snd.packets++;
    snd.bytes += len;
    snd.lastSeen = t;
    if (len > 0) snd.dataSegments++;
    if (snd.ttl < 0) snd.ttl = seg.ttl;

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
        if (seqGt(seg.seq, snd.sndNxt)) {
          info.gap = true;
          // A hole in what the capture holds of this sender: sent (the
          // sequence number jumped), not captured. A later retransmission that
          // fills it shows a loss before the capture point; an acknowledgement
          // past it without one shows the capture missed it (acknowledge()).
          const ev = snd.evidence();
          if (!ev.hole) {
            ev.hole = true;
            ev.holeStart = snd.sndNxt;
            ev.holeEnd = seg.seq;
          }
        }
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
        const ev = snd.ev;
        if (ev !== null && ev.hole && seqLe(seg.seq, ev.holeStart) && seqGt(seqEnd, ev.holeStart)) {
          ev.hole = false;
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
    if (!rst) this.acknowledge(conn, snd, rcv, seg);

    // --- silence: retransmissions the peer never answers ---
    rcv.unansweredRtx = 0;
    if (info.retransmission && len > 0) {
      snd.unansweredRtx++;
      const ev = snd.evidence();
      ev.prevRtxTs = ev.lastRtxTs;
      ev.lastRtxTs = t;
    }

    // --- handshake timing (one branch: see `t` above) ---
    if (syn) {
      if (!hasAck && side === CLIENT && conn.synTs === 0) conn.synTs = t;
      if (hasAck && conn.synAckTs === 0) conn.synAckTs = t;
    } else if (
      hasAck &&
      side === CLIENT &&
      conn.ackTs === 0 &&
      conn.synAckTs > 0 &&
      rcv.hasIsn &&
      seqGe(seg.ack, seqAdd(rcv.isn, 1))
    ) {
      // The handshake's final ACK: where is the capture point?
      conn.ackTs = t;
      this.judgeVantage(conn);
    }
    if (fin) snd.lastFinTs = t;

    // --- state events ---
    // What this segment proves its sender received (or lost), first: a
    // segment is sent after everything its acknowledgement covers arrived.
    if (snd.ev !== null && snd.ev.pending.length > 0) this.evidenceFrom(conn, side, seg);
    if (rst) this.applyRst(conn, side, seg);
    else {
      this.applySent(conn, side, seg);
      if (fin && !snd.finSent) {
        snd.finSent = true;
        snd.finSeq = seqAdd(seg.seq, len + (syn ? 1 : 0));
      }
      this.toReceiver(conn, rcvSide, seg);
    }

    conn.zeek.segment(side === conn.firstSender, seg, info.retransmission, info.gap);
    this.observer.segment(conn, seg, info);
    this.checkEnded(conn);
  }

  /**
   * Where the capture point sits, from the handshake (RFC 9293 figure 6):
   * next to the client, the SYN-ACK comes a round trip after the SYN and the
   * final ACK at once; next to the server, the reverse; in between, both
   * take part of the round trip. Where timing cannot tell (no delay on the
   * path), a TTL still at its initial value (64, 128, 255) on one side only
   * says no router stood between that side and the capture point.
   */
  private judgeVantage(conn: Connection): void {
    const a = conn.synAckTs - conn.synTs;
    const b = conn.ackTs - conn.synAckTs;
    if (conn.synTs <= 0 || a < 0 || b < 0) return;
    const c = conn.client;
    const s = conn.server;
    if (conn.ipVersion === 4 ? isLoopback4(c.addr4) && isLoopback4(s.addr4) : false) {
      conn.vantage = Vantage.LOCAL;
    } else if (a > 4 * b && a > 0.0002) conn.vantage = Vantage.CLIENT;
    else if (b > 4 * a && b > 0.0002) conn.vantage = Vantage.SERVER;
    else if (a > 0.001 && b > 0.001) conn.vantage = Vantage.PATH;
    else {
      const ci = isInitialTtl(c.ttl);
      const si = isInitialTtl(s.ttl);
      if (ci && !si) conn.vantage = Vantage.CLIENT;
      else if (si && !ci) conn.vantage = Vantage.SERVER;
    }
  }

  /**
   * The acknowledgement and window of a segment other than a RST from `snd`:
   * duplicate ACKs, the highest ACK and SACK edge, zero windows, and what the
   * acknowledgement proves the capture missed. Kept out of apply() so that V8
   * compiles it on its own: inlined there, it ran past the inlining budget,
   * its sequence-number helpers were called instead of inlined, and each call
   * boxed its arguments (garbage on every ACK).
   */
  private acknowledge(conn: Connection, snd: Endpoint, rcv: Endpoint, seg: Segment): void {
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
      if (rcv.seqKnown && seqGt(seg.ack, rcv.sndNxt)) this.ackedUncaptured(conn, snd, rcv, seg);
      const ev = rcv.ev;
      if (ev !== null && ev.hole && seqGe(seg.ack, ev.holeEnd)) {
        // Acknowledged past a hole never filled in the capture: the capture missed it.
        ev.hole = false;
        conn.captureGaps++;
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
   * `snd` acknowledged sequence numbers of `rcv` beyond anything captured:
   * `rcv` sent them, the capture missed them (a capture gap). One past the
   * last captured byte, from an endpoint that has sent its own FIN, is the
   * peer's FIN: the peer closed too (inferred), after it got `snd`'s FIN.
   */
  private ackedUncaptured(conn: Connection, snd: Endpoint, rcv: Endpoint, seg: Segment): void {
    conn.captureGaps++;
    const finOnly = seg.ack === seqAdd(rcv.sndNxt, 1) && snd.finSent && !rcv.finSent;
    rcv.sndNxt = seg.ack;
    if (!finOnly) return;
    const rcvSide: Side = rcv === conn.client ? CLIENT : SERVER;
    const sndSide = (1 - rcvSide) as Side;
    // rcv got snd's FIN first (what of it still waits arrived), then sent its own.
    this.deliverAll(conn, rcvSide, seg, true);
    rcv.finSent = true;
    rcv.finSeq = seqAdd(seg.ack, -1);
    rcv.lastFinTs = seg.ts;
    this.step(
      conn,
      rcvSide,
      Ev.SND_FIN,
      seg,
      'sent FIN (not captured; the peer acknowledged it)',
      true,
      false,
    );
    // snd got that FIN (this ACK proves it); it most likely acknowledged snd's FIN.
    if (!snd.finAcked) {
      snd.finAcked = true;
      this.step(conn, sndSide, Ev.RCV_ACK_FIN, seg, 'received ACK of its FIN (not captured)', true, false);
    }
    this.step(conn, sndSide, Ev.RCV_FIN, seg, 'received FIN (not captured; its ACK proves it)', true, true);
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

  // --- evidence: what reached the endpoint the capture is not next to ---------

  /**
   * The state events a segment from the peer carries for endpoint `rcv`: a
   * SYN, a FIN, or an acknowledgement of rcv's SYN or FIN. Segments that carry
   * none (data, plain ACKs) change no state and need no delivery.
   */
  private carriesEvent(conn: Connection, rcv: Endpoint, seg: Segment): boolean {
    const f = seg.flags;
    if ((f & (SYN | FIN)) !== 0) return true;
    if ((f & ACK) === 0) return false;
    if (!rcv.hasIsn) {
      // The ACK of an uncaptured SYN-ACK (the handshake's final ACK).
      const snd = rcv === conn.client ? conn.server : conn.client;
      if (rcv.state === State.CLOSED && !conn.midstream && snd.synSent && snd.hasIsn) return true;
    } else if (!rcv.ackOfSynQueued && acksItsSyn(rcv, seg.ack)) {
      return true;
    }
    return !rcv.ackOfFinQueued && acksItsFin(rcv, seg.ack);
  }

  /**
   * A segment's events for its receiver (RFC 9293 3.10.7). The receiver
   * next to the capture point got it when it was captured; otherwise
   * (SPEC.md "Evidence") it changes the receiver's state only when the
   * receiver shows it got it: its ACK covers it, or its behaviour can only
   * follow it (evidenceFrom). A segment carrying a SYN always waits for the
   * answer, even next to the receiver: the answer (an ACK, or a RST from an
   * endpoint that had given up) says whether a socket was there to take it.
   */
  private toReceiver(conn: Connection, rcvSide: Side, seg: Segment): void {
    const rcv = conn.endpoint(rcvSide);
    if (!this.carriesEvent(conn, rcv, seg)) return;
    const f = seg.flags;
    const snd = conn.endpoint(1 - rcvSide);
    if (
      (f & (SYN | ACK | RST)) === ACK &&
      !rcv.hasIsn &&
      rcv.state === State.CLOSED &&
      !conn.midstream &&
      snd.synSent &&
      snd.hasIsn
    ) {
      // specialCases: the final ACK of a handshake whose SYN-ACK was not
      // captured: the receiver sent that SYN-ACK (ISN = ack - 1), so it went
      // through SYN_RECEIVED; the capture missed a segment.
      rcv.isn = seqAdd(seg.ack, -1);
      rcv.hasIsn = true;
      rcv.sndNxt = seg.ack;
      rcv.seqKnown = true;
      rcv.synAckSent = true;
      // (The capture gap was counted when the ACK's sender left SYN_SENT: applySent.)
      // That SYN-ACK answered the SYN: what waited to reach the server arrived.
      this.deliverAll(conn, rcvSide, seg, false);
      this.transition(
        conn,
        rcvSide,
        State.SYN_RECEIVED,
        seg,
        'sent SYN-ACK (not captured; the ACK of its SYN proves it)',
        true,
        true,
      );
    }
    const ev = rcv.ev;
    if (conn.nearSide === rcvSide && (f & SYN) === 0 && (ev === null || ev.pending.length === 0)) {
      this.markQueued(rcv, seg);
      this.applyReceived(conn, rcvSide, seg, seg, false, true);
      return;
    }
    this.defer(conn, rcvSide, seg);
  }

  private markQueued(rcv: Endpoint, seg: Segment | Pending): void {
    if ((seg.flags & ACK) === 0) return;
    if (acksItsSyn(rcv, seg.ack)) rcv.ackOfSynQueued = true;
    if (acksItsFin(rcv, seg.ack)) rcv.ackOfFinQueued = true;
  }

  /** Queue a segment toward `rcvSide` until the evidence says it arrived. */
  private defer(conn: Connection, rcvSide: Side, seg: Segment): void {
    const rcv = conn.endpoint(rcvSide);
    const ev = rcv.evidence();
    const q = ev.pending;
    for (let i = 0; i < q.length; i++) {
      const p = q[i]!;
      // The same segment again (resent): what it carries is already waiting.
      if (p.seq === seg.seq && p.flags === seg.flags && p.payloadLen === seg.payloadLen && p.ack === seg.ack)
        return;
    }
    const f = seg.flags;
    const proof = seqAdd(seg.seq, seg.payloadLen + ((f & SYN) !== 0 ? 1 : 0) + ((f & FIN) !== 0 ? 1 : 0));
    // What its receiver already acknowledged (a resent SYN-ACK in a
    // simultaneous open, a resent FIN) proves nothing new: only what it
    // acknowledges may be news, and that settles like a bare ACK.
    const consumes =
      ((f & (SYN | FIN)) !== 0 || seg.payloadLen > 0) && !(rcv.ackKnown && seqGe(rcv.lastAck, proof));
    const p: Pending = {
      ts: seg.ts,
      frame: seg.frame,
      flags: f,
      seq: seg.seq,
      ack: seg.ack,
      payloadLen: seg.payloadLen,
      proof,
      hasProof: consumes,
      settleAt: seg.ts + this.settleWait(rcv, seg),
    };
    q.push(p);
    this.markQueued(rcv, seg);
    if (!consumes) {
      this.settleQ.push(p.settleAt, conn, rcvSide);
      if (p.settleAt < this.nextDue) this.nextDue = p.settleAt;
    }
  }

  /**
   * How long a bare ACK toward `rcv` waits before it is taken as delivered:
   * past the moment `rcv` would resend what it acknowledges if it had not
   * arrived. Linux resends a SYN-ACK 1 s after the first and doubles the wait
   * each time; an endpoint that already had to resend its SYN-ACK or FIN
   * (an earlier answer was lost) is given its longer backoff.
   */
  private settleWait(rcv: Endpoint, seg: Segment): number {
    const d = this.opts.settleDelay;
    if (rcv.hasIsn && rcv.synAckSent && rcv.synRetransmissions > 0 && seqGe(seg.ack, seqAdd(rcv.isn, 1))) {
      return Math.max(d, 2 ** Math.min(rcv.synRetransmissions, 6) + 0.5);
    }
    return rcv.finResent ? 4 * d : d;
  }

  /**
   * What a segment from `side` says about the segments waiting to reach it:
   * - resending its SYN-ACK, its SYN or its FIN shows that the answer to it
   *   (an ACK of it, a SYN-ACK) has not arrived: those waiting are lost;
   * - its acknowledgement reaching a waiting segment's end (for a bare ACK:
   *   anything sent after it) proves that one, and every one before it,
   *   arrived (now);
   * - a segment without SYN from SYN_RECEIVED proves the handshake's final
   *   ACK arrived (only an ESTABLISHED endpoint sends one);
   * - a RST ends all waiting: whatever still comes meets no connection.
   */
  private evidenceFrom(conn: Connection, side: Side, seg: Segment): void {
    const ep = conn.endpoint(side);
    const q = ep.ev!.pending;
    const f = seg.flags;
    if ((f & RST) !== 0) {
      q.length = 0;
      return;
    }
    const resent = this.info.retransmission;
    if (resent && (f & SYN) !== 0) {
      // A SYN-ACK resent: the ACKs of its SYN waiting are lost. A SYN resent:
      // the SYN-ACKs waiting are lost.
      for (let i = q.length - 1; i >= 0; i--) {
        const p = q[i]!;
        const lost =
          (f & ACK) !== 0
            ? !p.hasProof && (p.flags & ACK) !== 0 && seqGe(p.ack, seqAdd(ep.isn, 1))
            : (p.flags & (SYN | ACK)) === (SYN | ACK);
        if (lost) q.splice(i, 1);
      }
      if ((f & ACK) !== 0) ep.ackOfSynQueued = false;
      ep.handshakeRetried = true;
    } else if (resent && (f & FIN) !== 0 && ep.finSent) {
      for (let i = q.length - 1; i >= 0; i--) {
        const p = q[i]!;
        if (!p.hasProof && seqGe(p.ack, seqAdd(ep.finSeq, 1))) q.splice(i, 1);
      }
      ep.ackOfFinQueued = false;
      ep.finResent = true;
    }
    if ((f & ACK) !== 0) {
      let last = -1;
      for (let i = 0; i < q.length; i++) {
        const p = q[i]!;
        // A bare ACK is proven by the acknowledgement of anything its sender
        // sent with or after it (which carried the same acknowledgement or a
        // later one).
        if (p.hasProof ? seqGe(seg.ack, p.proof) : seqGt(seg.ack, p.seq)) last = i;
      }
      if (last >= 0) this.deliver(conn, side, last, seg, Delivery.PROOF);
    }
    if (ep.state === State.SYN_RECEIVED && (f & SYN) === 0 && this.onlyEstablishedSends(ep, seg)) {
      for (let i = 0; i < q.length; i++) {
        const p = q[i]!;
        if ((p.flags & (SYN | ACK)) === ACK && seqGe(p.ack, seqAdd(ep.isn, 1))) {
          this.deliver(conn, side, i, seg, Delivery.PROOF);
          break;
        }
      }
    }
    this.settle(conn, side, seg.ts);
  }

  /**
   * The waiting segments q[0..last] of `side` arrived, and are applied in
   * order. `proof`: at the time of the evidence `at` (its acknowledgement or
   * behaviour), seen. `silence`: each at its own capture time, the step
   * inferred but the state proven by the receiver's silence past the time it
   * would have resent what they answer. `assumed`: each at its own time,
   * inferred (the end of the capture came first).
   */
  private deliver(conn: Connection, side: Side, last: number, at: When, how: Delivery): void {
    const q = conn.endpoint(side).ev!.pending;
    const items = q.splice(0, last + 1);
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      if (how === Delivery.PROOF) this.applyReceived(conn, side, p, at, false, true);
      else this.applyReceived(conn, side, p, p, true, how === Delivery.SILENCE);
    }
  }

  /** Every segment waiting to reach `side` arrived (the evidence is `at`). */
  private deliverAll(conn: Connection, side: Side, at: When, inferred: boolean): void {
    const ev = conn.endpoint(side).ev;
    if (ev === null || ev.pending.length === 0) return;
    const items = ev.pending.splice(0, ev.pending.length);
    for (const p of items) this.applyReceived(conn, side, p, at, inferred, !inferred);
  }

  /**
   * Bare ACKs at the head of `side`'s waiting list whose time to settle has
   * come (by `now`) are taken as delivered, inferred, at their own time.
   * Stops at a segment that needs proof: arrival is in order. True when
   * anything was applied.
   */
  private settle(conn: Connection, side: Side, now: number, atEnd = false): boolean {
    const ep = conn.endpoint(side);
    const ev = ep.ev;
    if (ev === null) return false;
    const q = ev.pending;
    // At the end of the capture, what has not had its time to settle is taken
    // as delivered too, unless its receiver has already shown that such
    // answers get lost (it resent its SYN-ACK or FIN after one was captured).
    const shownLoss = ep.handshakeRetried || ep.finResent;
    let n = 0;
    let silent = true;
    while (n < q.length && !q[n]!.hasProof && (q[n]!.settleAt <= now || (atEnd && !shownLoss))) {
      // Silence proves arrival only from an endpoint that would have resent:
      // a SYN-ACK answered by SYN cookies is never resent, so the final ACK's
      // arrival rests on the server's later segments, or its SYN-ACK timer
      // seen at work before (a request socket).
      const p = q[n]!;
      if (
        ep.state === State.SYN_RECEIVED &&
        seqGe(p.ack, seqAdd(ep.isn, 1)) &&
        ep.lastSeen <= p.ts &&
        ep.synRetransmissions === 0
      )
        silent = false;
      n++;
    }
    if (n === 0) return false;
    this.deliver(conn, side, n - 1, q[0]!, atEnd || !silent ? Delivery.ASSUMED : Delivery.SILENCE);
    return true;
  }

  /**
   * End of capture: a FIN toward `side` that `side` never acknowledged in the
   * capture, and that its sender never resent though the capture went on for
   * finSilence: acknowledged by a segment the capture missed.
   */
  private finSilence(conn: Connection, side: Side, end: number): void {
    const rcv = conn.endpoint(side);
    const ev = rcv.ev;
    if (ev === null) return;
    const snd = conn.endpoint(1 - side);
    const q = ev.pending;
    for (let i = 0; i < q.length; i++) {
      const p = q[i]!;
      if ((p.flags & FIN) === 0) continue;
      if (snd.lastFinTs > p.ts || end - p.ts < this.opts.finSilence || snd.rstSent) return;
      conn.captureGaps++;
      this.deliver(conn, side, i, p, Delivery.ASSUMED);
      if (!snd.finAcked && snd.finSent) {
        snd.finAcked = true;
        this.step(
          conn,
          (1 - side) as Side,
          Ev.RCV_ACK_FIN,
          p,
          'received ACK of its FIN (not captured; it never resent the FIN)',
          true,
          false,
        );
      }
      return;
    }
  }

  /**
   * End of capture: an endpoint whose last segment resent unacknowledged data
   * and that then fell silent past its next retransmission (the backoff
   * doubles each time), while the capture went on, gave up: CLOSED, inferred,
   * from when the next retransmission was due.
   */
  private gaveUp(conn: Connection, side: Side, end: number): void {
    const ep = conn.endpoint(side);
    const ev = ep.ev;
    if (ev === null || ev.lastRtxTs === 0 || ev.prevRtxTs === 0 || ep.lastSeen !== ev.lastRtxTs) return;
    if (isTerminal(ep.state)) return;
    const interval = ev.lastRtxTs - ev.prevRtxTs;
    if (interval < 0.2) return;
    const due = ev.lastRtxTs + 2 * interval;
    if (end < due + interval) return;
    const at = this.timerAt;
    at.ts = due;
    at.frame = conn.lastFrame;
    this.transition(
      conn,
      side,
      State.CLOSED,
      at,
      'stopped resending unacknowledged data: gave up (retries exhausted or TCP_USER_TIMEOUT)',
      true,
    );
  }

  /**
   * A segment without SYN from an endpoint in SYN_RECEIVED that only an
   * ESTABLISHED one sends: data or an ACK (RFC 9293 3.10.7.4), or, from a
   * passive opener, a FIN (its application cannot close a connection it has
   * not accepted, and accept() returns only once it is ESTABLISHED).
   */
  private onlyEstablishedSends(ep: Endpoint, seg: Segment): boolean {
    return seg.payloadLen > 0 || (seg.flags & FIN) === 0 || !ep.synSent;
  }

  // --- the state machine: the table, then the special cases -------------------

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
    if (se >= 0) this.transition(conn, side, se as State, seg, EVENT_CAUSE[Ev.SND_RST]);
    // A RST cannot be acknowledged: toward an endpoint the capture is not next
    // to, it is taken as delivered (inferred); what waited for it is moot.
    const ev = rcv.ev;
    if (ev !== null) ev.pending.length = 0;
    const re = nextState(rcv.state, Ev.RCV_RST);
    if (re >= 0)
      this.transition(conn, rcvSide, re as State, seg, EVENT_CAUSE[Ev.RCV_RST], conn.nearSide !== rcvSide);
  }

  private inWindow(conn: Connection, snd: Endpoint, rcv: Endpoint, seq: number): boolean {
    if (!snd.seqKnown && !rcv.ackKnown) return true;
    if (snd.seqKnown && seq === snd.sndNxt) return true;
    const base = rcv.ackKnown ? rcv.lastAck : snd.sndNxt;
    const d = seqDiff(seq, base);
    const wnd = Math.max(rcv.scaledWindow(conn.scaling), 1);
    return d >= -1 && d <= wnd;
  }

  /** The events of a segment for its sender: a sent segment is seen (the capture shows it). */
  private applySent(conn: Connection, side: Side, seg: Segment): void {
    const snd = conn.endpoint(side);
    const peerSide = (1 - side) as Side;
    const peer = conn.endpoint(peerSide);
    const f = seg.flags;
    if (f & SYN) {
      if (f & ACK) {
        if (!snd.stateless) {
          const to = nextState(snd.state, Ev.SND_SYNACK);
          if (to >= 0) this.transition(conn, side, to as State, seg, EVENT_CAUSE[Ev.SND_SYNACK]);
        }
        const h = conn.ipVersion === 4 ? snd.addr4 : hashAddr6(snd.addr6!);
        this.listeners.add((Math.imul(h, 31) + snd.port) | 0);
      } else {
        const to = nextState(snd.state, Ev.SND_SYN);
        if (to >= 0) this.transition(conn, side, to as State, seg, EVENT_CAUSE[Ev.SND_SYN]);
      }
      // specialCases: SYN cookies. A server that has answered each of the
      // client's SYNs exactly once and never retransmitted its SYN-ACK by its own
      // timer (Linux's fires after 1 s) holds no request socket: with its SYN
      // queue full, Linux answers with a SYN cookie and keeps no state (ss shows
      // nothing). Judged at the client's second retransmission at the earliest.
      if (
        side === CLIENT &&
        (f & ACK) === 0 &&
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
          peerSide,
          State.CLOSED,
          seg,
          'answers each SYN once and never retransmits its SYN-ACK: no request socket (SYN cookies)',
          true,
        );
      }
    } else if (snd.stateless) {
      // specialCases: a SYN-cookie server that sends a segment without SYN has
      // accepted the cookie in the client's ACK: the connection is rebuilt from
      // the cookie (through SYN_RECEIVED) and is ESTABLISHED now.
      snd.stateless = false;
      this.transition(
        conn,
        side,
        State.SYN_RECEIVED,
        seg,
        'rebuilt its connection from the SYN cookie in the ACK',
        true,
        true,
      );
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        'sent a segment without SYN: the SYN cookie was accepted',
      );
    } else if (snd.state === State.SYN_RECEIVED && this.onlyEstablishedSends(snd, seg)) {
      // specialCases: data or an ACK from SYN_RECEIVED: only an ESTABLISHED
      // endpoint sends one, so the handshake's final ACK reached it, though the
      // capture did not hold it.
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        'sent a segment without SYN: the final ACK reached it (not captured)',
        true,
        true,
      );
      if (conn.establishedTs === 0) conn.establishedTs = seg.ts;
    } else if (
      snd.state === State.SYN_SENT &&
      (f & ACK) !== 0 &&
      (!peer.hasIsn || seqGe(seg.ack, seqAdd(peer.isn, 1)))
    ) {
      // specialCases: this ACK of the peer's SYN proves a SYN-ACK reached it,
      // though the capture did not hold one.
      if (!peer.synAckSent) conn.captureGaps++;
      this.transition(
        conn,
        side,
        State.ESTABLISHED,
        seg,
        'received SYN-ACK (not captured; its ACK proves it)',
        true,
        true,
      );
      if (conn.establishedTs === 0) conn.establishedTs = seg.ts;
    }
    if (f & FIN) {
      const to = nextState(snd.state, Ev.SND_FIN);
      if (to >= 0) this.transition(conn, side, to as State, seg, EVENT_CAUSE[Ev.SND_FIN]);
    }
  }

  /**
   * The events of segment `p` for its receiver `side`, applied when it
   * arrived, at the time of `when` (the evidence, or the segment itself);
   * `inferred` when the arrival is assumed, not proven.
   */
  private applyReceived(
    conn: Connection,
    side: Side,
    p: Received,
    when: When,
    inferred: boolean,
    proven: boolean,
  ): void {
    const rcv = conn.endpoint(side);
    const f = p.flags;
    const hasAck = (f & ACK) !== 0;
    if (f & SYN) {
      if (!hasAck) {
        const to = nextState(rcv.state, Ev.RCV_SYN);
        if (to >= 0)
          this.transition(conn, side, to as State, when, EVENT_CAUSE[Ev.RCV_SYN], inferred, proven);
      } else {
        if (!rcv.hasIsn && rcv.state === State.CLOSED) {
          // specialCases: a SYN-ACK whose SYN was not captured: its receiver must
          // have sent that SYN (ISN = ack - 1).
          rcv.isn = seqAdd(p.ack, -1);
          rcv.hasIsn = true;
          rcv.sndNxt = p.ack;
          rcv.seqKnown = true;
          rcv.synSent = true;
          this.transition(
            conn,
            side,
            State.SYN_SENT,
            when,
            'sent SYN (not captured; inferred from the SYN-ACK)',
            true,
          );
        }
        if (rcv.hasIsn && p.ack === seqAdd(rcv.isn, 1)) {
          const to = nextState(rcv.state, Ev.RCV_SYNACK);
          if (to >= 0) {
            this.transition(conn, side, to as State, when, EVENT_CAUSE[Ev.RCV_SYNACK], inferred, proven);
            if (to === State.ESTABLISHED && conn.establishedTs === 0) conn.establishedTs = when.ts;
          }
        }
      }
    } else if (hasAck && rcv.state === State.SYN_RECEIVED && rcv.hasIsn && seqGe(p.ack, seqAdd(rcv.isn, 1))) {
      this.transition(conn, side, State.ESTABLISHED, when, EVENT_CAUSE[Ev.RCV_ACK_SYN], inferred, proven);
      if (conn.establishedTs === 0) conn.establishedTs = when.ts;
    }
    if (hasAck && rcv.finSent && !rcv.finAcked && seqGe(p.ack, seqAdd(rcv.finSeq, 1))) {
      rcv.finAcked = true;
      const to = nextState(rcv.state, Ev.RCV_ACK_FIN);
      if (to >= 0)
        this.transition(conn, side, to as State, when, EVENT_CAUSE[Ev.RCV_ACK_FIN], inferred, proven);
    }
    if (f & FIN) {
      if (rcv.state === State.TIME_WAIT) {
        // A retransmitted FIN restarts the 2 MSL timer (RFC 9293 3.10.7.4, eighth step).
        this.transition(
          conn,
          side,
          State.TIME_WAIT,
          when,
          'received a retransmitted FIN: TIME_WAIT restarted',
          inferred,
        );
      } else {
        const to = nextState(rcv.state, Ev.RCV_FIN);
        if (to >= 0)
          this.transition(conn, side, to as State, when, EVENT_CAUSE[Ev.RCV_FIN], inferred, proven);
      }
    }
  }

  /** The table's next state for `ev`, if it changes anything: see transition(). */
  private step(
    conn: Connection,
    side: Side,
    ev: Ev,
    at: When,
    cause: string,
    inferred: boolean,
    proven: boolean,
  ): void {
    const to = nextState(conn.endpoint(side).state, ev);
    if (to >= 0) this.transition(conn, side, to as State, at, cause, inferred, proven);
  }

  /**
   * Moves `side` of `conn` to state `to` at the time and frame of `at` (the
   * segment that caused it, the evidence of its arrival, or a timer's
   * moment). `inferred`: the capture did not show this step (or its
   * delivery) directly; `proven`: the endpoint's new state is nonetheless
   * what the capture proves (by default, not when inferred). Taking the
   * object rather than the time keeps callers from boxing the time: V8 boxes
   * a double passed to a call that is not inlined, and it places that box
   * where every such call site can use it, before the branches, so one per
   * packet.
   */
  private transition(
    conn: Connection,
    side: Side,
    to: State,
    at: When,
    cause: string,
    inferred = false,
    proven = !inferred,
  ): void {
    const ep = conn.endpoint(side);
    // A delivery settled after the fact is stamped with its segment's time,
    // but never before the endpoint's own last change: one endpoint's story
    // stays in order.
    const late = at.ts < ep.stateSince;
    const t = late ? ep.stateSince : at.ts;
    const frame = late ? ep.stateFrame : at.frame;
    const from = ep.state;
    if (from === to && to !== State.TIME_WAIT) return;
    ep.state = to;
    ep.stateSince = t;
    ep.stateFrame = frame;
    ep.stateInferred = !proven || conn.teardownPickup;
    conn.addTransition(t, frame, side, from, to, cause, inferred);
    const rec = this.rec;
    rec.t = t;
    rec.frame = frame;
    rec.side = side;
    rec.from = from;
    rec.to = to;
    rec.cause = cause;
    rec.inferred = inferred;
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
