/**
 * Connections whose 4-tuples share a flow-table bucket (src/tcp/flow-table.ts
 * chains them): each segment still finds its own connection, in both
 * directions, and removing one (eviction, idle sweep) leaves the other found.
 * The colliding port pairs are searched for with the table's own hash.
 */
import { describe, expect, it } from 'vitest';
import { newSegment } from '../../src/decode/segment.js';
import { FlowTable } from '../../src/tcp/flow-table.js';
import type { Tracker } from '../../src/tcp/tracker.js';
import { Wire } from './wire.js';
import { at, must } from '../../src/model/checked.js';

/** Two (client port, server port) pairs from 10.0.0.1 to 10.0.0.2 with the same flow hash. */
function collidingPorts(): [[number, number], [number, number]] {
  const ft = new FlowTable();
  const seg = newSegment();
  seg.ipVersion = 4;
  seg.src.set([10, 0, 0, 1]);
  seg.dst.set([10, 0, 0, 2]);
  const seen = new Map<number, [number, number]>();
  for (const sPort of [80, 443, 8080, 8443, 25, 53, 22, 3306]) {
    for (let cPort = 1024; cPort < 65536; cPort++) {
      seg.srcPort = cPort;
      seg.dstPort = sPort;
      ft.find(seg);
      const other = seen.get(ft.hash);
      if (other) return [other, [cPort, sPort]];
      seen.set(ft.hash, [cPort, sPort]);
    }
  }
  throw new Error('no colliding port pair found');
}

/** Two Wires on the colliding 4-tuples, both feeding the first one's tracker. */
function twoOnOneTracker(opts = {}) {
  const [[pa, qa], [pb, qb]] = collidingPorts();
  const a = new Wire(opts, pa, qa, 1000, 5000);
  const b = new Wire(opts, pb, qb, 7000, 9000);
  Object.assign(b, { tracker: a.tracker });
  return { a, b, tracker: a.tracker as Tracker };
}

function handshake(w: Wire): void {
  w.c('S');
  w.s('S.');
  w.c('.');
}

describe('4-tuples in one flow-table bucket', () => {
  it('the search finds two different port pairs', () => {
    const [x, y] = collidingPorts();
    expect(x).not.toEqual(y);
  });
  it('interleaved connections keep their own states, each direction finding its own', () => {
    const { a, b, tracker } = twoOnOneTracker();
    a.c('S');
    b.c('S');
    a.s('S.');
    b.s('S.');
    a.c('.');
    b.c('.');
    a.c('P.', 100);
    b.s('P.', 300);
    a.c('F.');
    a.s('.');
    a.settle();
    expect(tracker.conns).toHaveLength(2);
    const [ca, cb] = tracker.conns;
    expect([must(ca, 'ca').client.port, must(cb, 'cb').client.port]).toEqual([
      a.side[0].port,
      b.side[0].port,
    ]);
    expect(a.states(ca)).toEqual(['FIN_WAIT_2', 'CLOSE_WAIT']);
    expect(a.states(cb)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect([
      must(ca, 'ca').client.bytes,
      must(ca, 'ca').server.bytes,
      must(cb, 'cb').client.bytes,
      must(cb, 'cb').server.bytes,
    ]).toEqual([100, 0, 0, 300]);
  });
  it('evicting the connection deeper in the bucket: the other is still found, a new segment on its tuple starts anew', () => {
    const { a, b, tracker } = twoOnOneTracker();
    handshake(a);
    handshake(b); // inserted at the head of the bucket, before a's
    const [ca, cb] = tracker.conns;
    tracker.evict(must(ca, 'ca'));
    b.c('F.');
    expect(a.states(cb)[0]).toBe('FIN_WAIT_1');
    expect(a.states(ca)[0]).toBe('ESTABLISHED');
    expect(tracker.conns).toHaveLength(2);
    a.c('P.', 10);
    expect(tracker.conns).toHaveLength(3);
    expect(at(tracker.conns, 2).client.port).toBe(a.side[0].port);
  });
  it('evicting the head of the bucket: the one behind it is still found', () => {
    const { a, b, tracker } = twoOnOneTracker();
    handshake(a);
    handshake(b);
    const [ca, cb] = tracker.conns;
    tracker.evict(must(cb, 'cb'));
    a.s('F.');
    expect(a.states(ca)).toEqual(['ESTABLISHED', 'FIN_WAIT_1']);
    expect(tracker.conns).toHaveLength(2);
  });
  it('the idle sweep removes the idle one of the two and keeps the active one', () => {
    const { a, b, tracker } = twoOnOneTracker({ idleTimeout: 30 });
    handshake(a);
    handshake(b);
    const [ca, cb] = tracker.conns;
    const t0 = b.t;
    for (let i = 1; i <= 5; i++) b.c('P.', 10, { dt: t0 + i * 10 - b.t });
    expect(must(ca, 'ca').timedOut).toBe(true);
    expect(must(cb, 'cb').timedOut).toBe(false);
    b.c('P.', 10);
    expect(tracker.conns).toHaveLength(2);
    expect(must(cb, 'cb').client.bytes).toBe(60);
  });
});
