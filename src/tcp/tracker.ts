/**
 * The passive dual-endpoint tracker: segments in, per-endpoint RFC 793 states
 * out. It wires four parts, each in its own file:
 * - the flow table (flow-table.ts): which connection a segment belongs to;
 * - the segment classifier (classify.ts): what the segment is (a copy, a
 *   retransmission, a probe...), as its sender's history tells;
 * - the state machine (state-machine.ts): every state change, as an event
 *   looked up in the table of transitions.ts;
 * - the evidence of delivery (delivery.ts): when a segment reached its
 *   receiver.
 * This file decides what is a connection: a new one, another incarnation of
 * a 4-tuple, a mid-stream pickup, its end and its timeout.
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
import {
  classifyAck,
  classifySent,
  isCopy,
  judgeVantage,
  noteLinkDir,
  newSegInfo,
  resetInfo,
  type SegInfo,
} from './classify.js';
import { Deliveries } from './delivery.js';
import { FlowTable, hostHash } from './flow-table.js';
import { seqAdd, seqDiff, seqGe, seqGt } from './seq.js';
import { type Schedule, StateMachine, type When } from './state-machine.js';
import { isTerminal, State } from '../model/states.js';
import type { TimerEntry } from './timer-queue.js';
import { END_NOT_CAPTURED, EVENT_CAUSE, Ev } from './transitions.js';
import { must } from '../model/checked.js';

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
/** The shortest SYN retransmission timeout (RFC 6298 floor, Linux 1 s), a little under, to tell a timer from a retry after a RST. */
const SYN_TIMER_MIN = 0.9;

/** Hosts remembered as senders (Tracker.hostSeen), a bound for endless streams. */
const MAX_SENDERS = 65_536;

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/**
 * Within 64 KiB of `ref` in sequence space: where a segment of that
 * sequence space lies (its next byte, its acknowledgment). Two incarnations'
 * ISNs are this far apart or more (random, or Linux's 64 KiB past a
 * TIME_WAIT's; tcp_timewait_state_process).
 */
function near(x: number, ref: number): boolean {
  const d = seqDiff(x, ref);
  return d < 65_536 && d > -65_536;
}

/** Both endpoints CLOSED or TIME_WAIT, and each was seen (one never seen may hold the connection all the same). */
function settledOld(c: Connection): boolean {
  return (
    isTerminal(c.client.state) && isTerminal(c.server.state) && c.client.packets > 0 && c.server.packets > 0
  );
}

/** The same host and port. */
function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  if (a.port !== b.port) return false;
  const a6 = a.addr6;
  const b6 = b.addr6;
  if (a6 === null || b6 === null) return a.addr4 === b.addr4;
  for (let i = 0; i < 16; i++) if (a6[i] !== b6[i]) return false;
  return true;
}

/** The side of `old` (an earlier incarnation of the 4-tuple) that `ep` of a later one is. */
function sideIn(old: Connection, ep: Endpoint): Side {
  return sameEndpoint(old.client, ep) ? CLIENT : SERVER;
}

/** The cause of a TIME_WAIT that a new SYN on its 4-tuple ended (Tracker.takeOverTimeWait). */
const TW_TAKEN = 'TIME_WAIT ended by a new SYN on the same 4-tuple';

/** The endpoint sent a FIN after its SYN: its sequence space ends there. */
function closedSpace(ep: Endpoint): boolean {
  return ep.finSent && ep.hasIsn && seqGt(ep.finSeq, ep.isn);
}

