/**
 * The handshake: a SYN never answered (syn-no-synack), a SYN-ACK never
 * acknowledged (synack-no-ack), a handshake that completed only after a SYN
 * or SYN-ACK was resent (handshake-retransmitted), a SYN with data and no
 * Fast Open (syn-with-data), and a capture that starts after the handshake
 * (midstream-start). The absence kinds wait for their threshold and stand
 * only where the capture would have seen the answer (SPEC.md "Evidence").
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import type { AnomalyReport } from '../model/report.js';
import type { SegInfo } from '../tcp/classify.js';
import {
  CLIENT,
  type Connection,
  SERVER,
  SIDE_NAMES,
  type Side,
  type TransitionRecord,
} from '../tcp/connection.js';
import { hostHash } from '../tcp/flow-table.js';
import { seqAdd, seqGe } from '../tcp/seq.js';
import { State } from '../model/states.js';
import {
  Deadlines,
  type ConnDet,
  type DetectContext,
  type DetectorFamily,
  type DueEntry,
  endpointName,
  fmtSeconds,
  openAnomaly,
  sideOf,
} from './context.js';

/** Does a segment from the server answer the client's SYN: a RST, or an acknowledgement of the SYN? */
function answersSyn(conn: Connection, seg: Segment): boolean {
  const f = seg.flags;
  if ((f & TcpFlag.RST) !== 0) return true;
  const c = conn.client;
  return (f & TcpFlag.ACK) !== 0 && c.hasIsn && seg.ack === seqAdd(c.isn, 1);
}

/** The peer of `side` gave up on the handshake and started a new connection on the 4-tuple (Tracker.startedOver). */
function peerStartedOver(conn: Connection, side: Side): boolean {
  return side === CLIENT ? conn.serverStartedOver : conn.clientStartedOver;
}

/** Why a synack-no-ack of `side` is withheld or withdrawn when its peer started over. */
function peerLeftReason(side: Side): string {
  return `the ${SIDE_NAMES[1 - side]} gave up on this handshake: it started a new connection on the same 4-tuple with a new ISN`;
}

export class HandshakeDetectors implements DetectorFamily {
  readonly kinds = [
    'syn-no-synack',
    'synack-no-ack',
    'handshake-retransmitted',
    'syn-with-data',
    'midstream-start',
  ] as const;
  private readonly synWait: Deadlines;
  private readonly synackWait: Deadlines;

