/**
 * One test per cell of the state machine's table (src/tcp/transitions.ts):
 * 11 states x 11 events. The expectations are written here from RFC 9293
 * (3.3.2 figure 5, 3.10 event processing), as the list of state changes a
 * TCP makes, the list of events a correct TCP does not send in its state,
 * and "no change" everywhere else, not copied from the table.
 */
import { describe, expect, it } from 'vitest';
import { State, STATE_NAMES } from '../../src/model/states.js';
import { Ev, IMPOSSIBLE, isLegalTransition, NO_CHANGE, nextState } from '../../src/tcp/transitions.js';
import { must } from '../../src/model/checked.js';

type EvName = keyof typeof Ev;
// Enums map values back to names too: the names only.
const EVENTS = Object.keys(Ev).filter((k) => Number.isNaN(Number(k))) as EvName[];
const STATES = Object.keys(State).filter((k) => Number.isNaN(Number(k))) as (keyof typeof State)[];

const {
  CLOSED,
  LISTEN,
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

/** Every state change, with the RFC's reason. */
const CHANGES: [State, EvName, State, string][] = [
  [CLOSED, 'SND_SYN', SYN_SENT, 'active open: connect() sends a SYN'],
  [CLOSED, 'SND_SYNACK', SYN_RECEIVED, 'passive open: the listener answers a SYN'],
  [LISTEN, 'SND_SYN', SYN_SENT, 'RFC 793 "send" on a listening socket'],
  [LISTEN, 'SND_SYNACK', SYN_RECEIVED, 'the listener answers a SYN'],
  [SYN_SENT, 'SND_SYNACK', SYN_RECEIVED, 'simultaneous open: answers the crossing SYN'],
  [SYN_SENT, 'SND_RST', CLOSED, 'abort'],
  [SYN_SENT, 'RCV_SYN', SYN_RECEIVED, 'simultaneous open: the peer SYN crossed ours'],
  [SYN_SENT, 'RCV_SYNACK', ESTABLISHED, 'the handshake: a SYN-ACK of our SYN'],
  [SYN_SENT, 'RCV_RST', CLOSED, 'connection refused'],
  [SYN_SENT, 'GONE', CLOSED, 'gave up (SYN retries exhausted)'],
  [SYN_RECEIVED, 'SND_FIN', FIN_WAIT_1, 'close() before the handshake completed (3.10.4)'],
  [SYN_RECEIVED, 'SND_RST', CLOSED, 'abort'],
  [SYN_RECEIVED, 'RCV_SYNACK', ESTABLISHED, 'simultaneous open: the peer SYN-ACK acknowledges ours'],
  [SYN_RECEIVED, 'RCV_ACK_SYN', ESTABLISHED, 'the final ACK of the handshake'],
  [SYN_RECEIVED, 'RCV_FIN', CLOSE_WAIT, 'a FIN in SYN-RECEIVED (3.10.7.4)'],
  [SYN_RECEIVED, 'RCV_RST', CLOSED, 'back to LISTEN, which for this 4-tuple is CLOSED'],
  [SYN_RECEIVED, 'GONE', CLOSED, 'no request socket (SYN cookies), or SYN-ACK retries exhausted'],
  [ESTABLISHED, 'SND_FIN', FIN_WAIT_1, 'active close'],
  [ESTABLISHED, 'SND_RST', CLOSED, 'abort'],
  [ESTABLISHED, 'RCV_FIN', CLOSE_WAIT, 'passive close: the application reads EOF'],
  [ESTABLISHED, 'RCV_RST', CLOSED, 'reset by the peer'],
  [ESTABLISHED, 'GONE', CLOSED, 'retries exhausted, TCP_USER_TIMEOUT'],
  [FIN_WAIT_1, 'SND_RST', CLOSED, 'abort'],
  [FIN_WAIT_1, 'RCV_ACK_FIN', FIN_WAIT_2, 'our FIN acknowledged'],
  [FIN_WAIT_1, 'RCV_FIN', CLOSING, 'simultaneous close (figure 13)'],
  [FIN_WAIT_1, 'RCV_RST', CLOSED, 'reset by the peer'],
  [FIN_WAIT_1, 'GONE', CLOSED, 'FIN retries exhausted'],
  [FIN_WAIT_2, 'SND_RST', CLOSED, 'abort'],
  [FIN_WAIT_2, 'RCV_FIN', TIME_WAIT, 'the peer closes too'],
  [FIN_WAIT_2, 'RCV_RST', CLOSED, 'reset by the peer'],
  [FIN_WAIT_2, 'GONE', CLOSED, 'orphan FIN_WAIT_2 timeout (tcp_fin_timeout)'],
  [CLOSE_WAIT, 'SND_FIN', LAST_ACK, 'the application calls close()'],
  [CLOSE_WAIT, 'SND_RST', CLOSED, 'abort'],
  [CLOSE_WAIT, 'RCV_RST', CLOSED, 'reset by the peer'],
  [CLOSE_WAIT, 'GONE', CLOSED, 'the socket went away without a segment'],
  [CLOSING, 'SND_RST', CLOSED, 'abort'],
  [CLOSING, 'RCV_ACK_FIN', TIME_WAIT, 'our FIN acknowledged in a simultaneous close'],
  [CLOSING, 'RCV_RST', CLOSED, 'reset by the peer'],
  [CLOSING, 'GONE', CLOSED, 'FIN retries exhausted'],
  [LAST_ACK, 'SND_RST', CLOSED, 'abort'],
  [LAST_ACK, 'RCV_ACK_FIN', CLOSED, 'the last ACK: the TCB is deleted'],
  [LAST_ACK, 'RCV_RST', CLOSED, 'reset by the peer'],
  [LAST_ACK, 'GONE', CLOSED, 'FIN retries exhausted'],
  [TIME_WAIT, 'SND_RST', CLOSED, 'abort'],
  [TIME_WAIT, 'RCV_FIN', TIME_WAIT, 'a retransmitted FIN restarts the 2 MSL timer'],
  [TIME_WAIT, 'RCV_RST', CLOSED, 'TIME_WAIT assassination (Linux without tcp_rfc1337)'],
  [TIME_WAIT, 'GONE', CLOSED, '2 x MSL elapsed, or a new SYN took the 4-tuple over'],
];

/** A correct TCP does not send these in these states: after its SYN is acknowledged it never sends another. */
const IMPOSSIBLES: [State, EvName][] = [
  [ESTABLISHED, 'SND_SYN'],
  ...[FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT].flatMap((s): [State, EvName][] => [
    [s, 'SND_SYN'],
    [s, 'SND_SYNACK'],
  ]),
];

function expected(s: State, ev: EvName): { to: number; why: string } {
  const c = CHANGES.find(([from, e]) => from === s && e === ev);
  if (c) return { to: c[2], why: c[3] };
  if (IMPOSSIBLES.some(([from, e]) => from === s && e === ev)) return { to: IMPOSSIBLE, why: 'never sent' };
  return { to: NO_CHANGE, why: 'a retransmission, a duplicate or a stray segment changes nothing' };
}

function name(to: number): string {
  return to === NO_CHANGE
    ? 'no change'
    : to === IMPOSSIBLE
      ? 'should not happen'
      : must(STATE_NAMES[to], 'STATE_NAMES[to]');
}

describe('the transition table, cell by cell', () => {
  it('has 11 states and 11 events', () => {
    expect(STATES).toHaveLength(11);
    expect(EVENTS).toHaveLength(11);
  });

  for (const sName of STATES) {
    const s = State[sName];
    describe(sName, () => {
      for (const ev of EVENTS) {
        const { to, why } = expected(s, ev);
        it(`${ev} -> ${name(to)} (${why})`, () => {
          expect(name(nextState(s, Ev[ev]))).toBe(name(to));
          if (to >= 0) expect(isLegalTransition(s, to)).toBe(true);
        });
      }
    });
  }
});