export class Tracker {
  readonly opts: TrackerOptions;
  /** Every connection still reported (in creation order); compacted by the pipeline. */
  conns: Connection[] = [];
  now = 0;
  /** Frames captured twice (SPEC.md capture.quality.duplicates). */
  duplicates = 0;
  /**
   * Source addresses (hashed) seen sending in this capture: a host never seen
   * may just be outside a one-way capture. At most MAX_SENDERS are kept (a
   * flood from spoofed sources adds one per packet); beyond, hostSeen() no
   * longer knows.
   */
  private readonly sendersSeen = new Set<number>();
  private sendersFull = false;
  /** The host last added to sendersSeen (a Set.add per packet costs a hash lookup). */
  private lastSender = -1;
  private nextId = 1;
  private readonly observer: TrackerObserver;
  private readonly flows = new FlowTable();
  private readonly info: SegInfo = newSegInfo();
  /** The earliest capture time at which advance() has work (shared with the state machine and the deliveries). */
  private readonly schedule: Schedule = { nextDue: 0 };
  private readonly sm: StateMachine;
  private readonly deliveries: Deliveries;
  private readonly due: TimerEntry = { t: 0, conn: null as unknown as Connection, side: CLIENT };
  /** The moment of a timer's transition (reused). */
  private readonly timerAt: When = { ts: 0, frame: 0 };
  /** Listening sockets learned from SYN-ACKs: "addrhash:port" numbers (role inference). */
  private readonly listeners = new Set<number>();
  /** Connections whose replaced incarnation may still get segments (Connection.supersedes). */
  private readonly linked = new Set<Connection>();
  private lastSweep = 0;
  /** Frame number of the latest segment (timer transitions are attributed to it). */
  private lastFrame = 0;
  private readonly checkEndedFn = (c: Connection): void => this.checkEnded(c);

  constructor(observer: TrackerObserver, opts: Partial<TrackerOptions> = {}) {
    this.observer = observer;
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
    this.sm = new StateMachine(observer, this.opts.msl, this.schedule);
    this.deliveries = new Deliveries(this.sm, this.opts, this.schedule);
  }

  /** Was host `h` (flow-table.ts hostHash) seen sending in the capture? null: too many hosts to remember. */
  hostSeen(h: number): boolean | null {
    return this.sendersFull ? null : this.sendersSeen.has(h);
  }

  /** Connections in the flow table (open, or ended but not replaced). */
  get openCount(): number {
    return this.flows.count;
  }

  /** Events a correct TCP does not send in its state (the table's IMPOSSIBLE cells), seen so far. */
  get unexpected(): number {
    return this.sm.unexpected;
  }

