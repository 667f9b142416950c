/**
 * Hostile traffic, generated here and analysed in memory: floods (SYN with
 * and without answers, RST, stray ACKs) stay within the connection cap
 * (`maxConnections`, connections beyond it summarised, all counted) and take
 * linear time; nonsense segments (every flag at once, impossible data
 * offsets, options with bad lengths, sequence numbers jumping anywhere) and a
 * 4-tuple reused thousands of times give a valid report with legal states.
 * The 200k-SYN flood through the binary with a small heap is in
 * test/cli/reliability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { Settings } from '../../src/config/settings.js';
import type { Report } from '../../src/model/report.js';
import { checkReport } from '../helpers/check-report.mjs';
import { chunks, connection, PcapWriter, rng } from '../helpers/pcap-writer.js';
import { at } from '../../src/model/checked.js';

const T0 = 1_763_726_400;

async function run(w: PcapWriter, settings: Partial<Settings> = {}): Promise<{ report: Report; ms: number }> {
  const t0 = performance.now();
  const { report } = await analyze(chunks(w.bytes(), 1 << 20), { settings });
  const ms = performance.now() - t0;
  expect(checkReport(report)).toEqual([]);
  return { report, ms };
}

const total = (r: Report) => r.connections.length + r.summarised.connections;
const kinds = (r: Report) => {
  const k: Record<string, number> = {};
  for (const a of r.anomalies) k[a.kind] = (k[a.kind] ?? 0) + 1;
  return k;
};

describe('floods stay within the connection cap, in linear time', () => {
  it('100k SYNs from random ports in one instant (capture time never moves): within the cap', async () => {
    const w = new PcapWriter();
    const r = rng(1);
    for (let i = 0; i < 100_000; i++) {
      w.tcp({
        t: T0,
        src: (0x0a000000 + Math.floor(r() * 0x10000)) >>> 0,
        dst: '10.9.9.9',
        sport: 1024 + Math.floor(r() * 64_000),
        dport: 80,
        flags: 'S',
        seq: Math.floor(r() * 2 ** 32),
      });
    }
    const { report, ms } = await run(w, { maxConnections: 5000 });
    expect(report.connections.length).toBeLessThanOrEqual(5000);
    expect(total(report)).toBeGreaterThan(99_000);
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it('a SYN flood the server answers (SYN-ACKs, no final ACK): syn-flood is raised, the cap holds', async () => {
    const w = new PcapWriter();
    const r = rng(2);
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const src = (0xc6120000 + Math.floor(r() * 0x10000)) >>> 0;
      const sport = 1024 + Math.floor(r() * 64_000);
      const seq = Math.floor(r() * 2 ** 32);
      const t = T0 + i / 2000;
      w.tcp({ t, src, dst: '10.9.9.9', sport, dport: 443, flags: 'S', seq });
      w.tcp({
        t: t + 0.0001,
        src: '10.9.9.9',
        dst: src,
        sport: 443,
        dport: sport,
        flags: 'S.',
        seq: i * 7,
        ack: seq + 1,
      });
    }
    const { report } = await run(w, { maxConnections: 2000 });
    expect(report.connections.length).toBeLessThanOrEqual(2000);
    expect(total(report)).toBeGreaterThan(N * 0.99);
    expect(kinds(report)['syn-flood']).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('an RST flood (random ports and sequence numbers): every RST counted, the cap holds', async () => {
    const w = new PcapWriter();
    const r = rng(3);
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      w.tcp({
        t: T0 + i / 10_000,
        src: '10.1.1.1',
        dst: '10.9.9.9',
        sport: Math.floor(r() * 65_536),
        dport: Math.floor(r() * 65_536),
        flags: r() < 0.5 ? 'R' : 'R.',
        seq: Math.floor(r() * 2 ** 32),
        ack: Math.floor(r() * 2 ** 32),
      });
    }
    const { report } = await run(w, { maxConnections: 3000 });
    expect(report.capture.tcpPackets).toBe(N);
    expect(report.connections.length).toBeLessThanOrEqual(3000);
    expect(total(report)).toBeLessThanOrEqual(N);
    for (const c of report.connections) expect(['CLOSED', 'LISTEN']).toContain(c.client.state);
  }, 30_000);

  it('stray ACKs on random 4-tuples (each a mid-stream pickup): the cap holds', async () => {
    const w = new PcapWriter();
    const r = rng(4);
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      w.tcp({
        t: T0 + i / 10_000,
        src: (0x0a000000 + Math.floor(r() * 0x1000000)) >>> 0,
        dst: '10.9.9.9',
        sport: 1024 + Math.floor(r() * 64_000),
        dport: 80,
        flags: r() < 0.5 ? '.' : 'P.',
        seq: Math.floor(r() * 2 ** 32),
        ack: Math.floor(r() * 2 ** 32),
        payload: r() < 0.5 ? 0 : 10,
      });
    }
    const { report } = await run(w, { maxConnections: 3000 });
    expect(report.connections.length).toBeLessThanOrEqual(3000);
    expect(total(report)).toBeGreaterThan(N * 0.99);
  }, 30_000);
});

describe('nonsense segments give a valid report with legal states', () => {
  it('every flag at once, as the first packet and inside a connection', async () => {
    const w = new PcapWriter();
    w.tcp({ t: T0, sport: 50000, flags: 0x1ff, seq: 1, ack: 1 });
    w.tcp({
      t: T0 + 0.001,
      src: '10.0.0.2',
      dst: '10.0.0.1',
      sport: 80,
      dport: 50000,
      flags: 0x1ff,
      seq: 9,
      ack: 2,
    });
    const t = connection(w, { t: T0 + 1, cport: 40000, exchanges: 2 });
    for (let i = 0; i < 20; i++)
      w.tcp({ t: t - 0.0005 + i * 0.00001, sport: 40000, flags: 'FSRPAUEWA', seq: 1001 + i, ack: 5001 });
    const { report } = await run(w);
    expect(report.capture.tcpPackets).toBe(w.count);
    expect(report.connections.length).toBeGreaterThanOrEqual(2);
  });

  it('impossible data offsets are counted as malformed; bad option lengths are analysed', async () => {
    const w = new PcapWriter();
    const t = connection(w, { t: T0, cport: 40000 });
    for (let doff = 0; doff < 5; doff++) w.tcp({ t: t + 1, sport: 40001, flags: 'S', doff });
    w.tcp({ t: t + 1, sport: 40001, flags: 'S', doff: 15 }); // 60-byte header in a 20-byte segment
    const bad: number[][] = [
      [2, 0],
      [2, 1],
      [2, 40],
      [3, 2, 7],
      [5, 3, 1, 2, 3],
      [8, 9, 0, 0, 0, 0, 0, 0, 0],
      [34, 1],
      [254, 255],
      [1, 1, 1, 2],
    ];
    for (const [i, options] of bad.entries()) w.tcp({ t: t + 2, sport: 41000 + i, flags: 'S', options });
    const { report } = await run(w);
    expect(report.capture.skipped.malformed).toBe(6);
    expect(report.capture.tcpPackets).toBe(w.count - 6);
    for (let i = 0; i < bad.length; i++) {
      expect(report.connections.some((c) => c.client.port === 41000 + i)).toBe(true);
    }
  });

  it('sequence and acknowledgement numbers jumping anywhere inside a connection', async () => {
    const w = new PcapWriter();
    const r = rng(5);
    let t = connection(w, { t: T0, cport: 40000, exchanges: 1 }) - 0.006;
    // Rewind into the middle of the connection: the same 4-tuple, before the FINs.
    for (let i = 0; i < 2000; i++) {
      const back = r() < 0.5;
      w.tcp({
        t: (t += 0.0001),
        src: back ? '10.0.0.2' : '10.0.0.1',
        dst: back ? '10.0.0.1' : '10.0.0.2',
        sport: back ? 80 : 40000,
        dport: back ? 40000 : 80,
        flags: at(['.', 'P.', 'F.', 'R', 'S', 'S.'], Math.floor(r() * 6)),
        seq: r() < 0.3 ? 0xffffffff - Math.floor(r() * 10) : Math.floor(r() * 2 ** 32),
        ack: Math.floor(r() * 2 ** 32),
        payload: Math.floor(r() * 3) * 700,
        win: r() < 0.2 ? 0 : 65535,
      });
    }
    const { report } = await run(w);
    expect(report.capture.tcpPackets).toBe(w.count);
    for (const c of report.connections) {
      expect(c.client.retransmissions).toBeLessThanOrEqual(c.client.packets);
      expect(c.server.retransmissions).toBeLessThanOrEqual(c.server.packets);
    }
  });

  it('one 4-tuple reused 3000 times: 3000 connections, ids increasing, all counted within a cap', async () => {
    const w = new PcapWriter();
    let t = T0;
    for (let i = 0; i < 3000; i++) {
      // Each incarnation's ISN beyond the last one's (Linux reuses a TIME_WAIT 4-tuple so).
      t = connection(w, { t: t + 0.01, cport: 40000, cisn: 1000 + i * 100_000, sisn: 7 + i * 100_000 });
    }
    const full = await run(w);
    expect(full.report.connections).toHaveLength(3000);
    for (const c of full.report.connections) expect(c.history).toContain('F');
    const capped = await run(w, { maxConnections: 500 });
    expect(capped.report.connections.length).toBeLessThanOrEqual(500);
    expect(total(capped.report)).toBe(3000);
  }, 30_000);
});
