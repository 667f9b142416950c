/**
 * The tracker's states (State), its events (Ev) and Zeek's endpoint states
 * (ZeekTcpState) are numbers in overlapping ranges: Zeek's CLOSED is 5, which
 * is our FIN_WAIT_1. They are enums of distinct declarations, so passing one
 * where another is expected does not compile. typeChecks() below is never
 * run: tsc (`npm run lint`, tsconfig.json covers test/) checks it, and fails
 * on any `@ts-expect-error` line that is no longer an error.
 *
 * What enums do not catch: a plain `number` variable is assignable to a
 * numeric enum (only out-of-range literals are refused). Values read back
 * from packed storage (tcp/connection.ts codeFrom/codeTo) come in that way.
 */
import { describe, expect, it } from 'vitest';
import { isTerminal, State, STATE_NAMES } from '../../src/model/states.js';
import type { Connection, TransitionRecord } from '../../src/tcp/connection.js';
import { Ev, isLegalTransition, nextState } from '../../src/tcp/transitions.js';
import { type Endpoint as ZeekEndpoint, ZeekTcpState } from '../../src/zeek/endpoint.js';
import type { ZeekTimers } from '../../src/zeek/settings.js';

export function typeChecks(conn: Connection, zeek: ZeekEndpoint, timers: ZeekTimers): void {
  // A Zeek state where a State is expected:
  // @ts-expect-error Zeek's CLOSED (5) is not a State
  isTerminal(ZeekTcpState.CLOSED);
  // @ts-expect-error nor in a State field
  conn.client.state = ZeekTcpState.RESET;
  // @ts-expect-error nor in a transition record
  const r: TransitionRecord['from'] = zeek.state;
  // @ts-expect-error nor as a step of the transition table
  isLegalTransition(zeek.state, State.CLOSED);

  // A State where a Zeek state is expected:
  // @ts-expect-error our CLOSED (0) is not Zeek's INACTIVE
  zeek.setState(State.CLOSED, timers);
  // @ts-expect-error nor in its field
  zeek.state = conn.server.state;

  // Events and states are not interchangeable either:
  // @ts-expect-error an Ev is not a State
  nextState(Ev.SND_FIN, Ev.RCV_FIN);
  // @ts-expect-error a State is not an Ev
  nextState(State.ESTABLISHED, State.FIN_WAIT_1);
  // @ts-expect-error a Zeek state is not an Ev
  nextState(State.ESTABLISHED, ZeekTcpState.ESTABLISHED);

  // A number literal that names no state (TypeScript 5 checks literals against the enum):
  // @ts-expect-error 11 is no State
  isTerminal(11);

  // What does compile: each where it belongs.
  isTerminal(conn.client.state);
  zeek.setState(ZeekTcpState.ESTABLISHED, timers);
  void nextState(State.ESTABLISHED, Ev.RCV_FIN);
  void r;
}

describe('State, Ev and ZeekTcpState', () => {
  it('are distinct declarations whose numbers overlap (which is why the types must differ)', () => {
    expect(typeChecks).toBeTypeOf('function');
    expect(Number(ZeekTcpState.CLOSED)).toBe(Number(State.FIN_WAIT_1));
    expect(Number(ZeekTcpState.INACTIVE)).toBe(Number(State.CLOSED));
  });

  it("name each State by the report's name for it", () => {
    for (const [i, name] of STATE_NAMES.entries()) expect(State[name]).toBe(i);
    expect(Object.keys(State).filter((k) => Number.isNaN(Number(k)))).toEqual([...STATE_NAMES]);
  });

  it('the table answers for every State and Ev', () => {
    const states = Object.values(State).filter((v): v is State => typeof v === 'number');
    const events = Object.values(Ev).filter((v): v is Ev => typeof v === 'number');
    expect(states).toHaveLength(11);
    expect(events).toHaveLength(11);
    for (const s of states) for (const e of events) expect(typeof nextState(s, e)).toBe('number');
  });
});
