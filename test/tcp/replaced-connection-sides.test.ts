/**
 * A new SYN with a new ISN on a 4-tuple whose connection is still held
 * (Tracker.startedOver, settleLink, unlink): which side of the old
 * connection an endpoint of the new one is (by host and port: one host on
 * both ends, one port on both ends, IPv6); which flags say who started
 * over; when the old connection is said to have ended, and that it is said
 * once.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/tcp/connection.js';
import { clientClosesFirst, clientStartsOver, handshake } from './ladders.js';
import { toIpv6, Wire } from './wire.js';

describe('the side of the old connection that a new endpoint is', () => {
  it.each([
    ['two hosts, two ports', () => new Wire()],
    [
      'one host on both ends (10.0.0.1:40000 and 10.0.0.1:80)',
      () => {
        const w = new Wire();
        w.side[1].addr = [10, 0, 0, 1];
        return w;
      },
    ],
    ['port 5000 on both ends', () => new Wire({}, 5000, 5000)],
    ['IPv6', () => toIpv6(new Wire())],
    ['IPv6, port 5000 on both ends', () => toIpv6(new Wire({}, 5000, 5000))],
  ])(
    '%s: the old server is ESTABLISHED after the SYN, CLOSED once it answers with a SYN-ACK',
    (_what, make) => {
      const w = make();
      const old = clientStartsOver(w);
      expect(w.states(old)).toEqual(['CLOSED', 'ESTABLISHED']);
      w.s('S.');
      expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
      expect(old.server.stateInferred).toBe(true);
    },
  );
});

describe('who started over', () => {
  it('on an established connection, neither flag: the client let go of a connection, not of a handshake', () => {
    const w = new Wire();
    const old = clientStartsOver(w);
    expect([old.clientStartedOver, old.serverStartedOver]).toEqual([false, false]);
    expect(old.endNotCaptured).toBe(true);
  });

  it('the client established but its final ACK not yet delivered (the server in SYN_RECEIVED): the client started over', () => {
    const w = new Wire();
    handshake(w);
    const old = w.conn;
    expect(w.states(old)).toEqual(['ESTABLISHED', 'SYN_RECEIVED']);
    w.newIsn(0, 3_000_000);
    w.c('S', 0, { dt: 0.5 });
    expect([old.clientStartedOver, old.serverStartedOver]).toEqual([true, false]);
  });

  it('a server that sent a SYN-ACK and then a SYN with a new ISN: the server started over, the end is not said uncaptured', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    const old = w.conn;
    w.newIsn(1, 800_000);
    w.s('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
    expect([old.clientStartedOver, old.serverStartedOver]).toEqual([false, true]);
    expect(w.states(old)[1]).toBe('CLOSED');
    expect(old.endNotCaptured).toBe(false);
  });

  it('a client that gave up on its handshake: the end is not said uncaptured', () => {
    const w = new Wire();
    w.c('S');
    w.s('S.');
    const old = w.conn;
    w.newIsn(0, 50);
    w.c('S', 0, { dt: 1 });
    expect(old.clientStartedOver).toBe(true);
    expect(old.endNotCaptured).toBe(false);
  });

  it('after a close both ends saw, a new SYN says nothing of an uncaptured end', () => {
    const w = new Wire();
    handshake(w);
    clientClosesFirst(w);
    w.settle();
    const old = w.conn;
    expect(w.states(old)).toEqual(['TIME_WAIT', 'CLOSED']);
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 1 });
    expect(old.endNotCaptured).toBe(false);
    expect([old.clientStartedOver, old.serverStartedOver]).toEqual([false, false]);
    expect(w.rec.ended.filter((c) => c === old)).toHaveLength(1);
  });

  it('the client in TIME_WAIT, the server’s last ACK not yet delivered: its TIME_WAIT is taken over by its SYN', () => {
    const w = new Wire();
    handshake(w);
    clientClosesFirst(w);
    const old = w.conn;
    expect(w.states(old)).toEqual(['TIME_WAIT', 'LAST_ACK']);
    w.newIsn(0, 500);
    w.c('S', 0, { dt: 0.5 });
    const client = old.transitions.filter((r) => r.side === 0).at(-1);
    expect(client?.cause).toBe('TIME_WAIT ended by a new SYN on the same 4-tuple');
    expect(w.rec.reuses.map((r) => r.took)).toEqual([true]);
  });
});

describe('the old connection’s end', () => {
  it('ended once when the RST answering the challenge ACK closes its server', () => {
    const w = new Wire();
    const old = clientStartsOver(w);
    w.s('.', 0, { seq: 5001, ack: 1101 });
    w.c('R', 0, { seq: 1101 });
    expect(w.states(old)).toEqual(['CLOSED', 'CLOSED']);
    expect(old.ended).toBe(true);
    w.c('S', 0, { dt: 1 });
    w.s('S.');
    w.c('.');
    w.settle();
    expect(w.rec.ended.filter((c) => c === old)).toHaveLength(1);
  });

  it('ended at the end of the capture while still linked', () => {
    const w = new Wire();
    const old = clientStartsOver(w);
    expect(old.ended).toBe(false);
    w.tracker.finish(w.t + 1);
    expect(old.ended).toBe(true);
    expect(w.conn.supersedes).toBeNull();
  });

  it.each([
    ['the new connection', (fresh: Connection) => fresh, true],
    ['the old connection', (_fresh: Connection, old: Connection) => old, true],
    ['neither', () => null, false],
  ])('summarised (Tracker.forget) with %s: unlinked %s', (_what, pick, unlinked) => {
    const w = new Wire();
    const old = clientStartsOver(w);
    const fresh = w.conn;
    const gone = pick(fresh, old);
    w.tracker.forget(new Set(gone === null ? [] : [gone]));
    expect(fresh.supersedes === null).toBe(unlinked);
    expect(old.ended).toBe(unlinked);
  });

  it('the new SYN-ACK with a new ISN that answers the client’s SYN on an established connection stays with it', () => {
    const w = new Wire();
    handshake(w);
    w.s('S.', 0, { seq: 777_777, dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });

  it('the client’s SYN again (its ISN) on an established connection stays with it', () => {
    const w = new Wire();
    handshake(w);
    w.c('P.', 10);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(1);
  });
});

describe('linked or not', () => {
  it('an old server never seen may still hold the connection: linked, and not ended when the new one is established', () => {
    const w = new Wire();
    w.c('S');
    const old = w.conn;
    w.newIsn(0, 3_000_000);
    w.c('S', 0, { dt: 1 });
    const fresh = w.conn;
    expect(fresh.supersedes).toBe(old);
    w.s('S.');
    w.c('.');
    w.settle();
    expect(w.states(fresh)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(fresh.supersedes).toBe(old);
    expect(old.ended).toBe(false);
  });

  it('the client starting over twice: the first connection ends when the second is replaced (one link at a time)', () => {
    const w = new Wire();
    handshake(w);
    w.settle();
    const first = w.conn;
    w.newIsn(0, 3_000_000);
    w.c('S', 0, { dt: 1 });
    const second = w.conn;
    expect(second.supersedes).toBe(first);
    expect(first.ended).toBe(false);
    w.newIsn(0, 6_000_000);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(3);
    expect(first.ended).toBe(true);
    expect(w.conn.supersedes).toBe(second);
  });
});

describe('a SYN after a connection of a lone RST', () => {
  it.each([
    ['the client', 0],
    ['the server', 1],
  ])('the RST from %s, then the client’s SYN: a new connection', (_who, rstFrom) => {
    const w = new Wire();
    w.send(rstFrom as 0 | 1, 'R', 0, { seq: 777 });
    const first = w.conn;
    expect(first.ended).toBe(true);
    w.c('S', 0, { dt: 1 });
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.timeline()).toEqual(['client:CLOSED>SYN_SENT']);
  });
});
