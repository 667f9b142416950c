/**
 * Resets: a SYN answered with RST (connection-refused), a client that resets
 * after the SYN-ACK because it had given up (handshake-aborted), a RST the
 * receiver ignores (rst-out-of-window), an abortive close after a completed
 * exchange (client-abort), and every other reset of a synchronized
 * connection (mid-stream-rst).
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import type { SegInfo } from '../tcp/classify.js';
import { CLIENT, type Connection, type Endpoint, SERVER, SIDE_NAMES, type Side } from '../tcp/connection.js';
import { seqDiff, seqGe } from '../tcp/seq.js';
import { STATE_NAMES, State } from '../model/states.js';
import { type DetectContext, type DetectorFamily, endpointName, fmtSeconds } from './context.js';

/** Bytes `from` sent that `to` has not acknowledged; an unacknowledged FIN takes a sequence number but is no data. */
function unacked(from: Endpoint, to: Endpoint): number {
  if (!from.seqKnown || !to.ackKnown) return 0;
  const fin = from.finSent && seqGe(from.finSeq, to.lastAck) ? 1 : 0;
  return Math.max(0, seqDiff(from.sndNxt, to.lastAck) - fin);
}

/** A state in which both ends have exchanged sequence numbers and the connection is not over. */
function synchronized(st: State): boolean {
  return st >= State.ESTABLISHED && st !== State.TIME_WAIT;
}

export class ResetDetectors implements DetectorFamily {
  readonly kinds = [
    'connection-refused',
    'handshake-aborted',
    'rst-out-of-window',
    'client-abort',
    'mid-stream-rst',
  ] as const;

  constructor(private readonly x: DetectContext) {}

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    if ((seg.flags & TcpFlag.RST) === 0) return;
    const side = info.side;
    const rcvSide = (1 - side) as Side;
    const sndBefore = side === CLIENT ? info.clientBefore : info.serverBefore;
    const rcvBefore = side === CLIENT ? info.serverBefore : info.clientBefore;
    if (!info.rstAcceptable) {
      if (rcvBefore !== State.CLOSED && rcvBefore !== State.LISTEN) {
        const rcv = conn.endpoint(rcvSide);
        const off = rcv.ackKnown ? seqDiff(seg.seq, rcv.lastAck) : 0;
        this.x.raise(
          conn,
          side,
          'rst-out-of-window',
          seg.ts,
          seg.frame,
          `RST from the ${SIDE_NAMES[side]} with sequence number ${off >= 0 ? '+' : ''}${off} from the receiver's next expected, outside its window: ignored by the receiver`,
          { offset: off },
        );
      }
      return;
    }
    if (side === SERVER && rcvBefore === State.SYN_SENT) {
      // An acceptable RST in SYN_SENT acknowledges the client's SYN: refused.
      this.x.raise(
        conn,
        SERVER,
        'connection-refused',
        seg.ts,
        seg.frame,
        `${endpointName(conn.server, conn.ipVersion)} answered the SYN with RST`,
        {},
      );
    }
    if (side === CLIENT && sndBefore === State.SYN_SENT && conn.server.synAckSent) {
      this.x.raise(
        conn,
        CLIENT,
        'handshake-aborted',
        seg.ts,
        seg.frame,
        `${endpointName(conn.client, conn.ipVersion)} answered the SYN-ACK with RST ${fmtSeconds(Math.max(0, seg.ts - conn.synTs))} after its first SYN: it had given up on the connection`,
        { waited: seg.ts - conn.synTs },
      );
      return;
    }
    if (!synchronized(sndBefore) && !synchronized(rcvBefore)) return;
    const snd = conn.endpoint(side);
    const rcv = conn.endpoint(rcvSide);
    // Data in flight: sent but not (yet) acknowledged by the peer, in either direction.
    const inFlightFromSender = unacked(snd, rcv);
    const inFlightToSender = unacked(rcv, snd);
    const inFlight = inFlightFromSender + inFlightToSender;
    const who = endpointName(snd, conn.ipVersion);
    const flight = inFlight > 0 ? `${inFlight} bytes unacknowledged in flight` : 'no data in flight';
    // A TIME_WAIT socket answers a FIN with an ACK; a RST from "TIME_WAIT" means
    // the endpoint held no socket any more: Linux drops an orphaned FIN_WAIT_2
    // after net.ipv4.tcp_fin_timeout, and the peer's late FIN then meets a RST.
    // From CLOSED: it had dropped the connection (a crash, a restart, a new
    // connection on the 4-tuple) and answers the peer's segment with RST.
    const noSocket =
      sndBefore === State.TIME_WAIT
        ? " (it held no socket any more: its FIN_WAIT_2 had been dropped, as after tcp_fin_timeout, before the peer's FIN came)"
        : sndBefore === State.CLOSED
          ? ' (it held no socket for this connection any more, as after a crash or a restart, and answered the peer with RST: the peer had a half-open connection)'
          : '';
    // A client's abortive close (SO_LINGER 0) after a completed exchange: it sent
    // a request, got an answer, everything was acknowledged both ways (kinds.ts).
    const clientAbort =
      side === CLIENT &&
      inFlight === 0 &&
      (sndBefore === State.ESTABLISHED || sndBefore === State.CLOSE_WAIT) &&
      snd.bytes > 0 &&
      rcv.bytes > 0;
    this.x.raise(
      conn,
      side,
      clientAbort ? 'client-abort' : 'mid-stream-rst',
      seg.ts,
      seg.frame,
      clientAbort
        ? `${who} (client, ${STATE_NAMES[sndBefore]}) reset the connection after a completed exchange (${snd.bytes} bytes sent, ${rcv.bytes} received, all acknowledged): an abortive close`
        : `${who} (${SIDE_NAMES[side]}, ${STATE_NAMES[sndBefore]}) reset the connection; peer was ${STATE_NAMES[rcvBefore]}; ${flight}; ${snd.bytes + rcv.bytes} bytes exchanged${noSocket}`,
      {
        senderState: STATE_NAMES[sndBefore],
        receiverState: STATE_NAMES[rcvBefore],
        inFlight,
        unreadBySender: inFlightToSender,
      },
    );
  }
}
