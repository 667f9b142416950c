/**
 * The state machine of both endpoints of a connection. Every state change is
 * an event looked up in the table (transitions.ts): the events a segment
 * carries for its sender (`sent`, `reset`) and for its receiver once it
 * arrived (`received`), and the events it implies though the capture did not
 * show them (a SYN-ACK not captured but acknowledged, a SYN cookie accepted),
 * applied as table events marked inferred. The one adjustment after the
 * lookup is in `step`: a FIN that finds TIME_WAIT restarts it.
 *
 * When a segment reached its receiver is not decided here (delivery.ts).
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import { CLIENT, type Connection, type Endpoint, type Side, type TransitionRecord } from './connection.js';
import { seqAdd, seqDiff, seqGe, seqGt } from './seq.js';
import { State } from '../model/states.js';
import { TimerQueue } from './timer-queue.js';
import { EVENT_CAUSE, Ev, IMPOSSIBLE, NO_CHANGE, nextState } from './transitions.js';

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/** Linux's first SYN-ACK retransmission comes 1 s after the SYN-ACK; judged with a margin. */
const SYN_COOKIE_AFTER = 1.5;

/** When a transition happens: a segment's time and frame, or a timer's. */
export interface When {
  ts: number;
  frame: number;
}

/** What a received segment's events are made of (a Segment, or a Pending one delivered later). */
export interface Received extends When {
  flags: number;
  seq: number;
  ack: number;
  payloadLen: number;
}

/** The earliest capture time at which the tracker has timer work (shared by its parts). */
export interface Schedule {
  nextDue: number;
}

/** Told of every state change (the tracker's observer). */
export interface TransitionSink {
  /** `rec` is reused: valid during the call only (copy what you keep). */
  transition(conn: Connection, rec: TransitionRecord): void;
}

/**
 * How far past the next sequence number the capture knows an endpoint may
 * still be in its own sequence space (StateMachine.rstNotArrived): data it
 * sent that the capture missed (lost before the capture point) moves it on.
 */
const OWN_SPACE_AHEAD = 65536;

/**
 * A segment without SYN from an endpoint in SYN_RECEIVED that only an
 * ESTABLISHED one sends: data or an ACK (RFC 9293 3.10.7.4), or, from a
 * passive opener, a FIN (its application cannot close a connection it has
 * not accepted, and accept() returns only once it is ESTABLISHED).
 */
function onlyEstablishedSends(ep: Endpoint, seg: Received): boolean {
  return seg.payloadLen > 0 || (seg.flags & FIN) === 0 || !ep.synSent;
}

export class StateMachine {
  /** Events that a correct TCP does not send in its state (IMPOSSIBLE cells): the capture and the reading disagree. */
  unexpected = 0;
  /**
   * The segment being applied answers a new SYN on the 4-tuple of a
   * connection its sender still holds (Tracker.oldIncarnationSide routed it
   * there): a challenge ACK, which Linux sends from SYN_RECV too
   * (tcp_check_req, a SYN outside the window) and so proves no handshake.
   */
  answersNewSyn = false;

  /**
   * Does this segment without SYN, from `ep` in SYN_RECEIVED, show it
   * ESTABLISHED (onlyEstablishedSends)? Not a bare ACK that answers a new SYN
   * (answersNewSyn).
   */
  showsEstablished(ep: Endpoint, seg: Received): boolean {
    return (
      onlyEstablishedSends(ep, seg) &&
      !(this.answersNewSyn && seg.payloadLen === 0 && (seg.flags & FIN) === 0)
    );
  }
  /** TIME_WAIT expiries in time order; stale entries (the endpoint moved on) are skipped. */
  readonly timeWait = new TimerQueue();
  /** Handed to the sink for each transition (reused). */
  private readonly rec: TransitionRecord = {
    t: 0,
    frame: 0,
    side: CLIENT,
    from: 0,
    to: 0,
    cause: '',
    inferred: false,
  };