  constructor(private readonly x: DetectContext) {
    this.synWait = new Deadlines(x.s.synTimeout);
    this.synackWait = new Deadlines(x.s.synackTimeout);
  }

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    const side = info.side;
    const f = seg.flags;
    if (info.opened && conn.midstream) {
      this.x.raise(
        conn,
        null,
        'midstream-start',
        seg.ts,
        seg.frame,
        'the capture starts after the handshake: picked up as ESTABLISHED',
        {},
      );
    }
    // The server answered the SYN after syn-no-synack was raised (its SYN-ACK
    // may still be on its way to the client): the diagnosis was wrong.
    if (side !== CLIENT && conn.anomalies.length > 0 && answersSyn(conn, seg)) this.answered(conn);
    // So was a client's RST at its ISN + 1 without ACK: a TCP resets from
    // SYN_SENT (or, having given up, from CLOSED) only in answer to a segment
    // acknowledging its SYN (RFC 9293 3.10.7.3: seq = SEG.ACK), a SYN-ACK the capture missed.
    if (
      side === CLIENT &&
      (f & (TcpFlag.RST | TcpFlag.ACK)) === TcpFlag.RST &&
      conn.anomalies.length > 0 &&
      conn.client.hasIsn &&
      seg.seq === seqAdd(conn.client.isn, 1)
    )
      this.answered(conn);
    if ((f & TcpFlag.SYN) === 0) return;
    if ((f & TcpFlag.ACK) === 0) {
      // Absence waits for its threshold (SPEC.md "Evidence"): a SYN resent
      // and then answered is no syn-no-synack.
      if (!info.retransmission && side === CLIENT) this.x.schedule(this.synWait, conn, CLIENT, seg.ts);
      if (seg.payloadLen > 0 && !seg.tfo) {
        this.x.raise(
          conn,
          side,
          'syn-with-data',
          seg.ts,
          seg.frame,
          `SYN from the ${SIDE_NAMES[side]} carried ${seg.payloadLen} bytes without a TCP Fast Open option`,
          { bytes: seg.payloadLen },
        );
      }
    } else if (!info.retransmission) {
      this.x.schedule(this.synackWait, conn, side, seg.ts);
    } else if (
      conn.endpoint(side).state === State.SYN_RECEIVED &&
      seg.ts >= (conn.synAckTs || seg.ts) + this.x.s.synackTimeout &&
      !conn.anomalies.includes('synack-no-ack')
    ) {
      // A SYN-ACK resent past the wait by an endpoint that was taken as
      // ESTABLISHED when the wait ended (an ACK taken as delivered, which
      // this resend shows never arrived): judged now.
      if (!conn.oneWay && !peerStartedOver(conn, side)) this.synackNoAck(conn, side, seg.ts, seg.frame);
    }
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    // A SYN answered after all (a SYN-ACK, a SYN, or a refusing RST) is no
    // syn-no-synack (issue 19 item 5): the slow setup is
    // handshake-retransmitted (below), the refusal connection-refused.
    if (
      rec.side === CLIENT &&
      rec.from === State.SYN_SENT &&
      (rec.to !== State.CLOSED || conn.server.rstSent)
    )
      this.answered(conn);
    // Likewise a SYN-ACK whose final ACK came after all: when it arrived
    // before the diagnosis (an ACK taken as delivered once the wait for a
    // resend was over), or when no ACK of it was captured before the
    // diagnosis (the capture, not the path, missed it). The slow setup is
    // handshake-retransmitted. ACKs captured that reached it only after
    // the diagnosis showed loss on the path: that synack-no-ack stays.
    if (rec.from === State.SYN_RECEIVED && rec.to === State.ESTABLISHED) {
      const a = openAnomaly(conn, 'synack-no-ack', rec.side);
      if (a !== undefined && (rec.t < a.t || a.details?.ackSeen === false)) this.x.retract(conn, a);
    }
    // A handshake that completed only after a SYN or SYN-ACK was resent.
    if (
      rec.side === CLIENT &&
      rec.to === State.ESTABLISHED &&
      !conn.midstream &&
      conn.synTs > 0 &&
      conn.client.synRetransmissions + conn.server.synRetransmissions > 0
    ) {
      const c = conn.client;
      const sv = conn.server;
      const delay = rec.t - conn.synTs;
      // A SYN on a 4-tuple the server still held met that connection (a
      // challenge ACK, RFC 5961 4.2, which the client resets): resent, not lost.
      const why =
        conn.supersedes !== null && conn.supersedes.client.packets > 0 && conn.supersedes.server.packets > 0
          ? 'the first SYN met the connection the server still held on this 4-tuple'
          : 'a lost SYN or SYN-ACK';
      this.x.raise(
        conn,
        CLIENT,
        'handshake-retransmitted',
        rec.t,
        rec.frame,
        `connection setup took ${fmtSeconds(delay)}: ${c.synRetransmissions} SYN and ${sv.synRetransmissions} SYN-ACK retransmission${c.synRetransmissions + sv.synRetransmissions === 1 ? '' : 's'} (${why})`,
        { delay, synRetransmissions: c.synRetransmissions, synackRetransmissions: sv.synRetransmissions },
      );
    }
  }

  /** The deadlines due by `now`. */
  tick(now: number, e: DueEntry): void {
    const x = this.x;
    while (this.synWait.take(now, e)) {
      const c = e.conn;
      // A client that gave up and started over from the same port (a new ISN) waited in vain all the same.
      if ((c.client.state !== State.SYN_SENT && !c.clientStartedOver) || c.server.packets > 0) continue;
      // Only the client's own retransmissions prove it got no answer: a SYN
      // never resent may have had its SYN-ACK (not captured), or come from no
      // real TCP (a scan, a spoofed source). A client whose first
      // retransmission is still to come (Windows waits 3 s) is looked at once
      // more, a timeout later.
      if (c.client.synRetransmissions > 0) this.synNoSynack(c, e.at, x.lastFrame);
      else if (e.since === c.synTs) x.schedule(this.synWait, c, CLIENT, e.at);
      else
        x.withhold(
          c,
          CLIENT,
          'syn-no-synack',
          e.at,
          x.senders?.(hostHash(c.server, c.ipVersion)) === false
            ? `no packet from ${endpointName(c.server, c.ipVersion)} is in the capture at all, and the client never resent its SYN: the answer may just not have been captured`
            : 'the client never resent its SYN: it may have had an answer the capture missed, or be no real TCP (a scan, a spoofed source)',
        );
    }
    while (this.synackWait.take(now, e)) {
      const c = e.conn;
      const ep = c.endpoint(e.side);
      if (ep.state !== State.SYN_RECEIVED || ep.stateless) continue;
      // Its own SYN-ACK retransmissions prove it got no final ACK; unless
      // the peer had given up on the handshake (its new SYN, a new ISN): that
      // is why, and no fault of the path.
      const peerLeft = peerStartedOver(c, e.side);
      // A capture that missed the SYN this SYN-ACK answers cannot vouch for
      // the final ACK's absence either.
      const synMissed = c.synTs === 0;
      if (ep.synRetransmissions > 0 && !c.oneWay && !peerLeft && !synMissed)
        this.synackNoAck(c, e.side, e.at, x.lastFrame);
      else
        x.withhold(
          c,
          e.side,
          'synack-no-ack',
          e.at,
          peerLeft
            ? peerLeftReason(e.side)
            : c.oneWay
              ? 'the capture holds one direction of this connection only'
              : synMissed && ep.synRetransmissions > 0
                ? 'the capture missed the SYN it answers, so it may have missed the final ACK too'
                : 'it never resent its SYN-ACK, so the final ACK may have arrived uncaptured',
        );
    }
  }

  /** The earliest deadline. */
  get next(): number {
    return Math.min(this.synWait.next, this.synackWait.next);
  }

  forget(gone: ReadonlySet<Connection>): void {
    this.synWait.forget(gone);
    this.synackWait.forget(gone);
  }

  update(conn: Connection, _d: ConnDet, a: AnomalyReport, end: number): void {
    const side = sideOf(a);
    const ep = conn.endpoint(side);
    if (a.kind === 'syn-no-synack') {
      if (conn.client.state === State.SYN_SENT) {
        a.message = this.synMessage(conn, end);
        a.details = { synRetransmissions: ep.synRetransmissions, waited: end - conn.synTs };
      }
    } else if (a.kind === 'synack-no-ack') {
      a.message = this.synackMessage(conn, side, ep.state === State.SYN_RECEIVED ? end : conn.end);
      a.details = { ...a.details, synackRetransmissions: ep.synRetransmissions };
    }
  }

  /**
   * A new connection took the 4-tuple over: where its SYN's sender gave up
   * on the old handshake (a new ISN), a synack-no-ack raised on its peer
   * before that SYN came has its reason: the peer had left, no fault of the
   * path.
   */
  portReuse(previous: Connection): void {
    for (const side of [CLIENT, SERVER] as const) {
      if (!peerStartedOver(previous, side)) continue;
      const a = openAnomaly(previous, 'synack-no-ack', side);
      if (a !== undefined) this.x.withdraw(previous, a, peerLeftReason(side));
    }
  }

  /** The client's SYN got its answer: a syn-no-synack raised on the wait for it leaves the report. */
  private answered(conn: Connection): void {
    const a = openAnomaly(conn, 'syn-no-synack', CLIENT);
    if (a !== undefined) this.x.retract(conn, a);
  }

  private synNoSynack(conn: Connection, t: number, frame: number): void {
    const c = conn.client;
    this.x.raise(conn, CLIENT, 'syn-no-synack', t, frame, this.synMessage(conn, t), {
      synRetransmissions: c.synRetransmissions,
      waited: t - conn.synTs,
    });
  }

  private synMessage(conn: Connection, t: number): string {
    const c = conn.client;
    return `SYN to ${endpointName(conn.server, conn.ipVersion)} got neither SYN-ACK nor RST: ${c.synRetransmissions} retransmission${c.synRetransmissions === 1 ? '' : 's'} over ${fmtSeconds(Math.max(0, t - conn.synTs))}`;
  }

  private synackNoAck(conn: Connection, side: Side, t: number, frame: number): void {
    const ep = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    this.x.raise(conn, side, 'synack-no-ack', t, frame, this.synackMessage(conn, side, t), {
      synackRetransmissions: ep.synRetransmissions,
      ackSeen: peer.ackKnown && ep.hasIsn && seqGe(peer.lastAck, ep.isn + 1),
    });
  }

  private synackMessage(conn: Connection, side: Side, t: number): string {
    const ep = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    const since = conn.synAckTs || t;
    const acked = peer.ackKnown && ep.hasIsn && seqGe(peer.lastAck, ep.isn + 1);
    // An endpoint past SYN_RECEIVED got the final ACK in the end (a later resend of it arrived).
    const seen =
      !ep.stateless && ep.state !== State.SYN_RECEIVED && ep.state !== State.CLOSED
        ? `the final ACK reached it only later`
        : acked
          ? `ACKs from the ${SIDE_NAMES[1 - side]} were captured but did not reach it`
          : peer.packets > 0
            ? 'no final ACK seen'
            : `no packet from the ${SIDE_NAMES[1 - side]} was captured after its SYN`;
    return `${endpointName(ep, conn.ipVersion)} sent SYN-ACK ${ep.synRetransmissions + 1} time${ep.synRetransmissions ? 's' : ''} over ${fmtSeconds(Math.max(0, t - since))}: ${seen}`;
  }
}
