/**
 * The tracker (with the detectors and the Zeek emulation watching) on
 * arbitrary segment sequences in time order: a few hosts and ports so that
 * segments collide on connections, any of the nine flags, sequence and
 * acknowledgement numbers near each other or anywhere (wrap-around included),
 * zero windows, silly options, gaps of microseconds to hours. Whatever comes:
 * - nothing throws;
 * - every endpoint state is one of the eleven (0..10), after every segment;
 * - no counter is ever negative or fractional, and every segment is counted once;
 * - each connection's transitions are ordered by time and chain per endpoint
 *   (each `from` is the previous `to`, from CLOSED, ending at the state held);
 * - ids are unique and increasing, in creation order;
 * - once capture time moves past every timeout, no TIME_WAIT is left, the
 *   flow table is empty and every connection has ended.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { newSegment, type Segment } from '../../src/decode/segment.js';
import { Detectors } from '../../src/detect/detectors.js';
import {
  CLIENT,
  type Connection,
  type Endpoint,
  SERVER,
  type TransitionRecord,
} from '../../src/tcp/connection.js';
import { State } from '../../src/model/states.js';
import type { SegInfo } from '../../src/tcp/classify.js';
import { Tracker, type TrackerObserver } from '../../src/tcp/tracker.js';
import { ZeekConn } from '../../src/zeek/conn-state.js';
import { at } from '../../src/model/checked.js';

const HOSTS: number[][] = [
  [10, 0, 0, 1],
  [10, 0, 0, 2],
  [10, 0, 0, 3],
];
const PORTS = [80, 443, 40000, 40001];

// Flag bits: F S R P A U E C (AE is 0x100).
const COMMON_FLAGS = [
  0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x01, 0x03, 0x06, 0x07, 0x1ff, 0xff, 0x00, 0x29,
];

interface Spec {
  from: number;
  to: number;
  sport: number;
  dport: number;
  v6: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  win: number;
  dt: number;
  mss: number;
  wscale: number;
  tsVal: number;
  sack: number;
}

const u32 = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 990, max: 1200 }) },
  { weight: 3, arbitrary: fc.integer({ min: 4990, max: 5200 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);

const spec: fc.Arbitrary<Spec> = fc.record({
  from: fc.nat(2),
  to: fc.nat(2),
  sport: fc.constantFrom(...PORTS),
  dport: fc.constantFrom(...PORTS),
  v6: fc.nat(4).map((x) => x === 0),
  flags: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...COMMON_FLAGS) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1ff }) },
  ),
  seq: u32,
  ack: u32,
  len: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 1460 }), fc.constant(65495)),
  win: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 65535 })),
  dt: fc.constantFrom(0, 0, 0.000001, 0.001, 0.2, 1, 4, 61, 130, 8000),
  mss: fc.constantFrom(-1, -1, 0, 536, 1460, 65535),
  wscale: fc.constantFrom(-1, -1, 0, 7, 14, 15, 255),
  tsVal: fc.constantFrom(-1, -1, 0, 1, 1000, 0xffffffff),
  sack: fc.nat(4),
});

function fill(seg: Segment, s: Spec, frame: number, t: number): void {
  seg.frame = frame;
  seg.ts = t;
  seg.tsSec = Math.floor(t);
  seg.tsNsec = Math.round((t - seg.tsSec) * 1e9) % 1e9;
  seg.ipVersion = s.v6 ? 6 : 4;
  seg.src.fill(0);
  seg.dst.fill(0);
  const a = at(HOSTS, s.from);
  const b = at(HOSTS, s.to);
  for (let i = 0; i < 4; i++) {
    seg.src[(s.v6 ? 12 : 0) + i] = at(a, i);
    seg.dst[(s.v6 ? 12 : 0) + i] = at(b, i);
  }
  seg.srcPort = s.sport;
  seg.dstPort = s.dport;
  seg.flags = s.flags;
  seg.seq = s.seq >>> 0;
  seg.ack = s.ack >>> 0;
  seg.payloadLen = s.len;
  seg.capturedPayload = 0;
  seg.window = s.win;
  seg.mss = s.mss;
  seg.wscale = s.wscale;
  seg.sackPermitted = s.sack === 1;
  seg.sackCount = Math.max(0, s.sack - 1);
  for (let i = 0; i < 2 * seg.sackCount; i++) seg.sackBlocks[i] = (s.ack + i * 100) >>> 0;
  seg.tsVal = s.tsVal;
  seg.tsEcr = s.tsVal >= 0 ? 0 : -1;
  seg.ttl = 64;
}

const COUNTERS: (keyof Endpoint)[] = [
  'packets',
  'bytes',
  'dataSegments',
  'retransmissions',
  'synRetransmissions',
  'outOfOrder',
  'dupAcks',
  'zeroWindows',
  'keepAlives',
  'zeroWindowProbes',
  'unansweredRtx',
];

function checkEndpoint(conn: Connection, side: number, where: string): void {
  const ep = conn.endpoint(side);
  if (!(Number.isInteger(ep.state) && ep.state >= State.CLOSED && ep.state <= State.TIME_WAIT)) {
    throw new Error(`${where}: connection ${conn.id} side ${side} in state ${ep.state}`);
  }
  for (const k of COUNTERS) {
    const v = ep[k] as number;
    if (!(Number.isInteger(v) && v >= 0))
      throw new Error(`${where}: connection ${conn.id} side ${side} ${k} = ${v}`);
  }
}

/** Watches every callback, checks states and counters there, and passes the calls on to the detectors. */
class Checker implements TrackerObserver {
  readonly anomalies: string[] = [];
  readonly detectors = new Detectors(DEFAULT_SETTINGS, (a) => this.anomalies.push(a.kind));
  transitions = 0;
  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    checkEndpoint(conn, CLIENT, `after frame ${seg.frame}`);
    checkEndpoint(conn, SERVER, `after frame ${seg.frame}`);
    if (info.side !== CLIENT && info.side !== SERVER) throw new Error(`side ${info.side}`);
    this.detectors.segment(conn, seg, info);
  }
  transition(conn: Connection, rec: TransitionRecord): void {
    this.transitions++;
    if (rec.from === rec.to && rec.to !== State.TIME_WAIT)
      throw new Error(`connection ${conn.id}: transition to the same state ${rec.to}`);
    if (rec.to < 0 || rec.to > 10) throw new Error(`connection ${conn.id}: transition to ${rec.to}`);
    this.detectors.transition(conn, rec);
  }
  portReuse(previous: Connection, conn: Connection, seg: Segment, took: boolean): void {
    if (!(conn.id > previous.id)) throw new Error(`reuse: ${conn.id} after ${previous.id}`);
    this.detectors.portReuse(previous, conn, seg, took);
  }
  connectionEnded(conn: Connection): void {
    this.detectors.connectionEnded(conn);
  }
}