  constructor(
    private readonly sink: TransitionSink,
    private readonly msl: number,
    private readonly schedule: Schedule,
  ) {}

  /**
   * Event `ev` for `side` of `conn` at `at`: the table's next state, if it
   * changes anything. `inferred`: the capture did not show this step (or its
   * delivery) directly; `proven`: the endpoint's new state is nonetheless
   * what the capture proves (by default, not when inferred). Returns the
   * new state, or NO_CHANGE / IMPOSSIBLE (negative).
   */
  step(
    conn: Connection,
    side: Side,
    ev: Ev,
    at: When,
    cause: string = EVENT_CAUSE[ev],
    inferred = false,
    proven = !inferred,
  ): number {
    const from = conn.endpoint(side).state;
    const to = nextState(from, ev);
    if (to === NO_CHANGE || to === IMPOSSIBLE) {
      if (to === IMPOSSIBLE) this.unexpected++;
      return to;
    }
    if (to === State.TIME_WAIT && from === State.TIME_WAIT) {
      // A retransmitted FIN restarts the 2 MSL timer (RFC 9293 3.10.7.4, eighth
      // step): the peer has not had our ACK of it, so TIME_WAIT itself rests on
      // the delivery, proven only when seen.
      cause = 'received a retransmitted FIN: TIME_WAIT restarted';
      proven = !inferred;
    }
    this.transition(conn, side, to, at, cause, inferred, proven);
    return to;
  }

  /**
   * A server in SYN_RECEIVED turns out to have answered with SYN cookies
   * (it answers each SYN once and never resends its SYN-ACK on its own
   * timer): with its SYN queue full, Linux keeps no request socket, so it
   * never was in SYN_RECEIVED: CLOSED (`ss` shows nothing), and that step
   * leaves its story. Inferred: the capture shows only the silence.
   * The one change not made through the table: it undoes one.
   */
  synCookie(conn: Connection, side: Side): void {
    const ep = conn.endpoint(side);
    ep.stateless = true;
    conn.retractTransitions(side);
    ep.state = State.CLOSED;
    ep.stateSince = 0;
    ep.stateFrame = 0;
    ep.stateInferred = true;
  }

  /** An endpoint's socket went away without a segment (Ev.GONE): a timer, or a reading of what the capture missed. */
  gone(conn: Connection, side: Side, at: When, cause: string, inferred: boolean, proven = !inferred): void {
    this.step(conn, side, Ev.GONE, at, cause, inferred, proven);
  }

  /**
   * A segment from an endpoint that a RST toward it, taken as received,
   * closed (its SYN or SYN-ACK again, a segment in its own sequence space:
   * data, or the ACK it answers a new SYN with, RFC 5961 4; or a RST of its
   * own that answers nothing): that RST had not reached it. Within a round
   * trip through it (SYN to SYN-ACK as captured, or the measured one), this
   * one left first and the RST arrived after it (its time moves here);
   * later, the RST never arrived (lost): the close is undone. True when so.
   */
  private rstNotArrived(conn: Connection, side: Side, seg: Segment): boolean {
    const snd = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    if (
      snd.state !== State.CLOSED ||
      !snd.stateInferred ||
      !peer.rstSent ||
      !conn.lastMadeBy(side, EVENT_CAUSE[Ev.RCV_RST])
    )
      return false;
    // Its SYN or SYN-ACK again; a segment in the sequence space it used (an
    // ACK, as Linux answers a SYN on a live connection, RFC 5961 4; data);
    // or a RST of its own that answers nothing (the peer sent nothing
    // since): an abort, by a socket that was still there.
    const f = seg.flags;
    const proof =
      (f & RST) !== 0
        ? peer.lastSeen <= snd.stateSince
        : (f & SYN) !== 0
          ? snd.hasIsn && seg.seq === snd.isn
          : snd.hasIsn && seqGt(seg.seq, snd.isn) && seqDiff(seg.seq, snd.sndNxt) <= OWN_SPACE_AHEAD;
    if (!proof) return false;
    const handshake = conn.synAckTs > 0 ? conn.synAckTs - conn.lastSynTs : 0;
    const rtt = Math.max(handshake, conn.rttToClient + conn.rttToServer, 0) + 0.001;
    if (seg.ts - snd.stateSince <= rtt) {
      conn.restampLast(side, seg.ts, seg.frame);
      snd.stateSince = seg.ts;
      snd.stateFrame = seg.frame;
    } else conn.retractLast(side);
    return true;
  }

