/**
 * port-reuse-time-wait when the endpoint in TIME_WAIT is the previous
 * connection's client: the old server opens toward it on the same 4-tuple
 * (src/detect/hosts.ts portReuse, the `previous.client` term).
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** The client closes first; 3 s later the old server sends a SYN with ISN `isn` on the same 4-tuple. */
function reversed(isn: number) {
  const { w, found } = setup();
  w.c('S', 0, at(w, T0));
  w.s('S.', 0, at(w, T0 + EPS));
  w.c('.', 0, at(w, T0 + 2 * EPS));
  w.c('F.', 0, at(w, T0 + 1));
  w.s('F.', 0, at(w, T0 + 1 + EPS));
  w.c('.', 0, at(w, T0 + 1 + 2 * EPS));
  w.settle(3);
  expect(w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
  w.newIsn(1, isn);
  w.s('S', 0, at(w, T0 + 5));
  const previous = must(w.tracker.conns[0], 'w.tracker.conns[0]');
  return { previous: w.states(previous), messages: found.map((a) => [a.kind, a.message]) };
}

describe('a SYN toward the old client in TIME_WAIT on its 4-tuple', () => {
  it('not newer than what the client received (ISN 500 < 5001): TIME_WAIT kept, port-reuse-time-wait raised', () => {
    const r = reversed(500);
    expect(r.previous).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(r.messages).toEqual([
      [
        'port-reuse-time-wait',
        'a new SYN reused the 4-tuple of connection 1 while an endpoint was in TIME_WAIT (TIME_WAIT kept: the SYN was not newer)',
      ],
    ]);
  });
  it('newer (ISN 900000): TIME_WAIT ended by the SYN', () => {
    const r = reversed(900000);
    expect(r.previous).toEqual(['CLOSED', 'CLOSED']);
    expect(r.messages.map((m) => m[1])).toEqual([
      'a new SYN reused the 4-tuple of connection 1 while an endpoint was in TIME_WAIT (TIME_WAIT ended by the SYN)',
    ]);
  });
});
