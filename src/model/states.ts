/**
 * RFC 793 / RFC 9293 section 3.3.2 connection states, as numbers for the hot
 * path. An enum, not a union of number literals: Zeek's endpoint states
 * (zeek/endpoint.ts ZeekTcpState, where CLOSED is 5) are numbers in the same
 * range, and only distinct declarations keep one from being passed for the
 * other (test/model/state-types.test.ts).
 */
export enum State {
  CLOSED = 0,
  LISTEN = 1,
  SYN_SENT = 2,
  SYN_RECEIVED = 3,
  ESTABLISHED = 4,
  FIN_WAIT_1 = 5,
  FIN_WAIT_2 = 6,
  CLOSE_WAIT = 7,
  CLOSING = 8,
  LAST_ACK = 9,
  TIME_WAIT = 10,
}

/** A state in which an endpoint holds no live connection: CLOSED, TIME_WAIT, LISTEN. */
export function isTerminal(state: State): boolean {
  return state === State.CLOSED || state === State.TIME_WAIT || state === State.LISTEN;
}

/** The names in the report (SPEC.md "States"), indexed by State. */
export const STATE_NAMES = [
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
export type StateName = (typeof STATE_NAMES)[number];