function checkConnection(conn: Connection): void {
  checkEndpoint(conn, CLIENT, 'at the end');
  checkEndpoint(conn, SERVER, 'at the end');
  const last = [State.CLOSED as number, State.CLOSED as number];
  let t = Number.NEGATIVE_INFINITY;
  for (const r of conn.transitions) {
    if (r.t < t) throw new Error(`connection ${conn.id}: transition at ${r.t} after one at ${t}`);
    t = r.t;
    if (r.from !== last[r.side]) {
      throw new Error(
        `connection ${conn.id} side ${r.side}: transition from ${r.from}, but it was in ${last[r.side]}`,
      );
    }
    last[r.side] = r.to;
  }
  for (const side of [CLIENT, SERVER]) {
    if (last[side] !== conn.endpoint(side).state) {
      throw new Error(
        `connection ${conn.id} side ${side}: in ${conn.endpoint(side).state}, transitions end at ${last[side]}`,
      );
    }
  }
  if (!(conn.end >= conn.start))
    throw new Error(`connection ${conn.id}: end ${conn.end} < start ${conn.start}`);
}

function run(specs: Spec[], opts: { msl: number; idle: number; halfOpen: number }): void {
  const checker = new Checker();
  const tracker = new Tracker(checker, {
    msl: opts.msl,
    idleTimeout: opts.idle,
    halfOpenTimeout: opts.halfOpen,
    newZeek: () => new ZeekConn(),
  });
  const seg = newSegment();
  let t = 1_763_726_400;
  specs.forEach((s, i) => {
    t += s.dt;
    fill(seg, s, i + 1, t);
    tracker.segment(seg);
    checker.detectors.tick(t);
  });
  let lastId = 0;
  let packets = 0;
  for (const c of tracker.conns) {
    if (!(c.id > lastId)) throw new Error(`connection id ${c.id} after ${lastId}`);
    lastId = c.id;
    checkConnection(c);
    packets += c.client.packets + c.server.packets;
    expect(typeof c.zeek.connState()).toBe('string');
    expect(typeof c.zeek.history).toBe('string');
  }
  expect(packets).toBe(specs.length);
  let open = 0;
  for (const _ of tracker.openConnections()) open++;
  expect(open).toBe(tracker.openCount);

  // Past every timeout: TIME_WAIT over, table empty, everything ended.
  const end = t + Math.max(opts.idle, opts.halfOpen, 2 * opts.msl + 1) + 20;
  tracker.advance(end);
  checker.detectors.finish(end, tracker.conns);
  for (const c of tracker.conns) {
    checkConnection(c);
    for (const side of [CLIENT, SERVER]) expect(c.endpoint(side).state).not.toBe(State.TIME_WAIT);
    expect(c.ended).toBe(true);
  }
  expect(tracker.openCount).toBe(0);
  open = 0;
  for (const _ of tracker.openConnections()) open++;
  expect(open).toBe(0);
}

describe('tracker invariants on arbitrary segment sequences', () => {
  it('hold for any sequence in time order', () => {
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 120 }),
        fc.record({
          msl: fc.constantFrom(0.5, 30, 60),
          idle: fc.constantFrom(5, 7875),
          halfOpen: fc.constantFrom(1, 60),
        }),
        (specs, opts) => run(specs, opts),
      ),
      { numRuns: 1000 },
    );
  });

  it('hold on long sequences between two endpoints (one 4-tuple, both directions)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .tuple(spec, fc.boolean())
            .map(([s, back]) =>
              back
                ? { ...s, from: 1, to: 0, sport: 80, dport: 40000, v6: false }
                : { ...s, from: 0, to: 1, sport: 40000, dport: 80, v6: false },
            ),
          { minLength: 1, maxLength: 400 },
        ),
        (specs) => run(specs, { msl: 30, idle: 7875, halfOpen: 60 }),
      ),
      { numRuns: 300 },
    );
  });
});