  /** The events of a segment other than a RST for its sender: a sent segment is seen (the capture shows it). */
  sent(conn: Connection, side: Side, seg: Segment): void {
    const snd = conn.endpoint(side);
    const peerSide = (1 - side) as Side;
    const peer = conn.endpoint(peerSide);
    const f = seg.flags;
    // A segment from an endpoint a RST toward it was taken to have closed:
    // the RST had not reached it (then it is back where it was).
    if ((f & SYN) === 0 && snd.state === State.CLOSED) this.rstNotArrived(conn, side, seg);
    // Data without SYN that acknowledges the SYN of a peer still in SYN_SENT,
    // from an endpoint never seen to answer it: it answered with a SYN-ACK
    // the capture missed (its ISN one before this sequence number), went
    // through SYN_RECEIVED, and (below: only an ESTABLISHED endpoint sends
    // data) got the final ACK. A bare ACK is not enough: it is also the
    // first step of a split handshake (SYN, ACK, SYN, SYN-ACK, ACK), whose
    // ACK answers the SYN without a connection behind it.
    if (
      (f & (SYN | ACK)) === ACK &&
      seg.payloadLen > 0 &&
      snd.state === State.CLOSED &&
      !snd.synSent &&
      !snd.synAckSent &&
      !conn.midstream &&
      peer.state === State.SYN_SENT &&
      peer.hasIsn &&
      seg.ack === seqAdd(peer.isn, 1)
    ) {
      snd.isn = seqAdd(seg.seq, -1);
      snd.hasIsn = true;
      snd.synAckSent = true;
      conn.captureGaps++;
      this.step(
        conn,
        side,
        Ev.SND_SYNACK,
        seg,
        'sent SYN-ACK (not captured; its ACK of the SYN proves it)',
        true,
        true,
      );
    }
    if (f & SYN) {
      if (this.rstNotArrived(conn, side, seg)) {
        // Its SYN or SYN-ACK again: no new connection.
      } else if (f & ACK) {
        if (!snd.stateless) this.step(conn, side, Ev.SND_SYNACK, seg);
      } else this.step(conn, side, Ev.SND_SYN, seg);
      // SYN cookies. A server that has answered each of the client's SYNs
      // exactly once and never retransmitted its SYN-ACK by its own timer
      // (Linux's fires after 1 s) holds no request socket: with its SYN queue
      // full, Linux answers with a SYN cookie and keeps no state (ss shows
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
      )
        this.synCookie(conn, peerSide);
    } else if (snd.stateless) {
      // A SYN-cookie server that sends a segment without SYN has accepted the
      // cookie in the client's ACK: the connection is rebuilt from the cookie
      // (through SYN_RECEIVED) and is ESTABLISHED now.
      snd.stateless = false;
      this.step(
        conn,
        side,
        Ev.SND_SYNACK,
        seg,
        'rebuilt its connection from the SYN cookie in the ACK',
        true,
        true,
      );
      this.step(conn, side, Ev.RCV_ACK_SYN, seg, 'sent a segment without SYN: the SYN cookie was accepted');
    } else if (snd.state === State.SYN_RECEIVED && this.showsEstablished(snd, seg)) {
      // Data or an ACK from SYN_RECEIVED: only an ESTABLISHED endpoint sends
      // one, so the handshake's final ACK reached it, though the capture did
      // not hold it.
      this.step(
        conn,
        side,
        Ev.RCV_ACK_SYN,
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
      // This ACK of the peer's SYN proves a SYN-ACK reached it, though the
      // capture did not hold one.
      if (!peer.synAckSent) conn.captureGaps++;
      this.step(
        conn,
        side,
        Ev.RCV_SYNACK,
        seg,
        'received SYN-ACK (not captured; its ACK proves it)',
        true,
        true,
      );
      if (conn.establishedTs === 0) conn.establishedTs = seg.ts;
    }
    if (f & FIN) this.step(conn, side, Ev.SND_FIN, seg);
  }

