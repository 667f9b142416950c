/**
 * The rest of the flow-table comparison (src/tcp/flow-table.ts find()) on its
 * own, after flow-bucket-fields.test.ts's address fields: two connections
 * whose tuples land in one bucket and differ in one port only, in one IPv6
 * address only, or in the tunnel only, are kept apart in both directions.
 * The colliding tuples were found once with the table's own hash (a search
 * over the free port or the low 20 bits of an address); each test checks
 * first that the table does put them in one bucket. Last, an IPv6 host's key
 * (hostHash) for the ports seen listening.
 */
import { describe, expect, it } from 'vitest';
import { newSegment, type Segment } from '../../src/decode/segment.js';
import { FlowTable, hashAddr6 } from '../../src/tcp/flow-table.js';
import type { Connection } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';
import { at } from '../../src/model/checked.js';

/** An address as the segment holds it: 4 bytes (IPv4) or 16 (IPv6). */
type Addr = number[];
interface Tuple {
  cAddr: Addr;
  cPort: number;
  sAddr: Addr;
  sPort: number;
  tunnel?: number;
}

const v6 = (...tail: number[]): Addr => {
  const a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  a.splice(16 - tail.length, tail.length, ...tail);
  return a;
};

function fill(seg: Segment, src: Addr, sPort: number, dst: Addr, dPort: number, tunnel = 0): void {
  seg.ipVersion = src.length === 4 ? 4 : 6;
  seg.src.fill(0);
  seg.dst.fill(0);
  seg.src.set(src);
  seg.dst.set(dst);
  seg.srcPort = sPort;
  seg.dstPort = dPort;
  seg.tunnelKey = tunnel;
}

/** The table's bucket (hash) of a tuple. */
function bucket(t: Tuple): number {
  const ft = new FlowTable();
  const seg = newSegment();
  fill(seg, t.cAddr, t.cPort, t.sAddr, t.sPort, t.tunnel);
  ft.find(seg);
  return ft.hash;
}

/**
 * Two Wires feeding one tracker. The Wire sends IPv4 from 10.0.0.1/10.0.0.2;
 * here the second Wire sends from 10.0.1.1/10.0.1.2, and every segment is
 * rewritten onto its tuple (addresses of either family, tunnel key) before
 * the tracker sees it.
 */
function pair(x: Tuple, y: Tuple): { a: Wire; b: Wire; conns: Connection[] } {
  const a = new Wire({}, x.cPort, x.sPort, 1000, 5000);
  const b = new Wire({}, y.cPort, y.sPort, 70000, 90000);
  b.side[0].addr = [10, 0, 1, 1];
  b.side[1].addr = [10, 0, 1, 2];
  Object.assign(b, { tracker: a.tracker });
  const tracker = a.tracker;
  const segment = tracker.segment.bind(tracker);
  tracker.segment = (seg: Segment) => {
    const t = seg.src[2] === 0 ? x : y;
    const fromClient = seg.src[3] === 1;
    if (fromClient) fill(seg, t.cAddr, t.cPort, t.sAddr, t.sPort, t.tunnel);
    else fill(seg, t.sAddr, t.sPort, t.cAddr, t.cPort, t.tunnel);
    return segment(seg);
  };
  return { a, b, conns: tracker.conns };
}

/** Both connections through their handshakes, interleaved, then data each way and a FIN on x. */
function interleave(x: Tuple, y: Tuple): { a: Wire; conns: Connection[] } {
  const { a, b, conns } = pair(x, y);
  a.c('S');
  b.c('S'); // y's connection at the head of the bucket, x's behind it
  a.s('S.');
  b.s('S.');
  a.c('.');
  b.c('.');
  a.c('P.', 100);
  b.s('P.', 300);
  a.s('P.', 20);
  b.c('P.', 7);
  a.c('F.');
  a.s('.');
  return { a, conns };
}

const addrs = (c: Connection) => [
  c.client.addrText,
  c.client.port,
  c.server.addrText,
  c.server.port,
  c.tunnelKey,
];

