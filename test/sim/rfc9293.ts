/**
 * The eleven connection states and the state changes a real TCP can make, from
 * RFC 9293 section 3.3.2 (Figure 5) and the event processing of section 3.10,
 * written here independently of the tracker (src/tcp/) so that the oracle can
 * judge the tracker's `transitions`.
 */
export const STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;
export type St = (typeof STATES)[number];

/**
 * from -> the states it may move to. Every synchronized or half-synchronized
 * state may also go to CLOSED (a RST received, ABORT, a user or retransmission
 * timeout: section 3.10.7.4 "second, check the RST bit", 3.10.5, 3.8.3), which
 * is added below rather than written in each row.
 */
const TABLE: Record<St, St[]> = {
  // Passive OPEN; active OPEN (3.10.1). A connection's server endpoint is the
  // new TCB a listener makes for a SYN (3.10.7.2): the report follows that
  // endpoint, not the listening socket, so it is born in SYN_RECEIVED.
  CLOSED: ['LISTEN', 'SYN_SENT', 'SYN_RECEIVED'],
  // rcv SYN (3.10.7.2); SEND on a listening socket turns it active; CLOSE.
  LISTEN: ['SYN_RECEIVED', 'SYN_SENT'],
  // rcv SYN,ACK; rcv SYN alone (simultaneous open, 3.5 Figure 8).
  SYN_SENT: ['ESTABLISHED', 'SYN_RECEIVED'],
  // rcv ACK of SYN; CLOSE (3.10.4: "queue a FIN ... enter FIN-WAIT-1");
  // RST of a passive open returns to LISTEN (3.10.7.4); rcv FIN (eighth step).
  SYN_RECEIVED: ['ESTABLISHED', 'FIN_WAIT_1', 'LISTEN', 'CLOSE_WAIT'],
  // CLOSE; rcv FIN.
  ESTABLISHED: ['FIN_WAIT_1', 'CLOSE_WAIT'],
  // ACK of our FIN; rcv FIN (simultaneous close, Figure 13); FIN + ACK of our FIN at once.
  FIN_WAIT_1: ['FIN_WAIT_2', 'CLOSING', 'TIME_WAIT'],
  // rcv FIN.
  FIN_WAIT_2: ['TIME_WAIT'],
  // CLOSE.
  CLOSE_WAIT: ['LAST_ACK'],
  // ACK of our FIN.
  CLOSING: ['TIME_WAIT'],
  // ACK of our FIN (to CLOSED, added below).
  LAST_ACK: [],
  // 2 MSL timeout (to CLOSED, added below). A retransmitted FIN restarts the
  // 2 MSL timeout (3.10.7.4, eighth step): the one event that may be listed
  // without a change of state. A new SYN taking the 4-tuple over (RFC 6191,
  // Linux) starts another incarnation: a new connection in the report.
  TIME_WAIT: ['TIME_WAIT'],
};

const LEGAL = new Set<string>();
for (const from of STATES) {
  for (const to of TABLE[from]) LEGAL.add(`${from}>${to}`);
  if (from !== 'CLOSED') LEGAL.add(`${from}>CLOSED`);
}

/** True when RFC 9293 allows an endpoint in `from` to move to `to`. */
export function legalTransition(from: string, to: string): boolean {
  return LEGAL.has(`${from}>${to}`);
}
