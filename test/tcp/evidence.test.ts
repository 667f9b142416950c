/**
 * Truth from one vantage point (SPEC.md "Evidence, vantage point and capture
 * quality"), on real traffic:
 * - every state change the tracker records over the kernel fixtures and the
 *   public corpus is one a TCP can make, and the ladder tells the same story
 *   as `transitions`;
 * - the corpus's one-way and lossy captures raise no warning or error that
 *   rests on an absence the capture explains, and say what it missed;
 * - properties over the kernel fixtures: thinning a capture (frames missed)
 *   or keeping one direction never adds a warning- or error-level absence
 *   diagnosis that the full capture lacks; every frame captured twice changes
 *   no state and no anomaly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ConnectionReport, Report } from '../../src/model/report.js';
import { STATE_NAMES } from '../../src/model/states.js';
import { isLegalTransition } from '../../src/tcp/transitions.js';
import { chunks } from '../helpers/pcap-writer.js';
import { corpus } from '../conformance/corpus.js';
import { at, must } from '../../src/model/checked.js';

const FIX = join(import.meta.dirname, '../../fixtures');
/** The kernel fixtures: fixtures/*.pcap and the vantage-point captures of fixtures/vantage/. */
const fixtures = [
  ...readdirSync(FIX).filter((f) => f.endsWith('.pcap')),
  ...readdirSync(join(FIX, 'vantage'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => `vantage/${f}`),
]
  .map((f) => f.replace(/\.pcap$/, ''))
  .sort();

const ABSENCE = new Set([
  'syn-no-synack',
  'synack-no-ack',
  'close-wait-stuck',
  'fin-wait-2-stuck',
  'half-open',
]);
const index = (s: string): number => STATE_NAMES.indexOf(s as (typeof STATE_NAMES)[number]);

async function report(bytes: Uint8Array): Promise<Report> {
  return (await analyze(chunks(bytes))).report;
}

/** A pcap (little-endian, as tcpdump writes) as its global header and records. */
function split(pcap: Uint8Array): { head: Uint8Array; recs: Uint8Array[] } {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const recs: Uint8Array[] = [];
  for (let o = 24; o + 16 <= pcap.length;) {
    const len = 16 + dv.getUint32(o + 8, true);
    recs.push(pcap.subarray(o, o + len));
    o += len;
  }
  return { head: pcap.subarray(0, 24), recs };
}

function join_(head: Uint8Array, recs: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(head.length + recs.reduce((n, r) => n + r.length, 0));
  out.set(head, 0);
  let o = head.length;
  for (const r of recs) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}

/** The fixtures' client is 10.77.0.1 / fd77::1: is this Ethernet record's packet from it? */
function fromClient(rec: Uint8Array): boolean {
  const eth = 16;
  const type = (at(rec, eth + 12) << 8) | at(rec, eth + 13);
  if (type === 0x0800) return rec[eth + 14 + 12] === 10 && rec[eth + 14 + 15] === 1;
  if (type === 0x86dd) return rec[eth + 14 + 8] === 0xfd && rec[eth + 14 + 23] === 1;
  return false;
}

/** Per 4-tuple (in order of first appearance), the absence kinds raised at warning or error. */
function absences(r: Report): Set<string> {
  const byConn = new Map<number, ConnectionReport>(r.connections.map((c) => [c.id, c]));
  const out = new Set<string>();
  for (const a of r.anomalies) {
    if (!ABSENCE.has(a.kind) || a.severity === 'info' || a.connection === null) continue;
    const c = must(byConn.get(a.connection), 'byConn.get(a.connection)');
    out.add(`${c.client.addr}:${c.client.port}|${c.server.addr}:${c.server.port} ${a.endpoint} ${a.kind}`);
  }
  return out;
}

function legal(r: Report): string[] {
  const bad: string[] = [];
  for (const c of r.connections) {
    const last: Record<string, string> = { client: 'CLOSED', server: 'CLOSED' };
    for (const t of c.transitions) {
      if (t.from !== last[t.endpoint]) bad.push(`#${c.id} ${t.endpoint}: ${last[t.endpoint]} then ${t.from}`);
      if (!isLegalTransition(index(t.from), index(t.to)))
        bad.push(`#${c.id} ${t.endpoint}: ${t.from} -> ${t.to} (${t.cause})`);
      last[t.endpoint] = t.to;
    }
    for (const side of ['client', 'server'] as const) {
      if (last[side] !== c[side].state)
        bad.push(`#${c.id} ${side}: record ends ${last[side]}, state ${c[side].state}`);
    }
  }
  return bad;
}

const fixtureBytes = new Map(fixtures.map((f) => [f, new Uint8Array(readFileSync(join(FIX, `${f}.pcap`)))]));

describe('one record, one story: legal transitions, and the ladder equals them', () => {
  it.each(fixtures)('fixtures/%s', async (name) => {
    const r = await report(must(fixtureBytes.get(name), 'fixtureBytes.get(name)'));
    expect(legal(r)).toEqual([]);
    // The ladder of the first connections: each row's states are those of the record at its frame.
    for (const c of r.connections.slice(0, 3)) {
      const { ladder } = await analyze(join(FIX, `${name}.pcap`), { ladder: c.id });
      expect(must(ladder, 'ladder').connection.transitions).toEqual(c.transitions);
      const state = { client: 'CLOSED', server: 'CLOSED' } as Record<string, string>;
      let i = 0;
      for (const row of must(ladder, 'ladder').rows) {
        while (i < c.transitions.length && at(c.transitions, i).frame <= row.frame) {
          state[at(c.transitions, i).endpoint] = at(c.transitions, i).to;
          i++;
        }
        expect([row.clientState, row.serverState]).toEqual([state.client, state.server]);
      }
    }
  });

  const corpusFiles = readFileSync(corpus('MANIFEST.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((f) => f[0] && /\.(pcap|pcapng|cap)(\.gz)?$/.test(f[0]) && Number(f[6] ?? 0) > 0)
    .map((f) => at(f, 0));
  it('every TCP capture of the public corpus (test/corpus)', async () => {
    expect(corpusFiles.length).toBeGreaterThan(50);
    const bad: string[] = [];
    for (const f of corpusFiles) {
      try {
        const r = (await analyze(corpus(f))).report;
        for (const b of legal(r)) bad.push(`${f}: ${b}`);
      } catch (e) {
        // captures the reader rejects are libpcap's reject tests: not this test's business
        if (!f.startsWith('libpcap/')) throw e;
      }
    }
    expect(bad).toEqual([]);
  });
});

describe("the corpus's one-way and lossy captures", () => {
  it.each([
    ['zeek/ssh/ssh.server-side-half-duplex.pcap', { oneWay: 20 }],
    ['zeek/ssh/ssh.client-side-half-duplex.pcap', { oneWay: 1 }],
    ['zeek/tcp/one-sided-2745.pcap', { oneWay: 2 }],
    ['zeek/tcp/miss_end_data.pcap', { gaps: 1 }],
    ['pcapplusplus/unidirectional_tcp_stream_with_missing_packet.pcap', { oneWay: 1, gaps: 1 }],
  ] as const)('%s: no absence diagnosis above info; the capture says what it missed', async (f, want) => {
    const r = (await analyze(corpus(f))).report;
    expect(absences(r)).toEqual(new Set());
    const q = must(r.capture.quality, 'r.capture.quality');
    if ('oneWay' in want) expect(q.oneWayConnections).toBeGreaterThanOrEqual(want.oneWay);
    if ('gaps' in want) expect(q.connectionsWithGaps).toBeGreaterThanOrEqual(want.gaps);
  });

  it('zeek/tcp/ssh-dups.pcap (every frame 4 times): duplicates counted, no retransmission', async () => {
    const r = (await analyze(corpus('zeek/tcp/ssh-dups.pcap'))).report;
    expect(must(r.capture.quality, 'r.capture.quality').duplicates).toBeGreaterThan(100);
    expect(r.connections.every((c) => c.client.retransmissions + c.server.retransmissions === 0)).toBe(true);
  });
});

describe('properties over the kernel fixtures', () => {
  // The big ones make each run slow and add nothing new.
  const small = fixtures.filter((f) => !['time-wait-storm', 'syn-flood', 'bulk-transfer'].includes(f));
  const full = new Map<string, Promise<Report>>();
  const fullOf = (f: string) => {
    let p = full.get(f);
    if (!p) full.set(f, (p = report(must(fixtureBytes.get(f), 'fixtureBytes.get(f)'))));
    return p;
  };

  it('frames the capture missed never add an absence diagnosis above info', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...small),
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.integer({ min: 0, max: 63 }),
        async (name, mask, shift) => {
          const { head, recs } = split(must(fixtureBytes.get(name), 'fixtureBytes.get(name)'));
          const kept = recs.filter((_, i) => mask[(i + shift) % 64] || i % 3 !== 0);
          const thinned = absences(await report(join_(head, kept)));
          const whole = absences(await fullOf(name));
          for (const a of thinned) expect(whole, `${name}: ${a}`).toContain(a);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('one direction only never adds an absence diagnosis above info', async () => {
    for (const name of small) {
      const { head, recs } = split(must(fixtureBytes.get(name), 'fixtureBytes.get(name)'));
      const whole = absences(await fullOf(name));
      for (const client of [true, false]) {
        const oneWay = await report(
          join_(
            head,
            recs.filter((r) => fromClient(r) === client),
          ),
        );
        for (const a of absences(oneWay))
          expect(whole, `${name} (${client ? 'client' : 'server'} side): ${a}`).toContain(a);
      }
    }
  });

  it('every frame captured twice changes no state and no anomaly', async () => {
    for (const name of fixtures) {
      const { head, recs } = split(must(fixtureBytes.get(name), 'fixtureBytes.get(name)'));
      const doubled = await report(
        join_(
          head,
          recs.flatMap((r) => [r, r]),
        ),
      );
      const whole = await fullOf(name);
      expect(
        doubled.connections.map((c) => [c.client.state, c.server.state]),
        name,
      ).toEqual(whole.connections.map((c) => [c.client.state, c.server.state]));
      expect(doubled.anomalyCounts, name).toEqual(whole.anomalyCounts);
      // Each frame's copy is a duplicate, on top of those the capture already
      // held (vantage/link-duplication, router-any).
      expect(must(doubled.capture.quality, 'doubled.capture.quality').duplicates, name).toBe(
        whole.capture.tcpPackets + must(whole.capture.quality, 'whole.capture.quality').duplicates,
      );
    }
  });
});