  /** Feed one segment (segments must come in capture order). */
  segment(seg: Segment): void {
    const t = seg.ts;
    this.lastFrame = seg.frame;
    if (t > this.now) {
      this.now = t;
      // Only when a timer is due (docs/performance.md#boxing).
      if (t >= this.schedule.nextDue) this.advance(t);
    }
    const flows = this.flows;
    let conn = flows.find(seg);
    let side = flows.side;
    const prev = flows.prev;
    const hash = flows.hash;
    const srcH = flows.srcH;
    const dstH = flows.dstH;

    const info = this.info;
    info.opened = false;
    // A segment of the incarnation this one replaced (a challenge ACK, the RST answering it) goes there.
    let routedFrom: Connection | null = null;
    if (conn !== null && conn.supersedes !== null && (seg.flags & SYN) === 0) {
      const r = this.oldIncarnationSide(conn.supersedes, conn, side, seg);
      if (r >= 0) {
        routedFrom = conn;
        conn = conn.supersedes;
        side = r as Side;
      }
    }
    if (conn !== null && this.isDuplicate(conn, side, seg)) return;
    if (conn === null) {
      conn = this.open(seg, hash, srcH, dstH, null);
      side = conn.firstSender;
    } else if (
      (seg.flags & (SYN | RST)) === SYN &&
      ((seg.flags & ACK) === 0 ? this.isNewIncarnation(conn, side, seg) : this.isNewSynAck(conn, side, seg))
    ) {
      // Port reuse. A SYN on a 4-tuple whose connection is over (or whose
      // handshake never completed, with a new ISN) starts a new connection;
      // so does a SYN-ACK with a new ISN (its SYN not captured).
      const old = conn;
      const oldSide = side;
      if ((seg.flags & ACK) === 0) this.startedOver(old, side, seg);
      else this.endUncaptured(old, seg);
      conn = this.open(seg, hash, srcH, dstH, { old, prev });
      side = conn.firstSender;
      const took = this.takeOverTimeWait(old, side === CLIENT ? srcH : dstH, seg);
      this.observer.portReuse(old, conn, seg, took);
      // The peer of the SYN's sender may still hold the old connection (it
      // answers the SYN with an ACK of that one): linked until it is shown
      // gone. Otherwise the old connection is over, though no FIN or RST said
      // so: it left the flow table.
      const peer = old.endpoint(1 - oldSide);
      // (A peer whose close was inferred, or never seen, may still hold it.)
      if (!isTerminal(peer.state) || peer.stateInferred || peer.packets === 0) this.linkOld(conn, old);
      else if (!old.ended) {
        old.ended = true;
        this.observer.connectionEnded(old);
      }
    } else if (routedFrom === null && (seg.flags & SYN) === 0 && this.isAnotherIncarnation(conn, side, seg)) {
      // A segment long after both endpoints closed (neither holds a socket),
      // or far outside the sequence space of a connection that has closed, is
      // not a straggler of that connection but another one on the same
      // 4-tuple whose handshake was not captured: picked up mid-stream.
      // (Zeek splits the same way after its 5 s tcp_close_delay / tcp_reset_delay.)
      const old = conn;
      this.endUncaptured(old, seg);
      // A TIME_WAIT on the 4-tuple was taken over by that incarnation's SYN.
      for (const s of SIDES) {
        if (old.endpoint(s).state === State.TIME_WAIT)
          this.sm.gone(
            old,
            s,
            seg,
            'TIME_WAIT taken over by a new connection on the same 4-tuple (its SYN not captured)',
            true,
          );
      }
      conn = this.open(seg, hash, srcH, dstH, { old, prev });
      side = conn.firstSender;
      if (!old.ended) {
        old.ended = true;
        this.observer.connectionEnded(old);
      }
    }
    // The set is only added to when the sender changes (runs of one flow's segments).
    if (!this.sendersFull && srcH !== this.lastSender) {
      this.lastSender = srcH;
      this.sendersSeen.add(srcH);
      if (this.sendersSeen.size >= MAX_SENDERS) {
        this.sendersSeen.clear();
        this.sendersFull = true;
      }
    }
    // The first segment of a connection (or incarnation) has no copy before it;
    // this records its identity for the next one.
    if (conn.endpoint(side).packets === 0) isCopy(conn.endpoint(side), seg);
    // A segment routed to the replaced connection answers the new SYN (a
    // challenge ACK): it shows the endpoint still there, not what state.
    this.sm.answersNewSyn = routedFrom !== null;
    this.apply(conn, side, seg);
    this.sm.answersNewSyn = false;
    if (routedFrom !== null) this.settleLink(routedFrom, seg);
    else if (conn.supersedes !== null) this.settleLink(conn, seg);
  }

  /**
   * A SYN with a new ISN on a 4-tuple whose connection its sender still had:
   * the sender holds no socket for the old one any more (a TCP never opens a
   * second connection on one 4-tuple): its endpoint there is CLOSED,
   * inferred, by the time of this SYN. Its peer is another matter: a live
   * peer answers the SYN with an ACK of the old connection (RFC 5961 4, a
   * challenge ACK; Linux does it from SYN_RECV and ESTABLISHED), and keeps
   * its state until a RST answering that ACK reaches it or it accepts the
   * new SYN (linkOld, settleLink).
   */
  private startedOver(old: Connection, side: Side, seg: Segment): void {
    const ep = old.endpoint(side);
    const peer = old.endpoint(1 - side);
    if (isTerminal(ep.state) && isTerminal(peer.state)) return;
    const handshake = old.establishedTs === 0 && !old.midstream;
    // It left while its peer's handshake was not complete: the reason the peer's is not.
    if (handshake || peer.state === State.SYN_RECEIVED || peer.state === State.SYN_SENT) {
      if (side === CLIENT) old.clientStartedOver = true;
      else old.serverStartedOver = true;
    }
    if (!handshake) old.endNotCaptured = true;
    this.letGo(
      old,
      side,
      seg,
      handshake
        ? 'gave up on the handshake: a new SYN from it on the same 4-tuple, with a new ISN'
        : END_NOT_CAPTURED.reused,
    );
  }

