/**
 * The flow table under eviction, idle timeouts and port reuse (issue 24,
 * defect 6), model-based: the Tracker's public methods (`segment`, `advance`,
 * `evict`, `openConnections`, `conns`) against a plain Map from 4-tuple to
 * connection, after every step:
 * - the table holds exactly the model's connections, one per 4-tuple, and
 *   `openCount` is their number;
 * - a segment reaches the table's connection for its 4-tuple, or a connection
 *   made for it then (the only way a new one appears), never an evicted or
 *   timed-out one;
 * - an evicted connection leaves at once and has ended; a timeout takes only
 *   connections idle longer than the shortest timeout;
 * - `conns` is every connection ever made, ids unique and increasing.
 * Then the pipeline: `--max-connections` never invents connections (kept plus
 * summarised is never more than without a cap), the phantoms of issue 24.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { newSegment, type Segment } from '../../src/decode/segment.js';
import type { Connection, TransitionRecord } from '../../src/tcp/connection.js';
import type { SegInfo } from '../../src/tcp/classify.js';
import { Tracker, type TrackerObserver } from '../../src/tcp/tracker.js';
import { cli } from '../cli/harness.js';
import { chunks, PcapWriter } from '../helpers/pcap-writer.js';
import { at, must } from '../../src/model/checked.js';

const HOSTS = [0x0a000001, 0x0a000002, 0x0a000003];
const PORTS = [80, 40000, 40001];
const FLAGS = [0x02, 0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01];
const OPTS = { msl: 2, idleTimeout: 50, halfOpenTimeout: 10, closedLinger: 1 };

type Op =
  | {
      op: 'seg';
      from: number;
      to: number;
      sport: number;
      dport: number;
      flags: number;
      seq: number;
      ack: number;
      len: number;
      dt: number;
    }
  | { op: 'advance'; dt: number }
  | { op: 'evict'; pick: number };

const seq = fc.constantFrom(1000, 1001, 1101, 5000, 5001, 5201, 9000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('seg' as const),
      from: fc.nat(2),
      to: fc.nat(2),
      sport: fc.constantFrom(...PORTS),
      dport: fc.constantFrom(...PORTS),
      flags: fc.constantFrom(...FLAGS),
      seq,
      ack: seq,
      len: fc.constantFrom(0, 0, 100),
      dt: fc.constantFrom(0, 0.001, 0.5, 3, 12, 60),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('advance' as const), dt: fc.constantFrom(1, 5, 11, 51, 200) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('evict' as const), pick: fc.nat(50) }) },
);

const tupleKey = (a: number, ap: number, b: number, bp: number) =>
  a * 65536 + ap < b * 65536 + bp ? `${a}:${ap}-${b}:${bp}` : `${b}:${bp}-${a}:${ap}`;
const connKey = (c: Connection) => tupleKey(c.client.addr4, c.client.port, c.server.addr4, c.server.port);

class Observer implements TrackerObserver {
  lastConn: Connection | null = null;
  opened = false;
  segment(conn: Connection, _seg: Segment, info: SegInfo): void {
    this.lastConn = conn;
    this.opened = info.opened;
  }
  transition(_c: Connection, _r: TransitionRecord): void {}
  portReuse(): void {}
  connectionEnded(): void {}
}

function fill(seg: Segment, o: Extract<Op, { op: 'seg' }>, frame: number, t: number): void {
  seg.frame = frame;
  seg.ts = t;
  seg.tsSec = Math.floor(t);
  seg.tsNsec = Math.round((t - seg.tsSec) * 1e9) % 1e9;
  seg.ipVersion = 4;
  seg.src.fill(0);
  seg.dst.fill(0);
  const a = at(HOSTS, o.from);
  const b = at(HOSTS, o.to);
  for (let i = 0; i < 4; i++) {
    seg.src[i] = (a >>> (24 - 8 * i)) & 255;
    seg.dst[i] = (b >>> (24 - 8 * i)) & 255;
  }
  seg.srcPort = o.sport;
  seg.dstPort = o.dport;
  seg.flags = o.flags;
  seg.seq = o.seq;
  seg.ack = o.ack;
  seg.payloadLen = o.len;
  seg.capturedPayload = 0;
  seg.window = 65535;
}

function run(ops: Op[]): void {
  const obs = new Observer();
  const tr = new Tracker(obs, OPTS);
  const model = new Map<string, Connection>();
  const seg = newSegment();
  const minLimit = Math.min(OPTS.idleTimeout, OPTS.halfOpenTimeout, 2 * OPTS.msl + 1);
  let t = 1000;
  let frame = 0;
  let made = 0;
  const check = (where: string) => {
    const table = [...tr.openConnections()];
    const keys = table.map(connKey);
    expect(new Set(keys).size, `${where}: one connection per 4-tuple`).toBe(table.length);
    expect(new Set(table), where).toEqual(new Set(model.values()));
    expect(tr.openCount, where).toBe(model.size);
    for (const c of table) expect(model.get(connKey(c)), where).toBe(c);
    expect(tr.conns.length, where).toBe(made);
    for (let i = 1; i < tr.conns.length; i++)
      expect(at(tr.conns, i).id).toBeGreaterThan(at(tr.conns, i - 1).id);
  };
  /** What left the table without an evict(): timeouts only, of idle connections. */
  const timedOut = (where: string) => {
    const now = new Set(tr.openConnections());
    for (const [k, c] of model) {
      if (now.has(c)) continue;
      expect(c.ended, `${where}: connection ${c.id} left the table without ending`).toBe(true);
      expect(tr.now - c.end, `${where}: connection ${c.id} timed out while not idle`).toBeGreaterThan(
        minLimit,
      );
      model.delete(k);
    }
  };
  for (const [i, o] of ops.entries()) {
    const where = `step ${i} (${JSON.stringify(o)})`;
    if (o.op === 'seg') {
      if (o.from === o.to && o.sport === o.dport) continue;
      t += o.dt;
      fill(seg, o, ++frame, t);
      const before = tr.conns.length;
      obs.lastConn = null;
      tr.segment(seg);
      const key = tupleKey(at(HOSTS, o.from), o.sport, at(HOSTS, o.to), o.dport);
      // Timeouts run first, at this segment's time.
      const reached = must<Connection>(obs.lastConn, 'obs.lastConn');
      const was = model.get(key);
      model.delete(key);
      timedOut(where);
      if (was !== undefined && was !== reached) {
        // Port reuse or a late segment after both closed: the new one replaced it.
        expect([...tr.openConnections()].includes(was), where).toBe(false);
      }
      if (reached !== was) {
        expect(obs.opened, `${where}: a connection not in the table got a segment`).toBe(true);
        expect(tr.conns.length, where).toBe(before + 1);
        made++;
      } else expect(tr.conns.length, where).toBe(before);
      expect(connKey(reached), where).toBe(key);
      model.set(key, reached);
    } else if (o.op === 'advance') {
      t += o.dt;
      tr.advance(t);
      timedOut(where);
    } else {
      const open = [...model.values()];
      if (open.length === 0) continue;
      const c = at(open, o.pick % open.length);
      tr.evict(c);
      expect(c.ended, where).toBe(true);
      model.delete(connKey(c));
    }
    check(where);
  }
}

