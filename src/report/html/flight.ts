/**
 * When each segment left its sender and reached its receiver, estimated from
 * where the capture was taken (the connection's `vantage`) and the round-trip
 * time. The capture saw a segment once, at the capture point: next to the
 * client, a client segment is seen as it leaves and a server segment as it
 * arrives; in between (or unknown), half the one-way delay lies on each side;
 * with both on the capturing host (local), none.
 * The one-way delay is half the handshake RTT (SYN to final ACK, which spans
 * one round trip from any capture point), or half the smallest data-to-ACK
 * time when the handshake was not seen.
 *
 * Causality bounds the estimates: an endpoint cannot acknowledge a segment
 * before it has arrived, so where a fixed delay would put an ACK's departure
 * before the arrival of what it acknowledges, both delays shrink to fit.
 * Segments retransmitted with no acknowledgement in between are marked lost
 * (presumed), unless the capture was taken at their receiver, which saw them.
 */
import { seqSpace, type Vantage, type ViewConn, type ViewRow } from './types.js';
import { at } from '../../model/checked.js';

export interface Flight {
  /** Seconds since the connection's first segment. */
  send: number;
  arrive: number;
  /** Presumed lost after the capture point: retransmitted before any acknowledgement. */
  lost: boolean;
}

export interface Flights {
  flights: Flight[];
  /** One-way delay used (seconds), and where it came from. */
  owd: number;
  basis: 'handshake' | 'data' | 'none';
  vantage: Vantage;
}

/** Half the smallest time from a data segment to the first ACK covering it (Karn: not retransmitted). */
function minRttFromData(rows: ViewRow[]): number | null {
  let best: number | null = null;
  const pending: [number[], number[]] = [[], []];
  for (let i = 0; i < rows.length; i++) {
    const r = at(rows, i);
    const d = r.dir === 'c2s' ? 0 : 1;
    if (seqSpace(r) > 0 && !r.retransmission) pending[d].push(i);
    if (!r.flags.includes('.')) continue;
    const peer = at(pending, 1 - d);
    while (peer.length > 0) {
      const p = at(rows, at(peer, 0));
      if (p.relSeq + seqSpace(p) > r.relAck) break;
      peer.shift();
      const rtt = r.rel - p.rel;
      if (rtt > 0 && (best === null || rtt < best)) best = rtt;
    }
  }
  return best;
}

/** Send and arrival time of every row. */
export function estimateFlights(conn: Pick<ViewConn, 'handshakeRtt' | 'vantage'>, rows: ViewRow[]): Flights {
  const vantage: Vantage = conn.vantage ?? 'unknown';
  let owd = 0;
  let basis: Flights['basis'] = 'none';
  if (conn.handshakeRtt !== null && conn.handshakeRtt > 0) {
    owd = conn.handshakeRtt / 2;
    basis = 'handshake';
  } else {
    const rtt = minRttFromData(rows);
    if (rtt !== null) {
      owd = rtt / 2;
      basis = 'data';
    }
  }
  // Time before the capture point (since sending) and after it (until arrival).
  const before = new Float64Array(rows.length);
  const after = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const fromClient = at(rows, i).dir === 'c2s';
    if (vantage === 'client') {
      before[i] = fromClient ? 0 : owd;
      after[i] = fromClient ? owd : 0;
    } else if (vantage === 'server') {
      before[i] = fromClient ? owd : 0;
      after[i] = fromClient ? 0 : owd;
    } else if (vantage === 'local') {
      // Both endpoints on the capturing host: a segment is in flight for no time.
      before[i] = 0;
      after[i] = 0;
    } else {
      before[i] = owd / 2;
      after[i] = owd / 2;
    }
  }
  // Causality: the first segment to acknowledge P leaves after P arrived.
  const unacked: [number[], number[]] = [[], []];
  for (let i = 0; i < rows.length; i++) {
    const r = at(rows, i);
    const d = r.dir === 'c2s' ? 0 : 1;
    if (r.flags.includes('.')) {
      const peer = at(unacked, 1 - d);
      for (let j = peer[0]; j !== undefined; j = peer[0]) {
        const p = at(rows, j);
        if (p.relSeq + seqSpace(p) > r.relAck) break;
        peer.shift();
        const gap = Math.max(0, r.rel - p.rel);
        const need = at(after, j) + at(before, i);
        if (need > gap) {
          const k = need > 0 ? gap / need : 0;
          after[j] = at(after, j) * k;
          before[i] = at(before, i) * k;
        }
      }
    }
    if (seqSpace(r) > 0) unacked[d].push(i);
  }
  // One direction arrives in the order it was captured (no reordering is drawn):
  // an arrival later than the next one's comes forward (shorter flights keep causality).
  const nextArrive = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = at(rows, i);
    const d = r.dir === 'c2s' ? 0 : 1;
    if (r.rel + at(after, i) > at(nextArrive, d)) after[i] = Math.max(0, at(nextArrive, d) - r.rel);
    nextArrive[d] = r.rel + at(after, i);
  }
  // One sender sends in the order the capture saw (so none leaves before an
  // earlier segment of its own that had to wait for an arrival).
  const lastSend = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const flights: Flight[] = rows.map((r, i) => {
    const d = r.dir === 'c2s' ? 0 : 1;
    const send = Math.max(r.rel - at(before, i), at(lastSend, d));
    lastSend[d] = send;
    return { send, arrive: r.rel + at(after, i), lost: false };
  });
  markLost(rows, flights, vantage);
  return { flights, owd, basis, vantage };
}

/**
 * A segment resent (same direction, same first sequence number) before any ACK
 * from the peer covered it was lost on its way, or its ACK was: drawn as lost
 * unless the capture point is at its receiver (which then saw it arrive).
 */
const LOST_LOOKAHEAD = 2000;

function markLost(rows: ViewRow[], flights: Flight[], vantage: Vantage): void {
  for (let i = 0; i < rows.length; i++) {
    const r = at(rows, i);
    if (seqSpace(r) === 0) continue;
    const receiverSide = r.dir === 'c2s' ? 'server' : 'client';
    if (vantage === receiverSide) continue;
    // Bounded look-ahead: a connection whose peer never acknowledges (one-way) stays linear.
    for (let j = i + 1; j < rows.length && j < i + LOST_LOOKAHEAD; j++) {
      const q = at(rows, j);
      if (q.dir !== r.dir) {
        if (q.flags.includes('.') && q.relAck > r.relSeq) break;
        continue;
      }
      if (q.retransmission && q.relSeq === r.relSeq) {
        at(flights, i).lost = true;
        break;
      }
    }
  }
}
