/**
 * The address fields of the flow-table comparison (src/tcp/flow-table.ts
 * find()) on their own: two connections whose 4-tuples land in the same
 * bucket and differ in the client address only, or the server address only,
 * are kept apart in both directions. Then what the bucket
 * chain must survive: a port reuse of the connection behind the head, the
 * idle sweep removing the head, and the table's count.
 */
import { describe, expect, it } from 'vitest';
import { newSegment } from '../../src/decode/segment.js';
import { FlowTable } from '../../src/tcp/flow-table.js';
import { Wire } from './wire.js';
import { at, must } from '../../src/model/checked.js';

interface Tuple {
  cAddr: number[];
  cPort: number;
  sAddr: number[];
  sPort: number;
}

const base: Tuple = { cAddr: [10, 0, 0, 1], cPort: 40000, sAddr: [10, 0, 0, 2], sPort: 80 };

/** Two tuples made by `vary(i)`, of the same `group`, that the flow table hashes alike (searched with the table's own hash). */
function colliding(vary: (i: number) => Tuple, group: (t: Tuple) => number): [Tuple, Tuple] {
  const ft = new FlowTable();
  const seg = newSegment();
  seg.ipVersion = 4;
  const seen = new Map<string, Tuple>();
  for (let i = 0; i < 1 << 20; i++) {
    const t = vary(i);
    seg.src.set(t.cAddr);
    seg.dst.set(t.sAddr);
    seg.srcPort = t.cPort;
    seg.dstPort = t.sPort;
    ft.find(seg);
    const k = `${group(t)}|${ft.hash}`;
    const other = seen.get(k);
    if (other) return [other, t];
    seen.set(k, t);
  }
  throw new Error('no collision found');
}

/** A Wire on tuple `t`; `shareWith`: feed that Wire's tracker instead of its own. */
function wireOn(t: Tuple, isn: number, shareWith?: Wire, opts = {}): Wire {
  const w = new Wire(opts, t.cPort, t.sPort, isn, isn + 4000);
  w.side[0].addr = t.cAddr;
  w.side[1].addr = t.sAddr;
  if (shareWith) Object.assign(w, { tracker: shareWith.tracker });
  return w;
}

const key = (c: { client: { addrText: string; port: number }; server: { addrText: string; port: number } }) =>
  `${c.client.addrText}:${c.client.port}>${c.server.addrText}:${c.server.port}`;
const text = (t: Tuple) => `${t.cAddr.join('.')}:${t.cPort}>${t.sAddr.join('.')}:${t.sPort}`;

/** Whether the table hashes two tuples alike (a precondition of the tests below). */
function sameBucket(x: Tuple, y: Tuple): boolean {
  const ft = new FlowTable();
  const seg = newSegment();
  seg.ipVersion = 4;
  const hashOf = (t: Tuple) => {
    seg.src.set(t.cAddr);
    seg.dst.set(t.sAddr);
    seg.srcPort = t.cPort;
    seg.dstPort = t.sPort;
    ft.find(seg);
    return ft.hash;
  };
  return hashOf(x) === hashOf(y);
}

// Address pairs found once with colliding() over 2^21 addresses (too slow to repeat per run). No
// two tuples differing in one port only shared a bucket in a search of 2^20 of them.
const cases: [string, () => [Tuple, Tuple]][] = [
  [
    'the client address only',
    () => [
      { ...base, cAddr: [10, 5, 67, 15] },
      { ...base, cAddr: [10, 16, 127, 29] },
    ],
  ],
  [
    'the server address only',
    () => [
      { ...base, sAddr: [10, 0, 5, 8] },
      { ...base, sAddr: [10, 10, 115, 184] },
    ],
  ],
];

describe('two connections in one bucket that differ in one field', () => {
  for (const [what, pair] of cases) {
    it(`${what}: interleaved, each segment finds its own connection in both directions`, () => {
      const [x, y] = pair();
      expect(sameBucket(x, y)).toBe(true);
      const fields = (t: Tuple) => [t.cAddr.join('.'), t.cPort, t.sAddr.join('.'), t.sPort];
      expect(fields(x).filter((f, i) => f !== fields(y)[i])).toHaveLength(1);
      const a = wireOn(x, 1000);
      const b = wireOn(y, 7000, a);
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
      const conns = a.tracker.conns;
      expect(conns.map(key)).toEqual([text(x), text(y)]);
      expect(a.states(conns[0])).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
      expect(a.states(conns[1])).toEqual(['ESTABLISHED', 'ESTABLISHED']);
      expect([
        at(conns, 0).client.bytes,
        at(conns, 0).server.bytes,
        at(conns, 1).client.bytes,
        at(conns, 1).server.bytes,
      ]).toEqual([100, 0, 0, 300]);
      expect(a.tracker.openCount).toBe(2);
    });
  }
});

describe('the bucket chain', () => {
  const [x, y] = colliding(
    (i) => ({ ...base, cPort: 1024 + (i % 64512), sPort: 80 + Math.floor(i / 64512) }),
    () => 0,
  );
  it('a port reuse of the connection behind the head keeps the head found', () => {
    const a = wireOn(x, 1000);
    const b = wireOn(y, 7000, a);
    a.c('S');
    a.s('S.');
    a.c('.');
    b.c('S');
    b.s('S.');
    b.c('.'); // b's connection is at the head of the bucket, a's behind it
    a.c('F.');
    a.s('F.');
    a.c('.');
    a.newIsn(0, 900000);
    a.c('S'); // a new connection takes the place of a's first
    expect(a.tracker.conns).toHaveLength(3);
    b.c('P.', 10);
    expect(a.tracker.conns).toHaveLength(3);
    expect(at(a.tracker.conns, 1).client.bytes).toBe(10);
    expect(a.tracker.openCount).toBe(2);
  });
  it('the idle sweep removing the head of the bucket keeps the one behind it found', () => {
    const a = wireOn(x, 1000, undefined, { idleTimeout: 30 });
    const b = wireOn(y, 7000, a);
    a.c('S');
    a.s('S.');
    a.c('.');
    b.c('S');
    b.s('S.');
    b.c('.'); // b's connection is at the head
    const [ca, cb] = a.tracker.conns;
    const t0 = a.t;
    for (let i = 1; i <= 5; i++) a.c('P.', 10, { dt: t0 + i * 10 - a.t });
    b.t = a.t;
    expect([must(ca, 'ca').timedOut, must(cb, 'cb').timedOut]).toEqual([false, true]);
    expect(a.tracker.openCount).toBe(1);
    a.c('P.', 10);
    expect(a.tracker.conns).toHaveLength(2);
    expect(must(ca, 'ca').client.bytes).toBe(60);
  });
  it('an evicted connection is reported timed out and leaves the count', () => {
    const a = wireOn(x, 1000);
    const b = wireOn(y, 7000, a);
    a.c('S');
    b.c('S');
    const [ca] = a.tracker.conns;
    expect(a.tracker.openCount).toBe(2);
    a.tracker.evict(must(ca, 'ca'));
    expect([must(ca, 'ca').timedOut, must(ca, 'ca').ended, a.tracker.openCount]).toEqual([true, true, 1]);
  });
});