describe('flow table against a Map', () => {
  it('eviction, idle timeouts and port reuse keep the table and the model equal', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => run(ops)),
      {
        numRuns: 300,
      },
    );
  });
});

describe('--max-connections never invents connections', () => {
  /** The capture of `ops`' segments (evictions left to the cap). */
  function capture(ops: Op[]): Uint8Array {
    const w = new PcapWriter();
    let t = 1_700_000_000;
    for (const o of ops) {
      if (o.op === 'advance') t += o.dt;
      if (o.op !== 'seg' || (o.from === o.to && o.sport === o.dport)) continue;
      t += o.dt;
      w.tcp({
        t,
        src: at(HOSTS, o.from),
        dst: at(HOSTS, o.to),
        sport: o.sport,
        dport: o.dport,
        flags: o.flags,
        seq: o.seq,
        ack: o.ack,
        payload: o.len,
      });
    }
    return w.bytes();
  }
  const total = async (bytes: Uint8Array, max?: number) => {
    const r = await analyze(chunks(bytes), { settings: max ? { maxConnections: max } : {} });
    return r.report.connections.length + r.report.summarised.connections;
  };

  it('kept + summarised with a cap of 1 to 3 is never more than without a cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 3 }),
        async (ops, max) => {
          const bytes = capture(ops);
          expect(await total(bytes, max)).toBeLessThanOrEqual(await total(bytes));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never-closing connections under a cap: every connection counted once (main: a phantom per eviction)', async () => {
    // 300 connections that stay open, each sending again after the next ones opened.
    const w = new PcapWriter();
    let t = 1_700_000_000;
    const server = at(HOSTS, 0);
    const up = (c: number, flags: string, payload = 0) =>
      w.tcp({
        t: (t += 0.001),
        src: c,
        dst: server,
        sport: 40000,
        dport: 80,
        flags,
        seq: 1001,
        ack: 5001,
        payload,
      });
    for (let i = 0; i < 300; i++) {
      const c = 0x0a800000 + i;
      w.tcp({ t: (t += 0.001), src: c, dst: server, sport: 40000, dport: 80, flags: 'S', seq: 1000 });
      w.tcp({
        t: (t += 0.001),
        src: server,
        dst: c,
        sport: 80,
        dport: 40000,
        flags: 'S.',
        seq: 5000,
        ack: 1001,
      });
      up(c, '.');
      if (i >= 5) up(c - 5, 'P.', 10);
    }
    const r = await analyze(chunks(w.bytes()), { settings: { maxConnections: 20 } });
    expect(r.report.connections.length + r.report.summarised.connections).toBe(300);
  });
});

describe('CLI', () => {
  it.each(['port-reuse-client-tw', 'port-reuse-server-tw'])(
    '%s with --max-connections 1: as many connections (kept + summarised) as without (main: 3 for 2)',
    async (name) => {
      const f = `fixtures/${name}.pcap`;
      const count = (r: { stdout: string }) => {
        const rep = JSON.parse(r.stdout);
        return rep.connections.length + rep.summarised.connections;
      };
      const capped = await cli([f, '--json', '--max-connections', '1']);
      expect(capped.code).toBe(0);
      expect(count(capped)).toBe(count(await cli([f, '--json'])));
    },
  );

  it('--max-connections 0 is a usage error', async () => {
    const r = await cli(['fixtures/port-reuse-client-tw.pcap', '--max-connections', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tcptrace-ts: --max-connections: must be at least 1, got 0$/m);
  });
});
