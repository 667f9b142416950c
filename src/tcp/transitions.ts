/**
 * The state machine as data: for each endpoint, the next state given its current
 * state and one event seen from that endpoint's side (a segment it sent, or a
 * segment it received). RFC 793 section 3.2 figure 6, RFC 9293 section 3.3.2 and
 * section 3.10 (event processing), seen from a passive observer.
 *
 * Every state change goes through this table (state-machine.ts). What the capture
 * did not show but must have happened (a SYN-ACK not captured but acknowledged,
 * a handshake before a mid-stream pickup) is applied as the events it implies,
 * marked inferred (state-machine.ts, delivery.ts); when a segment reached its receiver is
 * decided by the evidence of its arrival (delivery.ts).
 *
 * A received segment may carry several events; they are applied in RFC 9293's
 * order of processing (3.10.7.4): RST first, then SYN, then the ACK field
 * (ACK_SYN / ACK_FIN), then the FIN bit.
 */
import { State } from '../model/states.js';

/** The events of the table, by column. An enum: distinct from State and from Zeek's states. */
export enum Ev {
  /** Sent a SYN without ACK (active open, or its retransmission). */
  SND_SYN = 0,
  /** Sent a SYN+ACK (passive open, or simultaneous open). */
  SND_SYNACK = 1,
  /** Sent a FIN (close). */
  SND_FIN = 2,
  /** Sent a RST (abort). */
  SND_RST = 3,
  /** Received a SYN without ACK. */
  RCV_SYN = 4,
  /** Received a SYN+ACK acknowledging our SYN. */
  RCV_SYNACK = 5,
  /** Received a (non-SYN) segment whose ACK covers our SYN. */
  RCV_ACK_SYN = 6,
  /** Received a segment whose ACK covers our FIN. */
  RCV_ACK_FIN = 7,
  /** Received a FIN. */
  RCV_FIN = 8,
  /** Received an acceptable RST. */
  RCV_RST = 9,
  /**
   * Its socket went away without a segment: a timer (2 x MSL in TIME_WAIT,
   * retries exhausted), a SYN-cookie server that kept none, or a 4-tuple
   * taken over by a new connection. The caller names the cause.
   */
  GONE = 10,
}

export const EVENT_CAUSE = [
  'sent SYN',
  'sent SYN-ACK',
  'sent FIN',
  'sent RST',
  'received SYN',
  'received SYN-ACK',
  'received ACK of its SYN',
  'received ACK of its FIN',
  'received FIN',
  'received RST',
  'socket gone',
] as const;

/**
 * Causes of Ev.GONE when a new connection took the 4-tuple over before the
 * old one's end was captured: the time of such a change is a bound (by
 * then), not when it happened (detectors: how long a state lasted is not known).
 */
export const END_NOT_CAPTURED = {
  reused: 'end not captured: the 4-tuple was reused by a new connection',
  accepted: 'end not captured: it accepted a new connection on the same 4-tuple by then',
} as const;

export function isEndNotCaptured(cause: string): boolean {
  return cause === END_NOT_CAPTURED.reused || cause === END_NOT_CAPTURED.accepted;
}

/**
 * A FIN the capture missed, inferred when the peer acknowledges it
 * (Deliveries.inferFin): stamped at that acknowledgement, which may come long
 * after the FIN left, so the time is a bound too.
 */
export const FIN_NOT_CAPTURED = 'sent FIN (not captured; the peer acknowledged it)';

/** The cell's event changes nothing (a retransmission, a duplicate, a stray segment). */
export const NO_CHANGE = -1 as const;
/**
 * A correct TCP in this state does not send this (an ESTABLISHED endpoint
 * sending a SYN): the tracker's reading of the capture and the endpoint
 * disagree, so nothing changes and the tracker counts it (Tracker.unexpected).
 */
export const IMPOSSIBLE = -2 as const;
const _ = NO_CHANGE;
const X = IMPOSSIBLE;
const {
  CLOSED,
  LISTEN: LISTEN_,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT,
} = State;