  /**
   * A RST from `side`: its events for both endpoints, if it is acceptable
   * (returned). RFC 9293 3.10.7.3 (SYN-SENT): a RST is acceptable if its ACK
   * acknowledges the SYN. Otherwise (3.10.7.4, RFC 5961 3.2) its sequence
   * number must be in the receive window; a passive observer allows the
   * receiver's last ACK up to one window beyond, or exactly the sender's next
   * sequence number. A RST cannot be acknowledged: toward an endpoint the
   * capture is not next to, it is taken as delivered (inferred); what waited
   * for it is moot.
   */
  reset(conn: Connection, side: Side, seg: Segment): boolean {
    const snd = conn.endpoint(side);
    const rcvSide = (1 - side) as Side;
    const rcv = conn.endpoint(rcvSide);
    let ok: boolean;
    if (rcv.state === State.SYN_SENT) {
      ok = (seg.flags & ACK) !== 0 && rcv.hasIsn && seg.ack === seqAdd(rcv.isn, 1);
    } else if (rcv.state === State.CLOSED || rcv.state === State.LISTEN || rcv.state === State.TIME_WAIT) {
      ok = rcv.state === State.TIME_WAIT ? inWindow(conn, snd, rcv, seg.seq) : true;
    } else {
      ok = inWindow(conn, snd, rcv, seg.seq);
    }
    // Its own RST after a RST toward it taken as received: that one had not arrived.
    if (snd.state === State.CLOSED) this.rstNotArrived(conn, side, seg);
    // A RST without ACK at exactly the acknowledgement of the peer's FIN
    // taken as received: the answer of a host with no connection (RFC 9293
    // 3.10.7.1), which an abort the capture missed had closed. The FIN met
    // no connection.
    else if (
      snd.state === State.CLOSE_WAIT &&
      (seg.flags & ACK) === 0 &&
      rcv.finSent &&
      rcv.ackKnown &&
      seg.seq === rcv.lastAck
    )
      conn.retractLast(side, EVENT_CAUSE[Ev.RCV_FIN]);
    snd.rstSent = true;
    if (!ok) return false;
    // RFC 9293 3.10.7.3: in SYN_SENT, an ACK that does not acknowledge the
    // SYN is answered by <SEQ=SEG.ACK><CTL=RST>, and the endpoint stays in
    // SYN_SENT (it resends its SYN): a RST without ACK at exactly the peer's
    // last ACK, which missed the SYN, is that answer, not an abort.
    if (
      snd.state === State.SYN_SENT &&
      (seg.flags & ACK) === 0 &&
      snd.hasIsn &&
      snd.ackKnown === false &&
      rcv.ackKnown &&
      seg.seq === rcv.lastAck &&
      rcv.lastAck !== seqAdd(snd.isn, 1)
    )
      return true;
    this.step(conn, side, Ev.SND_RST, seg);
    const ev = rcv.ev;
    if (ev !== null) ev.pending.length = 0;
    this.step(conn, rcvSide, Ev.RCV_RST, seg, EVENT_CAUSE[Ev.RCV_RST], conn.nearSide !== rcvSide);
    return true;
  }