function expectApart(x: Tuple, y: Tuple): void {
  expect(bucket(x)).toBe(bucket(y));
  const { a, conns } = interleave(x, y);
  expect(conns).toHaveLength(2);
  const [cx, cy] = conns as [Connection, Connection];
  expect(a.states(cx)).toEqual(['FIN_WAIT_1', 'CLOSE_WAIT']);
  expect(a.states(cy)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
  expect([cx.client.bytes, cx.server.bytes, cy.client.bytes, cy.server.bytes]).toEqual([100, 20, 7, 300]);
  expect([cx.client.packets, cx.server.packets, cy.client.packets, cy.server.packets]).toEqual([4, 3, 3, 2]);
  expect(addrs(cx)).not.toEqual(addrs(cy));
  expect(a.tracker.openCount).toBe(2);
}

// IPv4: 10.247.99.10 ports 1450 and 54230 toward 10.131.59.163:80 share a bucket.
const P4 = { h: [10, 247, 99, 10], hp: 1450, hp2: 54230, s: [10, 131, 59, 163], sp: 80 };
// IPv6: 2001:db8::1 port 40000 toward 2001:db8::1:487f and 2001:db8::2:302 port 80 share a bucket.
const A6 = { c: v6(1), s1: v6(0x01, 0x48, 0x7f), s2: v6(0x02, 0x03, 0x02) };

describe('two connections in one bucket that differ in one port only', () => {
  it('the client port: each segment finds its own connection in both directions', () => {
    expectApart(
      { cAddr: P4.h, cPort: P4.hp, sAddr: P4.s, sPort: P4.sp },
      { cAddr: P4.h, cPort: P4.hp2, sAddr: P4.s, sPort: P4.sp },
    );
  });
  it('the server port (the same tuples opened from the other end): each finds its own', () => {
    expectApart(
      { cAddr: P4.s, cPort: P4.sp, sAddr: P4.h, sPort: P4.hp },
      { cAddr: P4.s, cPort: P4.sp, sAddr: P4.h, sPort: P4.hp2 },
    );
  });
});

describe('two IPv6 connections in one bucket that differ in one address only', () => {
  it('the server address: each segment finds its own connection in both directions', () => {
    expectApart(
      { cAddr: A6.c, cPort: 40000, sAddr: A6.s1, sPort: 80 },
      { cAddr: A6.c, cPort: 40000, sAddr: A6.s2, sPort: 80 },
    );
  });
  it('the client address (the same tuples opened from the other end): each finds its own', () => {
    expectApart(
      { cAddr: A6.s1, cPort: 80, sAddr: A6.c, sPort: 40000 },
      { cAddr: A6.s2, cPort: 80, sAddr: A6.c, sPort: 40000 },
    );
  });
});

describe('two connections in one bucket that differ in the tunnel only', () => {
  // The bucket keeps 30 bits of the hash, to which the tunnel key is added: keys 2^30 apart share one.
  it('tunnel keys 5 and 5 + 2^30 on the same 4-tuple: each finds its own', () => {
    const t = { cAddr: [10, 0, 0, 1], cPort: 40000, sAddr: [10, 0, 0, 2], sPort: 80 };
    expectApart({ ...t, tunnel: 5 }, { ...t, tunnel: 5 + 2 ** 30 });
  });
});

describe('an IPv4 and an IPv6 connection in one bucket', () => {
  // An IPv6 endpoint's addr4 is 0, and these two IPv6 addresses hash to 0 (hashAddr6: the last
  // word undoes the first three), so the IPv6 tuple shares its bucket, ports and addr4 with an
  // IPv4 tuple between 0.0.0.0 addresses: only the IP version tells them apart.
  const a = v6(0x21, 0x16, 0xa9, 0x38);
  const b = v6(0, 1, 0x3f, 0x4e, 0x22, 0xe9);
  it('0.0.0.0:40000 > 0.0.0.0:80 and [2001:db8::2116:a938]:40000 > [2001:db8::1:3f4e:22e9]:80: each finds its own', () => {
    expect(hashAddr6(new Uint8Array(a))).toBe(0);
    expect(hashAddr6(new Uint8Array(b))).toBe(0);
    expectApart(
      { cAddr: a, cPort: 40000, sAddr: b, sPort: 80 },
      { cAddr: [0, 0, 0, 0], cPort: 40000, sAddr: [0, 0, 0, 0], sPort: 80 },
    );
  });
});

describe('an IPv6 port seen listening', () => {
  const srv = v6(0x50);
  /**
   * A handshake toward [`listener`]:5000 (its SYN-ACK marks that port as listening), then a
   * connection picked up mid-stream with a segment from [srv]:5000 to port 3000: both ports
   * are 1024 or above, and the lower port would make the receiver the server.
   */
  function pickup(listener: Addr): Connection {
    const x = { cAddr: v6(0x10), cPort: 40000, sAddr: listener, sPort: 5000 };
    const y = { cAddr: v6(0x20), cPort: 3000, sAddr: srv, sPort: 5000 };
    const { a, b, conns } = pair(x, y);
    a.c('S');
    a.s('S.');
    a.c('.');
    b.s('P.', 100);
    expect(conns).toHaveLength(2);
    return at(conns, 1);
  }
  it('makes its host the server of a later mid-stream pickup whose first segment it sends', () => {
    const cy = pickup(srv);
    expect(cy.roleInferred).toBe(true);
    expect([cy.client.addrText, cy.client.port, cy.server.addrText, cy.server.port]).toEqual([
      '2001:db8::20',
      3000,
      '2001:db8::50',
      5000,
    ]);
    expect(cy.server.bytes).toBe(100);
  });
  it('and with port 5000 listening on another host the lower port decides: [srv]:5000 is the client', () => {
    const cy = pickup(v6(0x51));
    expect([cy.client.addrText, cy.client.port, cy.server.port]).toEqual(['2001:db8::50', 5000, 3000]);
  });
});
