/**
 * When a segment reached its receiver (SPEC.md "Evidence, vantage point and
 * capture quality"). A segment changes its sender's state when it is
 * captured; its receiver's, only at the evidence that it arrived:
 * - the receiver's ACK covers it (for a bare ACK: anything the receiver sent
 *   after it), or the receiver does what only its arrival allows (proof);
 * - the receiver stays silent past the time it would have resent what the
 *   segment answers (silence, after `settleDelay`);
 * - the capture ends first (assumed).
 * What reaches the endpoint next to the capture point is delivered when
 * captured. Also here: what the capture's silence proves at its end (a FIN
 * acknowledged by a segment not captured, an endpoint that gave up), and what
 * an acknowledgement beyond anything captured proves.
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import {
  CLIENT,
  type Connection,
  type Endpoint,
  type EndpointEvidence,
  type Pending,
  SERVER,
  type Side,
} from './connection.js';
import { seqAdd, seqGe, seqGt, seqLt } from './seq.js';
import { type Received, type Schedule, type StateMachine, type When } from './state-machine.js';
import { isTerminal, State } from '../model/states.js';
import { type TimerEntry, TimerQueue } from './timer-queue.js';
import { EVENT_CAUSE, Ev, FIN_NOT_CAPTURED } from './transitions.js';
import { internalError, must } from '../model/checked.js';

const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;

/** Linux's tcp_fin_timeout default: how long an orphaned FIN_WAIT_2 lives. */
const FIN_TIMEOUT = 60;
/**
 * Silence after a lone SYN-ACK that shows a SYN cookie (Deliveries.synCookie):
 * past the first SYN-ACK retransmission of Linux (1 s) and of stacks that
 * start at 3 s (RFC 6298's former initial RTO).
 */
const SYN_COOKIE_SILENCE = 3.5;

/** How a waiting segment is known to have arrived (Deliveries.deliver). */
const enum Delivery {
  PROOF,
  SILENCE,
  ASSUMED,
}

export interface DeliveryOptions {
  /** How long a bare ACK waits before it is taken as delivered (TrackerOptions.settleDelay). */
  settleDelay: number;
  /** How long an unacknowledged FIN must go unresent to count as acknowledged (TrackerOptions.finSilence). */
  finSilence: number;
}

/** The acknowledgement a segment carries, without its FIN (a FIN held back by a hole before it). */
function ackOnly(seg: Segment): Received {
  return {
    ts: seg.ts,
    frame: seg.frame,
    flags: seg.flags & ~FIN,
    seq: seg.seq,
    ack: seg.ack,
    payloadLen: seg.payloadLen,
  };
}

/** Does acknowledgement number `ack` cover the SYN (or SYN-ACK) that `ep` sent? */
function acksItsSyn(ep: Endpoint, ack: number): boolean {
  return ep.hasIsn && (ep.synAckSent || ep.synSent) && seqGe(ack, seqAdd(ep.isn, 1));
}

/** Does acknowledgement number `ack` cover the FIN that `ep` sent? */
function acksItsFin(ep: Endpoint, ack: number): boolean {
  return ep.finSent && seqGe(ack, seqAdd(ep.finSeq, 1));
}

/** The shortest SYN-ACK retransmission timeout to tell a resend from a copy (Linux: 1 s, RFC 6298's floor). */
const SYNACK_TIMER_MIN = 0.5;

/**
 * How long a segment takes from the capture point to `side`, from the
 * handshake's timing (judgeVantage): the SYN-ACK came a round trip between
 * the capture point and the server after the SYN, the final ACK a round trip
 * between the capture point and the client after the SYN-ACK. Half of each,
 * as the path's two directions take about as long; 0 when not known.
 */
function oneWayDelay(conn: Connection, side: Side): number {
  return conn.rttTo(side) / 2;
}

export class Deliveries {
  /** Deliveries of bare ACKs waiting to settle (settleDelay), in time order. */
  readonly settleQ = new TimerQueue();
  /** The moment of an inference at the end of the capture (reused). */
  private readonly timerAt: When = { ts: 0, frame: 0 };
  /** When a segment settled by silence reached its receiver (reused). */
  private readonly arrived: When = { ts: 0, frame: 0 };

  constructor(
    private readonly sm: StateMachine,
    private readonly opts: DeliveryOptions,
    private readonly schedule: Schedule,
  ) {}