  /**
   * The events of segment `p` for its receiver `side`, applied when it
   * arrived, at the time of `when` (the evidence, or the segment itself);
   * `inferred` when the arrival is assumed, not proven. RFC 9293's order of
   * processing (3.10.7.4): SYN, then the ACK field, then the FIN bit.
   */
  received(conn: Connection, side: Side, p: Received, when: When, inferred: boolean, proven: boolean): void {
    const rcv = conn.endpoint(side);
    const f = p.flags;
    const hasAck = (f & ACK) !== 0;
    if (f & SYN) {
      if (!hasAck) {
        this.step(conn, side, Ev.RCV_SYN, when, EVENT_CAUSE[Ev.RCV_SYN], inferred, proven);
      } else {
        if (!rcv.synSent && rcv.state === State.CLOSED) {
          // A SYN-ACK whose SYN was not captured: its receiver must have sent
          // that SYN (ISN = ack - 1, known since the SYN-ACK was captured).
          if (!rcv.hasIsn) rcv.isnFromAck(p.ack);
          rcv.synSent = true;
          this.step(conn, side, Ev.SND_SYN, when, 'sent SYN (not captured; inferred from the SYN-ACK)', true);
        }
        if (rcv.hasIsn && p.ack === seqAdd(rcv.isn, 1)) {
          const to = this.step(conn, side, Ev.RCV_SYNACK, when, EVENT_CAUSE[Ev.RCV_SYNACK], inferred, proven);
          if (to === State.ESTABLISHED && conn.establishedTs === 0) conn.establishedTs = when.ts;
        }
      }
    } else if (hasAck && rcv.state === State.SYN_RECEIVED && rcv.hasIsn && seqGe(p.ack, seqAdd(rcv.isn, 1))) {
      this.step(conn, side, Ev.RCV_ACK_SYN, when, EVENT_CAUSE[Ev.RCV_ACK_SYN], inferred, proven);
      if (conn.establishedTs === 0) conn.establishedTs = when.ts;
    }
    if (hasAck && rcv.finSent && !rcv.finAcked && seqGe(p.ack, seqAdd(rcv.finSeq, 1))) {
      rcv.finAcked = true;
      this.step(conn, side, Ev.RCV_ACK_FIN, when, EVENT_CAUSE[Ev.RCV_ACK_FIN], inferred, proven);
    }
    if (f & FIN) this.step(conn, side, Ev.RCV_FIN, when, EVENT_CAUSE[Ev.RCV_FIN], inferred, proven);
  }

  /**
   * Moves `side` of `conn` to state `to` at the time and frame of `at` (the
   * segment that caused it, the evidence of its arrival, or a timer's
   * moment). It takes the object, not the time: docs/performance.md#boxing.
   */
  private transition(
    conn: Connection,
    side: Side,
    to: State,
    at: When,
    cause: string,
    inferred: boolean,
    proven: boolean,
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
    if (from === to) {
      // TIME_WAIT restarted: its timer starts again, but the endpoint has been
      // in TIME_WAIT since it first entered it (`since`).
      ep.evidence().timeWaitRestart = t;
    } else {
      ep.stateSince = t;
      ep.stateFrame = frame;
    }
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
      const expiry = t + 2 * this.msl;
      this.timeWait.push(expiry, conn, side);
      if (expiry < this.schedule.nextDue) this.schedule.nextDue = expiry;
    }
    this.sink.transition(conn, rec);
  }
}

/** Is sequence number `seq` from `snd` inside `rcv`'s receive window (as a passive observer can tell)? */
function inWindow(conn: Connection, snd: Endpoint, rcv: Endpoint, seq: number): boolean {
  if (!snd.seqKnown && !rcv.ackKnown) return true;
  if (snd.seqKnown && seq === snd.sndNxt) return true;
  const base = rcv.ackKnown ? rcv.lastAck : snd.sndNxt;
  const d = seqDiff(seq, base);
  const wnd = Math.max(rcv.scaledWindow(conn.scaling), 1);
  return d >= -1 && d <= wnd;
}