  /** An endpoint of a replaced connection holds it no more: what was on its way to it is moot, and it is CLOSED (inferred) unless it was already closed. */
  private letGo(old: Connection, side: Side, seg: Segment, cause: string): void {
    const ep = old.endpoint(side);
    if (ep.ev !== null) ep.ev.pending.length = 0;
    if (!isTerminal(ep.state)) this.sm.gone(old, side, seg, cause, true);
  }

  /** Routes the segments of `old`'s sequence spaces to it while `conn`, its successor on the 4-tuple, is young. */
  private linkOld(conn: Connection, old: Connection): void {
    conn.supersedes = old;
    this.linked.add(conn);
  }

  /**
   * After a segment on a linked connection (or on the old one it replaced):
   * an endpoint that took part in the new connection (it left CLOSED there:
   * its SYN-ACK, or the peer's ACK of one) had let go of the old one by then
   * (Linux answers a SYN that does not match a live connection's with an
   * ACK, not a SYN-ACK). Once both old endpoints are CLOSED or TIME_WAIT the
   * link goes and the old connection has ended.
   */
  private settleLink(conn: Connection, seg: Segment): void {
    const old = conn.supersedes;
    if (old === null) return; // unlinked meanwhile (it ended)
    for (const side of SIDES) {
      if (conn.endpoint(side).state === State.CLOSED) continue;
      const oside = sideIn(old, conn.endpoint(side));
      const oep = old.endpoint(oside);
      if (!isTerminal(oep.state)) {
        old.endNotCaptured = true;
        this.sm.gone(old, oside, seg, END_NOT_CAPTURED.accepted, true);
      } else if (oep.stateInferred && old.lastMadeBy(oside, TW_TAKEN)) {
        // Its TIME_WAIT ended at the SYN, which it has now answered: seen.
        oep.stateInferred = false;
      }
    }
    // Linked while the new connection is young: a RST answering the old
    // connection's ACK may still come after both old endpoints look closed.
    if (conn.ended || (settledOld(old) && conn.establishedTs > 0)) this.unlink(conn);
  }

  private unlink(conn: Connection): void {
    const old = conn.supersedes;
    conn.supersedes = null;
    this.linked.delete(conn);
    if (old !== null && !old.ended) {
      old.ended = true;
      this.observer.connectionEnded(old);
    }
  }

  /**
   * The side of `old` that sent `seg`, when the segment belongs to that
   * replaced incarnation rather than to `conn`: its sequence number or its
   * acknowledgment lies in the old connection's sequence spaces and in none
   * of the new one's. -1 otherwise.
   */
  private oldIncarnationSide(old: Connection, conn: Connection, side: Side, seg: Segment): number {
    const oside = sideIn(old, conn.endpoint(side));
    const fits = (c: Connection, s: Side): boolean => {
      const snd = c.endpoint(s);
      const rcv = c.endpoint(1 - s);
      if (snd.seqKnown && near(seg.seq, snd.sndNxt)) return true;
      return (seg.flags & ACK) !== 0 && rcv.seqKnown && near(seg.ack, rcv.sndNxt);
    };
    return fits(old, oside) && !fits(conn, side) ? oside : -1;
  }