  /**
   * A segment's events for its receiver (RFC 9293 3.10.7). The receiver
   * next to the capture point got it when it was captured; otherwise it
   * changes the receiver's state only when the receiver shows it got it: its
   * ACK covers it, or its behaviour can only follow it (evidenceFrom). A
   * segment carrying a SYN always waits for the answer, even next to the
   * receiver: the answer (an ACK, or a RST from an endpoint that had given
   * up) says whether a socket was there to take it.
   */
  toReceiver(conn: Connection, rcvSide: Side, seg: Segment): void {
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
      // The final ACK of a handshake whose SYN-ACK was not captured: the
      // receiver sent that SYN-ACK (ISN = ack - 1), so it went through
      // SYN_RECEIVED; the capture missed a segment.
      rcv.isnFromAck(seg.ack);
      rcv.synAckSent = true;
      // (The capture gap was counted when the ACK's sender left SYN_SENT: StateMachine.sent.)
      // That SYN-ACK answered the SYN: what waited to reach the server arrived.
      this.deliverAll(conn, rcvSide, seg, false);
      this.sm.step(
        conn,
        rcvSide,
        Ev.SND_SYNACK,
        seg,
        'sent SYN-ACK (not captured; the ACK of its SYN proves it)',
        true,
        true,
      );
    }
    const ev = rcv.ev;
    if (conn.nearSide === rcvSide && (f & SYN) === 0 && (ev === null || ev.pending.length === 0)) {
      this.markQueued(rcv, seg);
      if ((f & FIN) !== 0 && snd.ev !== null && snd.ev.hole && seqGt(seg.seq, snd.ev.holeStart)) {
        // A FIN behind a hole (bytes before it never captured): its receiver
        // takes the acknowledgement at once but queues the FIN out of order
        // until the missing bytes come (RFC 9293 3.10.7.4, eighth step: a FIN
        // is processed only in sequence). The FIN waits for its ACK.
        this.sm.received(conn, rcvSide, ackOnly(seg), seg, false, true);
        this.defer(conn, rcvSide, seg);
        return;
      }
      this.sm.received(conn, rcvSide, seg, seg, false, true);
      return;
    }
    this.defer(conn, rcvSide, seg);
  }

  /**
   * What a segment from `side` says about the segments waiting to reach it
   * (`resent`: the classifier took it for a retransmission):
   * - resending its SYN-ACK, its SYN or its FIN shows that the answer to it
   *   (an ACK of it, a SYN-ACK) has not arrived: those waiting are lost;
   * - its acknowledgement reaching a waiting segment's end (for a bare ACK:
   *   anything sent after it) proves that one, and every one before it,
   *   arrived (now);
   * - a segment without SYN from SYN_RECEIVED proves the handshake's final
   *   ACK arrived (only an ESTABLISHED endpoint sends one);
   * - a RST ends all waiting: whatever still comes meets no connection.
   */
  evidenceFrom(conn: Connection, side: Side, seg: Segment, resent: boolean): void {
    const ep = conn.endpoint(side);
    const q = must(ep.ev, 'the evidence of a segment sender').pending;
    const f = seg.flags;
    if ((f & RST) !== 0) {
      q.length = 0;
      return;
    }
    if (resent && (f & SYN) !== 0) {
      // A SYN-ACK resent: the ACKs of its SYN waiting are lost. A SYN resent:
      // the SYN-ACKs waiting are lost. Not one captured less than a round
      // trip (capture point to the resender and back) before the resend: the
      // resend left before it could arrive (an answer to a repeated SYN, or
      // its timer, crossing it).
      const rtt = conn.rttTo(side);
      for (let i = q.length - 1; i >= 0; i--) {
        const p = pendingAt(q, i);
        const lost =
          seg.ts - p.ts >= rtt &&
          ((f & ACK) !== 0
            ? !p.hasProof && (p.flags & ACK) !== 0 && seqGe(p.ack, seqAdd(ep.isn, 1))
            : (p.flags & (SYN | ACK)) === (SYN | ACK));
        if (lost) q.splice(i, 1);
      }
      if ((f & ACK) !== 0) ep.ackOfSynQueued = false;
      ep.handshakeRetried = true;
    } else if (resent && (f & FIN) !== 0 && ep.finSent) {
      for (let i = q.length - 1; i >= 0; i--) {
        const p = pendingAt(q, i);
        if (!p.hasProof && seqGe(p.ack, seqAdd(ep.finSeq, 1))) q.splice(i, 1);
      }
      ep.ackOfFinQueued = false;
      ep.finResent = true;
    }
    if ((f & ACK) !== 0) {
      let last = -1;
      for (let i = 0; i < q.length; i++) {
        const p = pendingAt(q, i);
        // A SYN-ACK is sent before a SYN-ACK acknowledging its own SYN
        // arrived (that would have made it ESTABLISHED): in a simultaneous
        // open, the peer's SYN-ACK that it seems to acknowledge (the same
        // SYN) has not reached it yet.
        if (
          (f & SYN) !== 0 &&
          (p.flags & SYN) !== 0 &&
          (p.flags & ACK) !== 0 &&
          ep.hasIsn &&
          seqGe(p.ack, seqAdd(ep.isn, 1))
        )
          break;
        // A bare ACK is proven by the acknowledgement of anything its sender
        // sent with or after it (which carried the same acknowledgement or a
        // later one).
        if (p.hasProof ? seqGe(seg.ack, p.proof) : seqGt(seg.ack, p.seq)) last = i;
      }
      if (last > 0 && (f & SYN) === 0 && ep.state === State.SYN_SENT) last = dropLostSyn(q, last);
      if (last >= 0) this.deliver(conn, side, last, seg, Delivery.PROOF);
    }
    if (ep.state === State.SYN_RECEIVED && (f & SYN) === 0 && this.sm.showsEstablished(ep, seg)) {
      for (let i = 0; i < q.length; i++) {
        const p = pendingAt(q, i);
        if ((p.flags & (SYN | ACK)) === ACK && seqGe(p.ack, seqAdd(ep.isn, 1))) {
          this.deliver(conn, side, i, seg, Delivery.PROOF);
          break;
        }
      }
    }
    this.settle(conn, side, seg.ts);
  }

  /**
   * `side` resent its SYN-ACK or FIN after an acknowledgement of it was
   * taken as received when captured (next to it): that acknowledgement was
   * lost after the capture point, and the change it made is undone (the
   * next one that arrives makes it again).
   */
  resentAfterAck(conn: Connection, side: Side, seg: Segment): void {
    const ep = conn.endpoint(side);
    const f = seg.flags;
    if ((f & (SYN | ACK)) === (SYN | ACK)) {
      // (Not once it sent data: only an ESTABLISHED endpoint does.)
      if (
        ep.state === State.ESTABLISHED &&
        ep.bytes === 0 &&
        undoLost(conn, side, EVENT_CAUSE[Ev.RCV_ACK_SYN])
      )
        ep.ackOfSynQueued = false;
    } else if (
      // FIN_WAIT_2 only: undoing TIME_WAIT or CLOSED would undo what the
      // detectors counted (TIME_WAIT per host) or a connection's end.
      (f & FIN) !== 0 &&
      ep.state === State.FIN_WAIT_2 &&
      undoLost(conn, side, EVENT_CAUSE[Ev.RCV_ACK_FIN])
    ) {
      ep.finAcked = false;
      ep.ackOfFinQueued = false;
    }
  }

  /**
   * A FIN from `side`, next to the capture point, that does not acknowledge
   * the peer's FIN taken as received when it was captured: it left before
   * that FIN got there (a simultaneous close seen a little off the
   * endpoint). Its CLOSE_WAIT is undone and the peer's FIN waits again for
   * its acknowledgement (FIN_WAIT_1 -> CLOSING then).
   */
  finCrossed(conn: Connection, side: Side, seg: Segment): void {
    const ep = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    if (!peer.finSent || (seg.flags & ACK) === 0 || seqGe(seg.ack, seqAdd(peer.finSeq, 1))) return;
    const frame = ep.stateFrame;
    if (!conn.retractLast(side)) return;
    const q = ep.evidence().pending;
    q.unshift({
      ts: peer.lastFinTs,
      frame,
      flags: FIN | ACK,
      seq: peer.finSeq,
      ack: peer.ackKnown ? peer.lastAck : 0,
      payloadLen: 0,
      proof: seqAdd(peer.finSeq, 1),
      hasProof: true,
      settleAt: peer.lastFinTs + this.opts.settleDelay,
    });
  }

  /**
   * `snd` acknowledged sequence numbers of `rcv` beyond anything captured:
   * `rcv` sent them, the capture missed them (a capture gap). One past the
   * last captured byte, from an endpoint that has sent its own FIN, is the
   * peer's FIN: the peer closed too (inferred), after it got `snd`'s FIN.
   */
  ackedUncaptured(conn: Connection, rcvSide: Side, seg: Segment): void {
    const rcv = conn.endpoint(rcvSide);
    const snd = conn.endpoint(1 - rcvSide);
    // A gap in a direction the capture holds; one never captured is a
    // one-way connection, said as such (Connection.oneWay), not counted here.
    if (rcv.packets > 0) conn.captureGaps++;
    const one = seg.ack === seqAdd(rcv.sndNxt, 1) && !rcv.finSent;
    // A FIN: one past the last captured byte, acknowledged by an endpoint that
    // has sent its own FIN (an active close), or by the FIN it sends now (a
    // passive close: it read the peer's EOF, then closed).
    const finOnly = one && (snd.finSent || (seg.flags & FIN) !== 0);
    if (rcv.packets === 0) {
      // One-way: what the peer's ACKs show of an endpoint never captured. Its
      // data past the SYN-ACK's acknowledgement was sent once it was
      // ESTABLISHED: the SYN-ACK waiting to reach it arrived.
      const ev = rcv.evidence();
      const q = ev.pending;
      for (let i = q.length - 1; i >= 0; i--) {
        const p = pendingAt(q, i);
        if ((p.flags & (SYN | ACK)) === (SYN | ACK) && seqGt(seg.ack, p.ack)) {
          this.deliver(conn, rcvSide, i, seg, Delivery.PROOF);
          break;
        }
      }
      if (snd.synAckSent && ev.rttBound === 0 && conn.synAckTs > 0) ev.rttBound = seg.ts - conn.synAckTs;
    }
    // One past the last captured byte, then a FIN acknowledging nothing more:
    // `rcv`'s uncaptured FIN, and snd's a passive close (finAfterOne).
    if (rcv.packets === 0 || (one && !finOnly) || rcv.ev !== null) {
      const ev = rcv.evidence();
      ev.ackOneTs = one && !finOnly && seg.payloadLen === 0 ? seg.ts : 0;
      ev.ackOneFrame = seg.frame;
      ev.ackOne = seg.ack;
    }
    rcv.sndNxt = seg.ack;
    if (!finOnly) return;
    // After its own FIN, snd has no other reading of one more sequence number;
    // with a FIN of its own in the same segment, a byte of data would read the same.
    this.inferFin(conn, rcvSide, seg, false);
  }

  /**
   * `rcvSide` sent a FIN the capture missed, which its peer acknowledges
   * with `seg`: it closed (inferred), after it got what the peer had sent
   * (what of it still waits arrived); the peer received that FIN, and an
   * active closer got the acknowledgement of its own.
   */
  private inferFin(conn: Connection, rcvSide: Side, seg: When & { ack: number }, proven: boolean): void {
    const rcv = conn.endpoint(rcvSide);
    const sndSide = (1 - rcvSide) as Side;
    const snd = conn.endpoint(sndSide);
    this.deliverAll(conn, rcvSide, seg, true);
    rcv.finSent = true;
    rcv.finSeq = seqAdd(seg.ack, -1);
    rcv.lastFinTs = seg.ts;
    this.sm.step(conn, rcvSide, Ev.SND_FIN, seg, FIN_NOT_CAPTURED, true, false);
    // snd got that FIN (this ACK proves it); it most likely acknowledged snd's FIN.
    if (snd.finSent && !snd.finAcked) {
      snd.finAcked = true;
      this.sm.step(conn, sndSide, Ev.RCV_ACK_FIN, seg, 'received ACK of its FIN (not captured)', true, false);
    }
    this.sm.step(
      conn,
      sndSide,
      Ev.RCV_FIN,
      seg,
      proven
        ? 'received FIN (not captured; its ACK proves it)'
        : 'received FIN (not captured; its ACK one past the data says so)',
      true,
      proven,
    );
  }

  /** Bare ACKs whose time to settle has come by `t`, in time order; `onSettled` for each connection that changed. */
  advance(t: number, e: TimerEntry, onSettled: (conn: Connection) => void): void {
    while (this.settleQ.peek() <= t) {
      this.settleQ.shift(e);
      const c = e.conn;
      if (this.settle(c, e.side, e.t)) onSettled(c);
      // One given a longer wait (settleWait) goes back in line for its time.
      const head = c.endpoint(e.side).ev?.pending[0];
      if (head !== undefined && !head.hasProof && head.settleAt > e.t)
        this.settleQ.push(head.settleAt, c, e.side);
    }
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
   *   given up (retries exhausted, TCP_USER_TIMEOUT): CLOSED, inferred. (Its
   *   SYN or SYN-ACK: conclude(), after the detectors.)
   */
  finish(conn: Connection, end: number): void {
    // A side the capture never saw (one-way): its state rests on the other
    // side's ACKs at best (issue 19 item 7).
    if (conn.oneWay) conn.endpoint(conn.client.packets === 0 ? CLIENT : SERVER).stateInferred = true;
    this.oneWayFin(conn, CLIENT);
    this.oneWayFin(conn, SERVER);
    this.finSilence(conn, CLIENT, end);
    this.finSilence(conn, SERVER, end);
    this.settle(conn, CLIENT, end, true);
    this.settle(conn, SERVER, end, true);
    this.gaveUp(conn, CLIENT, end, false);
    this.gaveUp(conn, SERVER, end, false);
    this.finUnanswered(conn, CLIENT);
    this.finUnanswered(conn, SERVER);
  }

  /**
   * A FIN taken as received when captured (next to its receiver) that its
   * receiver never acknowledged by the end of the capture: the capture ended
   * first, lost the ACK, or the receiver's host was gone (a crash leaves no
   * trace). The state the FIN gave it is inferred, not seen (SPEC.md: seen
   * needs its acknowledgement).
   */
  private finUnanswered(conn: Connection, side: Side): void {
    const rcv = conn.endpoint(side);
    const snd = conn.endpoint(1 - side);
    if (!snd.finSent || rcv.stateInferred || (rcv.ackKnown && seqGe(rcv.lastAck, seqAdd(snd.finSeq, 1))))
      return;
    if (conn.inferLast(side, EVENT_CAUSE[Ev.RCV_FIN])) rcv.stateInferred = true;
  }

  /**
   * After the detectors have judged the capture as it shows the handshake
   * (syn-no-synack, synack-no-ack) and FIN_WAIT_2 (fin-wait-2-stuck): what
   * the silence at its end says of those endpoints' own timers. A handshake
   * whose retries ran out gave up (CLOSED, inferred); FIN_WAIT_2 past
   * tcp_fin_timeout is inferred (an orphan is gone, a half-closed socket is
   * not).
   */
  conclude(conn: Connection, end: number): void {
    this.synCookie(conn, end);
    this.gaveUp(conn, CLIENT, end, true);
    this.gaveUp(conn, SERVER, end, true);
    this.orphanFinWait2(conn, CLIENT, end);
    this.orphanFinWait2(conn, SERVER, end);
  }

  // ---------------------------------------------------------------------------

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
      const p = pendingAt(q, i);
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
      if (p.settleAt < this.schedule.nextDue) this.schedule.nextDue = p.settleAt;
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
    // What it answers decides which backoff: a FIN's, or the SYN-ACK's.
    if (acksItsFin(rcv, seg.ack)) return rcv.finResent ? 4 * d : d;
    // Its SYN-ACK resends: captured, or shown by a one-way capture's repeated ACKs.
    const unseen = rcv.ev?.synAckResends ?? 0;
    const resends = (rcv.synAckSent ? rcv.synRetransmissions : 0) + unseen;
    if (rcv.hasIsn && resends > 0 && seqGe(seg.ack, seqAdd(rcv.isn, 1))) {
      return Math.max(d, 2 ** Math.min(resends, 6) + 0.5);
    }
    return d;
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
    const q = must(conn.endpoint(side).ev, 'the evidence being delivered').pending;
    const items = q.splice(0, last + 1);
    const delay = how === Delivery.PROOF ? 0 : oneWayDelay(conn, side);
    const arrived = this.arrived;
    for (let i = 0; i < items.length; i++) {
      const p: Received = pendingAt(items, i);
      if (how === Delivery.PROOF) this.sm.received(conn, side, p, at, false, true);
      else {
        arrived.ts = p.ts + delay;
        arrived.frame = p.frame;
        this.sm.received(conn, side, p, arrived, true, how === Delivery.SILENCE);
      }
    }
  }

  /** Every segment waiting to reach `side` arrived (the evidence is `at`). */
  private deliverAll(conn: Connection, side: Side, at: When, inferred: boolean): void {
    const ev = conn.endpoint(side).ev;
    if (ev === null || ev.pending.length === 0) return;
    const items = ev.pending.splice(0, ev.pending.length);
    for (const p of items) this.sm.received(conn, side, p, at, inferred, !inferred);
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
    // answers get lost (it resent the SYN-ACK or FIN it answers after one
    // was captured).
    let n = 0;
    let silent = true;
    for (
      let p = q[n];
      p !== undefined &&
      !p.hasProof &&
      (p.settleAt <= now || (atEnd && !(acksItsFin(ep, p.ack) ? ep.finResent : ep.handshakeRetried)));
      p = q[n]
    ) {
      // Silence proves arrival only from an endpoint that would have resent:
      // a SYN-ACK answered by SYN cookies is never resent, so the final ACK's
      // arrival rests on the server's later segments, or its SYN-ACK timer
      // seen at work before (a request socket).
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
    this.deliver(conn, side, n - 1, pendingAt(q, 0), atEnd || !silent ? Delivery.ASSUMED : Delivery.SILENCE);
    return true;
  }

  /**
   * End of a one-way capture: the last acknowledgement of the endpoint `side`
   * (never captured) advanced by exactly one, and nothing followed it: its
   * FIN, which the peer acknowledged (inferred; a single byte of data would
   * read the same, which the capture cannot tell apart).
   */
  private oneWayFin(conn: Connection, side: Side): void {
    const rcv = conn.endpoint(side);
    const ev = rcv.ev;
    if (ev === null || ev.ackOneTs === 0 || rcv.packets > 0 || rcv.finSent || ev.ackOne !== rcv.sndNxt)
      return;
    const snd = conn.endpoint(1 - side);
    if (snd.state !== State.ESTABLISHED && snd.state !== State.FIN_WAIT_2) return;
    this.oneWayPeerFin(conn, side, ev);
  }

  /**
   * A FIN, or any segment from the only side a one-way capture holds, that
   * acknowledges nothing new of `side`: what it says of `side` (a passive
   * close after its uncaptured FIN; one never captured resending its SYN-ACK).
   */
  nothingNewAcked(conn: Connection, side: Side, seg: Segment): void {
    if ((seg.flags & FIN) !== 0) {
      if (!conn.endpoint(1 - side).finSent) this.finAfterOne(conn, side, seg);
    } else if ((seg.flags & (SYN | ACK)) === ACK && seg.payloadLen === 0) this.synAckResent(conn, side, seg);
  }

  /**
   * One-way: the same bare ACK of `side`'s SYN again, a SYN-ACK timer later
   * (Linux resends it after 1 s, then doubles): the answer to its SYN-ACK,
   * resent because the first ACK was lost. What waited to reach it is lost.
   */
  private synAckResent(conn: Connection, side: Side, seg: Segment): void {
    const rcv = conn.endpoint(side);
    const ev = rcv.ev;
    if (ev === null || !rcv.hasIsn || seg.ack !== seqAdd(rcv.isn, 1)) return;
    const q = ev.pending;
    for (let i = 0; i < q.length; i++) {
      const p = pendingAt(q, i);
      if (p.flags !== seg.flags || p.seq !== seg.seq || p.ack !== seg.ack || p.payloadLen !== 0) continue;
      if (seg.ts - p.ts < SYNACK_TIMER_MIN) return;
      for (let j = q.length - 1; j >= 0; j--) {
        const o = pendingAt(q, j);
        if (!o.hasProof && (o.flags & ACK) !== 0 && seqGe(o.ack, seqAdd(rcv.isn, 1))) q.splice(j, 1);
      }
      rcv.ackOfSynQueued = false;
      rcv.handshakeRetried = true;
      ev.synAckResends++;
      return;
    }
  }

  /**
   * An endpoint sends its first FIN (`seg`, toward `side`) right after an
   * acknowledgement that advanced by exactly one past what the capture holds
   * of `side` (a one-way capture, or a FIN the capture missed), with nothing
   * after it: it read the peer's FIN and then closed (a passive close,
   * CLOSE_WAIT -> LAST_ACK), not the first to close (inferred; one byte of
   * data would read the same, which is rarer before a close).
   */
  private finAfterOne(conn: Connection, side: Side, seg: Segment): void {
    const rcv = conn.endpoint(side);
    const ev = rcv.ev;
    if (ev === null || ev.ackOneTs === 0 || rcv.finSent || ev.ackOne !== rcv.sndNxt || seg.ack !== ev.ackOne)
      return;
    const snd = conn.endpoint(1 - side);
    if (snd.state !== State.ESTABLISHED) return;
    this.oneWayPeerFin(conn, side, ev);
  }

  /** `side`'s FIN, which the acknowledgement one past its data (`ev.ackOne`) answers (one-way captures). */
  private oneWayPeerFin(conn: Connection, side: Side, ev: EndpointEvidence): void {
    const rcv = conn.endpoint(side);
    const at = { ts: ev.ackOneTs, frame: ev.ackOneFrame, ack: ev.ackOne };
    this.inferFin(conn, side, at, false);
    // That acknowledgement reached it (nothing says otherwise): its FIN was acknowledged.
    if (!rcv.finAcked) {
      rcv.finAcked = true;
      const arrived = this.arrived;
      arrived.ts = at.ts + oneWayDelay(conn, side);
      arrived.frame = at.frame;
      this.sm.step(
        conn,
        side,
        Ev.RCV_ACK_FIN,
        arrived,
        'received ACK of its FIN (not captured)',
        true,
        false,
      );
    }
  }

  /**
   * How long a FIN must go unanswered and unresent before the capture's
   * silence says it was acknowledged: two of its sender's retransmission
   * timeouts (Linux: the round trip plus 200 ms at least) when the round trip
   * is known, else `finSilence`.
   */
  private finWait(conn: Connection): number {
    let rtt = conn.rttToServer + conn.rttToClient;
    // One-way: the bound from the seen endpoint's answers (kept on the unseen one).
    if (rtt === 0) rtt = Math.max(conn.client.ev?.rttBound ?? 0, conn.server.ev?.rttBound ?? 0);
    return rtt > 0 ? Math.min(this.opts.finSilence, 2 * (rtt + 0.2)) : this.opts.finSilence;
  }

  /**
   * End of capture: a FIN toward `side` that `side` never acknowledged in the
   * capture, and that its sender never resent though the capture went on
   * past two of its retransmission timeouts (finWait): acknowledged by a
   * segment the capture missed.
   */
  private finSilence(conn: Connection, side: Side, end: number): void {
    const rcv = conn.endpoint(side);
    const ev = rcv.ev;
    if (ev === null) return;
    const snd = conn.endpoint(1 - side);
    const q = ev.pending;
    for (let i = 0; i < q.length; i++) {
      const p = pendingAt(q, i);
      if ((p.flags & FIN) === 0) continue;
      if (snd.lastFinTs > p.ts || end - p.ts < this.finWait(conn) || snd.rstSent) return;
      // Heard from after the FIN without acknowledging it (a hole before it):
      // the capture shows the FIN did not arrive in order, nothing was missed.
      if (rcv.lastSeen > p.ts && rcv.ackKnown && seqLt(rcv.lastAck, p.proof)) return;
      if (rcv.packets > 0) conn.captureGaps++;
      this.deliver(conn, side, i, p, Delivery.ASSUMED);
      if (!snd.finAcked && snd.finSent) {
        snd.finAcked = true;
        // The uncaptured ACK left the FIN's receiver when the FIN got there
        // and reached the sender a way back later: from the capture point,
        // a round trip to the receiver, then on to the sender.
        const sndSide = (1 - side) as Side;
        const at = this.timerAt;
        at.ts = p.ts + 2 * oneWayDelay(conn, side) + oneWayDelay(conn, sndSide);
        at.frame = p.frame;
        this.sm.step(
          conn,
          sndSide,
          Ev.RCV_ACK_FIN,
          at,
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
   * (or its SYN, or its SYN-ACK) and that then fell silent past its next
   * retransmission (the backoff doubles each time), while the capture went
   * on, gave up: CLOSED, inferred, from when the next retransmission was due.
   */
  private gaveUp(conn: Connection, side: Side, end: number, handshake: boolean): void {
    const ep = conn.endpoint(side);
    const ev = ep.ev;
    if (ev === null || ev.lastRtxTs === 0 || ev.prevRtxTs === 0 || ep.lastSeen !== ev.lastRtxTs) return;
    if (isTerminal(ep.state)) return;
    if ((ep.state === State.SYN_SENT || ep.state === State.SYN_RECEIVED) !== handshake) return;
    const interval = ev.lastRtxTs - ev.prevRtxTs;
    if (interval < 0.2) return;
    const due = ev.lastRtxTs + 2 * interval;
    if (end < due + interval) return;
    const at = this.timerAt;
    at.ts = due;
    at.frame = conn.lastFrame;
    this.sm.gone(
      conn,
      side,
      at,
      ep.state === State.SYN_SENT
        ? 'stopped resending its SYN: gave up (tcp_syn_retries exhausted)'
        : ep.state === State.SYN_RECEIVED
          ? 'stopped resending its SYN-ACK: gave up (tcp_synack_retries exhausted)'
          : 'stopped resending unacknowledged data: gave up (retries exhausted or TCP_USER_TIMEOUT)',
      true,
    );
  }

  /**
   * End of capture: a server that answered each of its client's SYNs with
   * one SYN-ACK and then, with no answer, never resent it on its own timer
   * (Linux's fires after 1 s, other stacks' by 3 s) while the capture went
   * on for SYN_COOKIE_SILENCE, answered with SYN cookies: its SYN queue was
   * full and it kept no socket (StateMachine.synCookie). Spoofed SYNs of a
   * flood are the usual case: their sources never answer.
   */
  private synCookie(conn: Connection, end: number): void {
    const sv = conn.server;
    const cl = conn.client;
    if (sv.state !== State.SYN_RECEIVED || sv.stateless || sv.synSent || !sv.synAckSent || !cl.synSent)
      return;
    // The client still waits for a SYN-ACK it would answer (a spoofed source
    // has no socket); each of its SYNs got one SYN-ACK, none came on a timer.
    if (cl.state !== State.SYN_SENT || sv.synRetransmissions !== cl.synRetransmissions) return;
    if (end - sv.lastSeen < SYN_COOKIE_SILENCE) return;
    this.sm.synCookie(conn, SERVER);
  }

  /**
   * End of capture: an endpoint in FIN_WAIT_2 for longer than Linux's
   * tcp_fin_timeout (60 s), silent since, is gone if its application called
   * close() (an orphan times out), still there if it only shut down its
   * sending side: the capture cannot tell which, so its state is inferred.
   */
  private orphanFinWait2(conn: Connection, side: Side, end: number): void {
    const ep = conn.endpoint(side);
    if (ep.state !== State.FIN_WAIT_2) return;
    const timeout = ep.stateSince + FIN_TIMEOUT;
    if (end > timeout && ep.lastSeen <= timeout) ep.stateInferred = true;
  }
}

/**
 * An ACK without SYN from SYN_SENT answers a SYN-ACK: had the peer's bare SYN
 * waiting before that SYN-ACK (the same SYN) arrived first, the endpoint
 * would have answered it with a SYN-ACK of its own (a simultaneous open).
 * That SYN was lost: it leaves the queue. Returns the new index of q[last].
 */
function dropLostSyn(q: Pending[], last: number): number {
  for (let j = last; j > 0; j--) {
    const sa = pendingAt(q, j);
    if ((sa.flags & (SYN | ACK)) !== (SYN | ACK)) continue;
    for (let i = j - 1; i >= 0; i--) {
      const p = pendingAt(q, i);
      if ((p.flags & (SYN | ACK)) === SYN && p.seq === sa.seq) {
        q.splice(i, 1);
        last--;
      }
    }
    break;
  }
  return last;
}

/** Undo `side`'s latest change if `cause` made it, as seen (not inferred) at capture. */
function undoLost(conn: Connection, side: Side, cause: string): boolean {
  return !conn.endpoint(side).stateInferred && conn.retractLast(side, cause);
}

/** q[i], i inside the queue (the loops above run over its indexes): one shape, so the reads stay fast. */
function pendingAt(q: readonly Pending[], i: number): Pending {
  const p = q[i];
  if (p === undefined) return internalError(`waiting segment ${i} of ${q.length}`);
  return p;
}
