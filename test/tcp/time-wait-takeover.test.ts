/**
 * Which TIME_WAIT a new SYN on the same 4-tuple ends (src/tcp/tracker.ts
 * takeOverTimeWait, after Linux's tcp_timewait_state_process): the SYN's
 * sender reusing its own TIME_WAIT port (tcp_tw_reuse) whatever its ISN;
 * the peer's TIME_WAIT only for an ISN after what it received or a newer
 * timestamp. And what a new connection on the 4-tuple of an established
 * one says of the old one: its SYN's sender let go of it.
 */
import { describe, expect, it } from 'vitest';
import { toIpv6, Wire } from './wire.js';
import { must } from '../../src/model/checked.js';
import type { Connection } from '../../src/tcp/connection.js';

function handshake(w: Wire, ts = false): void {
  w.c('S', 0, ts ? { tsVal: 100 } : {});
  w.s('S.', 0, ts ? { tsVal: 7 } : {});
  w.c('.', 0, ts ? { tsVal: 101 } : {});
  w.settle();
}

const lastOf = (c: Connection) => must(c.transitions.at(-1), 'a transition');

describe('a new SYN from the client', () => {
  it.each([
    ['IPv4', () => new Wire()],
    ['IPv6', () => toIpv6(new Wire())],
  ])('ends the client’s own TIME_WAIT (port reuse) even with an ISN below the old one’s (%s)', (_v, make) => {
    const w = make();
    handshake(w);
    w.c('F.');
    w.s('F.');
    w.c('.');
    w.settle();
    const old = w.conn;
    expect(w.states(old)).toEqual(['TIME_WAIT', 'CLOSED']);
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1 });
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.rec.reuses.map((r) => r.took)).toEqual([true]);
    expect(lastOf(old).cause).toBe('TIME_WAIT ended by a new SYN on the same 4-tuple');
    expect(lastOf(old).inferred).toBe(false);
    // Its own act: seen at once (the evidence of a receiver's is its answer: below).
    expect(w.evidence(old)[0]).toBe('seen');
  });

  it('leaves the server’s TIME_WAIT with an ISN below what the server received, no timestamps', () => {
    const w = new Wire();
    handshake(w);
    w.s('F.');
    w.c('F.');
    w.s('.');
    w.settle();
    const old = w.conn;
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1 });
    expect(w.states(old)).toEqual(['CLOSED', 'TIME_WAIT']);
    expect(w.rec.reuses.map((r) => r.took)).toEqual([false]);
  });

  it.each([
    ['newer (200): ends it', 200, 'CLOSED', true],
    ['older (50): leaves it', 50, 'TIME_WAIT', false],
  ])('the server’s TIME_WAIT and a SYN with that ISN whose timestamp is %s', (_what, tsVal, server, took) => {
    const w = new Wire();
    handshake(w, true);
    w.s('F.', 0, { tsVal: 8 });
    w.c('F.', 0, { tsVal: 102 });
    w.s('.', 0, { tsVal: 9 });
    w.settle();
    const old = w.conn;
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1, tsVal });
    expect(w.states(old)).toEqual(['CLOSED', server]);
    expect(w.rec.reuses.map((r) => r.took)).toEqual([took]);
  });
});

describe('a new connection on the 4-tuple of an established one', () => {
  it('its SYN’s sender let go of the old one (CLOSED, inferred); the peer keeps its state', () => {
    const w = new Wire();
    handshake(w);
    w.c('P.', 10);
    const old = w.conn;
    w.newIsn(0, 90_000);
    w.c('S', 0, { dt: 5 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(old.endNotCaptured).toBe(true);
    expect(w.states(old)).toEqual(['CLOSED', 'ESTABLISHED']);
    const end = lastOf(old);
    expect([end.side, end.cause, end.inferred]).toEqual([
      0,
      'end not captured: the 4-tuple was reused by a new connection',
      true,
    ]);
  });
});

/** The server closes first (TIME_WAIT), the client last (CLOSED); timestamps `ts` on the client's segments when given. */
function serverInTimeWait(w: Wire, clientTs?: number): Connection {
  const o = clientTs === undefined ? {} : { tsVal: clientTs };
  w.c('S', 0, o);
  w.s('S.');
  w.c('.', 0, o);
  w.settle();
  w.s('F.');
  w.c('F.', 0, o);
  w.s('.');
  w.settle();
  expect(w.states()).toEqual(['CLOSED', 'TIME_WAIT']);
  return w.conn;
}

describe('the SYN’s sender is known by its port and host', () => {
  it('both ends on port 5000: the server’s TIME_WAIT is not the SYN’s sender’s (another host), and stays', () => {
    const w = new Wire({}, 5000, 5000);
    const old = serverInTimeWait(w);
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1 });
    expect(w.states(old)).toEqual(['CLOSED', 'TIME_WAIT']);
    expect(w.rec.reuses.map((r) => r.took)).toEqual([false]);
  });

  it('both ends on one host: the server’s TIME_WAIT is not the SYN’s sender’s (another port), and stays', () => {
    const w = new Wire();
    w.side[1].addr = [10, 0, 0, 1];
    const old = serverInTimeWait(w);
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1 });
    expect(w.states(old)).toEqual(['CLOSED', 'TIME_WAIT']);
    expect(w.rec.reuses.map((r) => r.took)).toEqual([false]);
  });
});

describe('the peer’s TIME_WAIT and timestamps (an ISN below what it received)', () => {
  it.each([
    ['the SYN has none, the client’s last was 4e9: it stays', undefined, 4_000_000_000, false],
    ['the client never sent one, the SYN has 5: it stays', 5, undefined, false],
    [
      'the SYN’s is 0, the client’s last was 4e9 (0 is after it, modulo 2^32): it ends',
      0,
      4_000_000_000,
      true,
    ],
    ['the SYN’s is 5, the client’s last was 0: it ends', 5, 0, true],
  ])('%s', (_what, synTs, clientTs, took) => {
    const w = new Wire();
    const old = serverInTimeWait(w, clientTs);
    w.newIsn(0, 500);
    w.c('S', 0, synTs === undefined ? { dt: 1 } : { dt: 1, tsVal: synTs });
    expect(w.rec.reuses.map((r) => r.took)).toEqual([took]);
    expect(w.states(old)[1]).toBe(took ? 'CLOSED' : 'TIME_WAIT');
  });
});

describe('the evidence of a TIME_WAIT that a new SYN ended', () => {
  /** The server closed first and waits in TIME_WAIT; the client reconnects with a higher ISN. */
  function serverTimeWait(w: Wire): Connection {
    handshake(w);
    w.s('F.');
    w.c('F.');
    w.s('.');
    w.settle();
    const old = w.conn;
    expect(w.states(old)).toEqual(['CLOSED', 'TIME_WAIT']);
    w.newIsn(0, 9_000_000);
    w.c('S', 0, { dt: 1 });
    return old;
  }

  it("the receiver's (the server's) CLOSED is inferred at the SYN: the SYN may be lost after the capture point", () => {
    const w = new Wire();
    const old = serverTimeWait(w);
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(w.evidence(old)[1]).toBe('inferred');
    expect(lastOf(old).cause).toBe('TIME_WAIT ended by a new SYN on the same 4-tuple');
  });

  it('seen once the server answers the new SYN with its SYN-ACK', () => {
    const w = new Wire();
    const old = serverTimeWait(w);
    w.s('S.', 0, { dt: 0.01 });
    expect(w.evidence(old)[1]).toBe('seen');
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
  });
});