  /**
   * A frame identical to the sender's previous one within 50 ms is the same
   * packet captured twice (classify.ts isCopy). Counted, and fed to the Zeek
   * emulation (Zeek sees every frame), but not a state event or a
   * retransmission.
   */
  private isDuplicate(conn: Connection, side: Side, seg: Segment): boolean {
    if (!isCopy(conn.endpoint(side), seg)) return false;
    // A router's `-i any` records a forwarded packet coming in and going out.
    if (seg.linkDir !== 0) noteLinkDir(conn, side, seg);
    conn.duplicates++;
    this.duplicates++;
    conn.endpoint(side).packets++;
    conn.lastFrame = seg.frame;
    const info = this.info;
    resetInfo(info, conn, side);
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
    const timeWait = this.sm.timeWait;
    while (timeWait.peek() <= t) {
      timeWait.shift(e);
      const ep = e.conn.endpoint(e.side);
      // Only the timer of its latest start (entered, or restarted by a FIN) ends it.
      if (ep.state === State.TIME_WAIT && ep.timeWaitStart + 2 * this.opts.msl === e.t) {
        const at = this.timerAt;
        at.ts = e.t;
        at.frame = this.lastFrame;
        this.sm.gone(e.conn, e.side, at, '2 x MSL elapsed in TIME_WAIT', false);
      }
    }
    this.deliveries.advance(t, e, this.checkEndedFn);
    if (t >= this.lastSweep + 10) {
      this.lastSweep = t;
      this.sweepIdle(t);
    }
    this.schedule.nextDue = Math.min(timeWait.peek(), this.deliveries.settleQ.peek(), this.lastSweep + 10);
  }

  /** End of the capture at time `end`: what the capture's silence now proves (Deliveries.finish). */
  finish(end: number): void {
    this.advance(end);
    for (const c of [...this.linked]) this.unlink(c);
    for (const c of this.openConnections()) {
      if (c.ended) continue;
      this.deliveries.finish(c, end);
      this.checkEnded(c);
    }
  }