/**
 * NEXT[state][event] = next state, NO_CHANGE (_) or IMPOSSIBLE (X).
 * Columns: SND_SYN SND_SYNACK SND_FIN SND_RST | RCV_SYN RCV_SYNACK RCV_ACK_SYN RCV_ACK_FIN RCV_FIN RCV_RST | GONE
 */
// The table is easier to read aligned.
// prettier-ignore
/** A cell: the next state, NO_CHANGE or IMPOSSIBLE. */
type Cell = State | typeof NO_CHANGE | typeof IMPOSSIBLE;
// Typed by State and Ev, so a missing row or cell fails to compile.
const NEXT: Readonly<Record<State, Readonly<Record<Ev, Cell>>>> = [
  /* CLOSED */ [SYN_SENT, SYN_RECEIVED, _, _, _, _, _, _, _, _, _],
  // SND_SYN: active open (connect()).  SND_SYNACK: passive open whose SYN we did not
  // capture, or a listener answering.  A SYN received by a closed endpoint changes
  // nothing until it answers (a SYN dropped by a firewall never creates a socket).
  // FIN/ACK without a handshake are mid-stream pickups (tracker special case).

  /* LISTEN */ [SYN_SENT, SYN_RECEIVED, _, _, _, _, _, _, _, _, _],
  // Same as CLOSED: LISTEN belongs to the listening socket, not to the 4-tuple;
  // SND_SYN from LISTEN is RFC 793's "send" on a listening socket (rare, e.g. FTP).

  /* SYN_SENT */ [_, SYN_RECEIVED, _, CLOSED, SYN_RECEIVED, ESTABLISHED, _, _, _, CLOSED, CLOSED],
  // SND_SYN: retransmitted SYN.  SND_SYNACK: simultaneous open, we answer the peer's
  // SYN (RFC 9293 fig. 7 line 5).  SND_FIN: close() in SYN_SENT just deletes the TCB
  // (no FIN is sent by real stacks), so a FIN here is ignored.  SND_RST: abort.
  // RCV_SYN: simultaneous open, the peer's SYN crossed ours (fig. 7 line 3).
  // RCV_SYNACK: the normal handshake (fig. 6 line 3).  RCV_RST acceptable only when
  // it acknowledges our SYN (checked by the tracker): connection refused.

  /* SYN_RECEIVED */ [_, _, FIN_WAIT_1, CLOSED, _, ESTABLISHED, ESTABLISHED, _, CLOSE_WAIT, CLOSED, CLOSED],
  // SND_SYN/SND_SYNACK: retransmissions.  SND_FIN: close() before the handshake
  // completed (RFC 9293 3.10.4).  RCV_SYN: retransmitted SYN (we re-send SYN-ACK).
  // RCV_SYNACK: simultaneous open, the peer's SYN-ACK acknowledges our SYN.
  // RCV_ACK_SYN: the final ACK of the three-way handshake.  RCV_FIN: a FIN that
  // acknowledges our SYN has already moved us to ESTABLISHED (ACK is processed
  // before FIN); one that does not is RFC 9293's SYN-RECEIVED -> CLOSE-WAIT.
  // RCV_RST: back to LISTEN for a passive open, which for this 4-tuple is CLOSED.

  /* ESTABLISHED */ [X, _, FIN_WAIT_1, CLOSED, _, _, _, _, CLOSE_WAIT, CLOSED, CLOSED],
  // SND_SYN: an established endpoint never sends a SYN (X).  SND_SYNACK: in a
  // simultaneous open, the answer to the peer's SYN that crossed the peer's
  // SYN-ACK: no change.  SND_FIN: active close.  RCV_FIN: passive close, the application gets EOF.
  // RCV_SYN in ESTABLISHED is answered by a challenge ACK (RFC 5961 4.2): no change.

  /* FIN_WAIT_1 */ [X, X, _, CLOSED, _, _, _, FIN_WAIT_2, CLOSING, CLOSED, CLOSED],
  // From here on no endpoint sends a SYN or SYN-ACK (X).  SND_FIN: retransmitted FIN.  RCV_ACK_FIN: our FIN is acknowledged.
  // RCV_FIN without the ACK of our FIN: simultaneous close (fig. 13).  A FIN that
  // also acknowledges ours arrives here as RCV_ACK_FIN then RCV_FIN: -> TIME_WAIT.

  /* FIN_WAIT_2 */ [X, X, _, CLOSED, _, _, _, _, TIME_WAIT, CLOSED, CLOSED],
  // Waiting for the peer's FIN; data may still arrive (half-close).

  /* CLOSE_WAIT */ [X, X, LAST_ACK, CLOSED, _, _, _, _, _, CLOSED, CLOSED],
  // SND_FIN: the application called close().  RCV_FIN: a retransmitted FIN.

  /* CLOSING */ [X, X, _, CLOSED, _, _, _, TIME_WAIT, _, CLOSED, CLOSED],
  // Simultaneous close: waiting for the ACK of our FIN.

  /* LAST_ACK */ [X, X, _, CLOSED, _, _, _, CLOSED, _, CLOSED, CLOSED],
  // RCV_ACK_FIN: the last ACK; the TCB is deleted.

  /* TIME_WAIT */ [X, X, _, CLOSED, _, _, _, _, TIME_WAIT, CLOSED, CLOSED],
  // RCV_FIN: a retransmitted FIN restarts the 2 MSL timer (TIME_WAIT again).  RCV_RST: Linux
  // kills a TIME_WAIT socket on RST (TIME_WAIT assassination, RFC 1337 not applied
  // unless net.ipv4.tcp_rfc1337=1).  A new SYN on the 4-tuple is port reuse (tracker).
  // GONE (last column): CLOSED from any state but CLOSED and LISTEN, which hold no
  // connection to lose.
];