  /**
   * After finish() and the detectors' last look: what the silence at the end
   * says of the endpoints' own timers (Deliveries.conclude): a handshake
   * whose retries ran out, an orphaned FIN_WAIT_2.
   */
  conclude(end: number): void {
    for (const c of this.openConnections()) {
      if (c.ended) continue;
      this.deliveries.conclude(c, end);
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
    if (this.flows.remove(conn)) this.timedOut(conn);
  }

  /**
   * These connections were summarised by the pipeline (its connection cap):
   * their pending TIME_WAIT expiries and deliveries waiting to settle are
   * dropped, so nothing here keeps them in memory (the detectors keep the host
   * counts right: Detectors.forget).
   */
  forget(gone: ReadonlySet<Connection>): void {
    for (const c of this.linked)
      if (gone.has(c) || (c.supersedes !== null && gone.has(c.supersedes))) this.unlink(c);
    this.sm.timeWait.forget(gone);
    this.deliveries.settleQ.forget(gone);
  }

  /** The connections currently in the flow table. */
  openConnections(): IterableIterator<Connection> {
    return this.flows.connections();
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
      must(snd.addr6, "an IPv6 endpoint's address").set(seg.src.subarray(0, 16));
      must(rcv.addr6, "an IPv6 endpoint's address").set(seg.dst.subarray(0, 16));
    }
    snd.port = seg.srcPort;
    rcv.port = seg.dstPort;

    // At the head of its bucket, or in place of the connection it replaces.
    if (replace) {
      // One link at a time: the incarnation before the replaced one is over now.
      if (replace.old.supersedes !== null) this.unlink(replace.old);
      this.flows.replace(replace.old, replace.prev, conn);
    } else this.flows.insert(conn);
    this.conns.push(conn);
    this.info.opened = true;

    // Mid-stream pickup. A first segment that is neither SYN nor SYN-ACK (nor
    // a lone RST) means the handshake happened before the capture: both
    // endpoints are picked up as ESTABLISHED, and the record says so. Each
    // endpoint went through the handshake before the capture began: its steps
    // are recorded, inferred, so that every change in the record is one a TCP
    // can make. A first segment with FIN means the capture starts during a
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
      const sm = this.sm;
      sm.step(conn, CLIENT, Ev.SND_SYN, seg, cause, true);
      sm.step(conn, SERVER, Ev.SND_SYNACK, seg, cause, true);
      sm.step(conn, CLIENT, Ev.RCV_SYNACK, seg, cause, true);
      sm.step(conn, SERVER, Ev.RCV_ACK_SYN, seg, cause, true);
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
    for (const side of SIDES) this.letGo(old, side, seg, END_NOT_CAPTURED.reused);
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
    if ((seg.flags & RST) !== 0) return false;
    const rcv = conn.endpoint(1 - side);
    // Beyond its sender's own FIN (after which a TCP sends nothing new), or
    // acknowledging beyond the peer's FIN (after which the peer sent nothing
    // new): no segment of this connection is there. (Linux opens the next
    // incarnation from a TIME_WAIT 64 KiB past the old sequence numbers:
    // tcp_twsk_unique, tcp_timewait_state_process.) Only for a FIN inside the
    // sequence space its sender's SYN began: a FIN before the handshake is
    // crafted, and says nothing of where the connection's data lies.
    if (closedSpace(snd) && seqGt(seg.seq, seqAdd(snd.finSeq, 1))) return true;
    if ((seg.flags & ACK) !== 0 && closedSpace(rcv) && seqGt(seg.ack, seqAdd(rcv.finSeq, 1))) return true;
    if (!snd.seqKnown || seg.payloadLen === 0) return false;
    if (!conn.ended && !snd.finSent) return false;
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
      // Unless it is its SYN again on its retransmission timer (a second or
      // more after the last: Windows retries a refused SYN after 0.5 s),
      // after a RST toward it taken as received during the handshake: that
      // RST had not reached it (StateMachine.rstNotArrived).
      return !(
        conn.establishedTs === 0 &&
        snd.hasIsn &&
        seg.seq === snd.isn &&
        snd.stateInferred &&
        seg.ts - conn.lastSynTs >= SYN_TIMER_MIN &&
        conn.leftHandshakeBy(side, EVENT_CAUSE[Ev.RCV_RST])
      );
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
   * Does a SYN-ACK on an existing 4-tuple start a new connection (its SYN
   * not captured)? Once the connection was established (or picked up
   * mid-stream), a SYN-ACK with a new ISN that does not answer the peer's
   * SYN belongs to none of its segments: a live endpoint resends its own
   * SYN-ACK with its ISN, and answers a SYN in ESTABLISHED with an ACK
   * (RFC 5961 4). The earlier connection's end was not captured.
   */
  private isNewSynAck(conn: Connection, side: Side, seg: Segment): boolean {
    if (conn.establishedTs === 0 && !conn.midstream) return false;
    const snd = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    if (snd.hasIsn && seg.seq === snd.isn) return false;
    return !(peer.hasIsn && seg.ack === seqAdd(peer.isn, 1));
  }

  /**
   * TIME_WAIT assassination by a SYN (Linux tcp_timewait_state_process):
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
        // Seen for the SYN's sender (its own act) and next to the capture
        // point; for a receiver elsewhere, once it answers the SYN (settleLink):
        // the SYN may be lost after the capture point.
        this.sm.gone(old, side, seg, TW_TAKEN, false, isSender || old.nearSide === side);
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
    // Calls taking `t` stay inside the branches that need them (docs/performance.md#boxing).
    const t = seg.ts;

    resetInfo(info, conn, side);

    conn.end = Math.max(t, conn.end);
    conn.lastFrame = seg.frame;
    snd.packets++;
    snd.bytes += len;
    snd.lastSeen = t;
    if (len > 0) snd.dataSegments++;
    if (snd.ttl < 0) snd.ttl = seg.ttl;
    if (seg.linkDir !== 0) noteLinkDir(conn, side, seg);

    classifySent(conn, side, seg, info, this.opts.oooThreshold);
    if (!rst && classifyAck(conn, snd, rcv, seg, info)) {
      info.acksUncaptured = true;
      this.deliveries.ackedUncaptured(conn, rcvSide, seg);
    } else if (!rst && (fin || rcv.packets === 0)) this.deliveries.nothingNewAcked(conn, rcvSide, seg);

    // --- silence: retransmissions the peer never answers ---
    rcv.unansweredRtx = 0;
    if (info.retransmission && (len > 0 || syn)) {
      // Data the peer was captured acknowledging, resent: the peer answered
      // (its ACK was lost after the capture point); that is no silence.
      if (len > 0 && !(rcv.ackKnown && seqGe(rcv.lastAck, seqAdd(seg.seq, len)))) snd.unansweredRtx++;
      const ev = snd.evidence();
      // A resent SYN or SYN-ACK: its backoff counts from the first one sent.
      ev.prevRtxTs = ev.lastRtxTs === 0 && syn ? (hasAck ? conn.synAckTs : conn.synTs) : ev.lastRtxTs;
      ev.lastRtxTs = t;
    }

    // --- handshake timing (one branch: see `t` above) ---
    if (syn) {
      if (!hasAck && side === CLIENT) {
        if (conn.synTs === 0) conn.synTs = t;
        if (conn.synAckTs === 0) conn.lastSynTs = t;
      }
      if (hasAck) {
        if (conn.synAckTs === 0) conn.synAckTs = t;
        if (conn.ackTs === 0) conn.lastSynAckTs = t;
      }
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
      judgeVantage(conn);
    }
    if (fin) snd.lastFinTs = t;

    // --- state events ---
    // What this segment proves its sender received (or lost), first: a
    // segment is sent after everything its acknowledgement covers arrived.
    if (fin && snd.state === State.CLOSE_WAIT && conn.nearSide === side)
      this.deliveries.finCrossed(conn, side, seg);
    if (info.retransmission && (syn || fin)) this.deliveries.resentAfterAck(conn, side, seg);
    if (snd.ev !== null && snd.ev.pending.length > 0)
      this.deliveries.evidenceFrom(conn, side, seg, info.retransmission);
    if (rst) info.rstAcceptable = this.sm.reset(conn, side, seg);
    else {
      if ((f & (SYN | ACK)) === (SYN | ACK)) {
        this.listeners.add((Math.imul(hostHash(snd, conn.ipVersion), 31) + snd.port) | 0);
      }
      this.sm.sent(conn, side, seg);
      if (fin && !snd.finSent) {
        snd.finSent = true;
        snd.finSeq = seqAdd(seg.seq, len + (syn ? 1 : 0));
      }
      this.deliveries.toReceiver(conn, rcvSide, seg);
    }

    conn.zeek.segment(side === conn.firstSender, seg, info.retransmission, info.gap);
    this.observer.segment(conn, seg, info);
    this.checkEnded(conn);
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
    // The old incarnation it kept linked ends with it.
    if (conn.supersedes !== null) this.unlink(conn);
  }

  /** A connection that left the flow table by a timeout or an eviction: one that had not ended is reported ended, by timeout. */
  private timedOut(conn: Connection): void {
    // The old incarnation it kept linked ends with it.
    if (conn.supersedes !== null) this.unlink(conn);
    if (!conn.ended) {
      conn.timedOut = true;
      conn.ended = true;
      this.observer.connectionEnded(conn);
    }
  }

  /** Time out idle connections so the flow table stays bounded on endless streams. */
  private sweepIdle(now: number): void {
    const { idleTimeout, halfOpenTimeout, msl } = this.opts;
    this.flows.sweep(
      (c) => {
        const handshakeOnly = c.establishedTs === 0 && !c.midstream;
        const limit = c.ended ? 2 * msl + 1 : handshakeOnly ? halfOpenTimeout : idleTimeout;
        return now - c.end > limit;
      },
      (c) => this.timedOut(c),
    );
  }
}