/** The next state, or NO_CHANGE / IMPOSSIBLE (both negative). */
export function nextState(state: State, ev: Ev): Cell {
  return NEXT[state][ev];
}

/**
 * The state changes a TCP can make (RFC 9293 section 3.3.2, figure 5), for
 * one 4-tuple: LISTEN belongs to the listening socket, so a passive open is
 * CLOSED -> SYN_RECEIVED and its reset SYN_RECEIVED -> CLOSED; an abort or a
 * RST takes any synchronized state to CLOSED; a FIN in SYN_RECEIVED leads to
 * CLOSE_WAIT (RFC 9293 3.10.7.4); a FIN that acknowledges ours takes
 * FIN_WAIT_1 to TIME_WAIT; a retransmitted FIN restarts TIME_WAIT; an
 * orphaned FIN_WAIT_2 times out to CLOSED (Linux tcp_fin_timeout).
 */
const LEGAL: Readonly<Record<State, readonly State[]>> = [
  /* CLOSED */ [LISTEN_, SYN_SENT, SYN_RECEIVED],
  /* LISTEN */ [CLOSED, SYN_SENT, SYN_RECEIVED],
  /* SYN_SENT */ [CLOSED, SYN_RECEIVED, ESTABLISHED],
  /* SYN_RECEIVED */ [CLOSED, ESTABLISHED, FIN_WAIT_1, CLOSE_WAIT],
  /* ESTABLISHED */ [CLOSED, FIN_WAIT_1, CLOSE_WAIT],
  /* FIN_WAIT_1 */ [CLOSED, FIN_WAIT_2, CLOSING, TIME_WAIT],
  /* FIN_WAIT_2 */ [CLOSED, TIME_WAIT],
  /* CLOSE_WAIT */ [CLOSED, LAST_ACK],
  /* CLOSING */ [CLOSED, TIME_WAIT],
  /* LAST_ACK */ [CLOSED],
  /* TIME_WAIT */ [CLOSED, TIME_WAIT],
];

/** Can a TCP go from `from` to `to` in one step? */
export function isLegalTransition(from: State, to: State): boolean {
  // A number outside the table (a damaged record) is no legal step.
  return (LEGAL[from] as readonly State[] | undefined)?.includes(to) ?? false;
}
