/**
 * PcapPlusPlus's TCP reassembly tests (corpus pcapplusplus/_oracle/
 * TcpReassemblyTests.cpp, and the TcpReassembly example's expected metadata)
 * against the real pipeline, for the test cases that feed a capture as it is
 * (several erase, swap or insert packets first: those are left out).
 *
 * What PcapPlusPlus asserts, and what it is in our report:
 * - "ended" (closed by FIN/RST) vs "ended manually" (closeAllConnections at
 *   the end: still open) <=> both our endpoints in CLOSED or TIME_WAIT, or an
 *   RST seen (history r/R) vs not;
 * - data packets (one per onMessageReady: a segment that brought new payload;
 *   a retransmission whose bytes were all delivered, or a keep-alive's garbage
 *   byte, brings none) <=> per endpoint dataSegments - retransmissions -
 *   keepAlives - zeroWindowProbes (the retransmissions and probes of these
 *   captures carry payload);
 * - data bytes (the example's metadata) <=> bytes minus the payload of the
 *   segments our ladder marks as retransmissions;
 * - start time <=> the connection's first segment (`start`);
 * - end time: PcapPlusPlus moves it on each packet it does not ignore (payload,
 *   FIN or RST) until the connection is closed <=> the last such segment of
 *   our ladder, up to the RST or the second FIN;
 * - data timestamps (TestTcpReassemblyTimeStamps) <=> the timestamps of our
 *   ladder rows that carry payload.
 * The reassembled payload and message counts are not compared (we do not
 * reassemble).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConnectionReport, EndpointReport, LadderRow } from '../../src/model/report.js';
import { analyzed, analyzeWith, corpus } from './corpus.js';
import { at, must } from '../../src/model/checked.js';

const P = (f: string) => corpus(`pcapplusplus/${f}`);

interface Case {
  /** PcapPlusPlus test case (and line numbers in TcpReassemblyTests.cpp). */
  test: string;
  file: string;
  /** Index of the connection among those started (flowKeysList order). */
  conn?: number;
  connections?: number;
  dataPackets?: number;
  ended?: boolean;
  src?: string;
  dst?: string;
  /** seconds, microseconds */
  start?: [number, number];
  end?: [number, number];
}

const CASES: Case[] = [
  {
    test: 'TestTcpReassemblySanity (351-386)',
    file: 'one_tcp_stream.pcap',
    connections: 1,
    dataPackets: 19,
    ended: false,
    src: '10.0.0.1',
    dst: '81.218.72.15',
    start: [1491516383, 915793],
    end: [1491516399, 576245],
  },
  {
    test: 'TestTcpReassemblyMaxSeq (sequence numbers wrap 2^32)',
    file: 'one_tcp_stream_max_seq.pcap',
    connections: 1,
    dataPackets: 19,
    ended: false,
    src: '10.0.0.1',
    dst: '81.218.72.15',
    start: [1491516383, 915793],
    end: [1491516399, 576245],
  },
  {
    test: 'TestTcpReassemblyWithFIN_RST (one_http_stream_fin)',
    file: 'one_http_stream_fin.pcap',
    connections: 1,
    dataPackets: 5,
    ended: true,
  },
  {
    test: 'TestTcpReassemblyWithFIN_RST (one_http_stream_rst)',
    file: 'one_http_stream_rst.pcap',
    connections: 1,
    dataPackets: 2,
    ended: true,
  },
  {
    test: 'TestTcpReassemblyWithFIN_RST (one_tcp_rst)',
    file: 'one_tcp_rst.pcap',
    connections: 1,
    dataPackets: 0,
    ended: true,
  },
  {
    test: 'TestTcpReassemblyWithFIN_RST (one_http_stream_fin2: FIN with data)',
    file: 'one_http_stream_fin2.pcap',
    connections: 1,
    dataPackets: 6,
    ended: true,
  },
  {
    test: 'TestTcpReassemblyIPv6',
    file: 'one_ipv6_http_stream.pcap',
    connections: 1,
    dataPackets: 10,
    ended: false,
    src: '2001:618:400::5199:cc70',
    dst: '2001:618:1:8000::5',
    start: [1147551796, 702602],
    end: [1147551797, 29966],
  },
  {
    test: 'TestTcpReassemblyFinReset',
    file: 'one_tcp_stream_fin_rst_close_packet.pcap',
    connections: 1,
    ended: true,
  },
  {
    test: 'TestTcpReassemblyMaxOOOFrags + TestTcpReassemblyTimeStamps (one direction, a segment missing)',
    file: 'unidirectional_tcp_stream_with_missing_packet.pcap',
    connections: 1,
    dataPackets: 7,
    ended: false,
  },
  {
    // Every packet's timestamp + 55 ns (the packets themselves are fed as they are);
    // the asserted microseconds are the file's.
    test: 'TestTcpReassemblyHighPrecision (third connection)',
    file: 'three_http_streams.pcap',
    conn: 2,
    connections: 3,
    dataPackets: 2,
    start: [1361916156, 716947],
    end: [1361916156, 800214],
  },
];

const usec = (t: number) => Math.round(t * 1e6);
const newData = (e: EndpointReport) =>
  must(e.dataSegments, 'e.dataSegments') - e.retransmissions - e.keepAlives - e.zeroWindowProbes;
const ended = (c: ConnectionReport) =>
  /r/i.test(c.history) || [c.client.state, c.server.state].every((s) => s === 'CLOSED' || s === 'TIME_WAIT');

/** PcapPlusPlus's end time: the last segment with payload, FIN or RST, up to the RST or the second FIN. */
function pppEnd(rows: LadderRow[]): number {
  let end = at(rows, 0).t;
  const fins = new Set<string>();
  for (const r of rows) {
    const fin = r.flags.includes('F');
    const rst = r.flags.includes('R');
    if (r.len > 0 || fin || rst) end = r.t;
    if (rst) break;
    if (fin) fins.add(r.dir);
    if (fins.size === 2) break;
  }
  return end;
}

async function ladder(file: string, id: number): Promise<LadderRow[]> {
  const { ladder } = await analyzeWith(P(file), { ladder: id });
  return must(ladder, 'ladder').rows;
}

describe('PcapPlusPlus TcpReassembly tests (unmodified captures)', () => {
  it.each(CASES.map((c) => [c.test, c] as const))('%s', async (_name, c) => {
    const report = await analyzed(P(c.file));
    if (c.connections !== undefined) expect(report.connections).toHaveLength(c.connections);
    const conn = at(
      [...report.connections].sort((a, b) => a.start - b.start),
      c.conn ?? 0,
    );
    if (c.ended !== undefined)
      expect(ended(conn), `ended (${conn.client.state}/${conn.server.state})`).toBe(c.ended);
    if (c.dataPackets !== undefined) expect(newData(conn.client) + newData(conn.server)).toBe(c.dataPackets);
    if (c.src !== undefined) expect([conn.client.addr, conn.server.addr]).toEqual([c.src, c.dst]);
    if (c.start !== undefined) expect(usec(conn.start)).toBe(c.start[0] * 1e6 + c.start[1]);
    if (c.end !== undefined) {
      expect(usec(pppEnd(await ladder(c.file, conn.id)))).toBe(c.end[0] * 1e6 + c.end[1]);
    }
  });

  it('TestTcpReassemblyTimeStamps: the data segments come at the timestamps PcapPlusPlus delivers them', async () => {
    const expected = readFileSync(
      P('unidirectional_tcp_stream_with_missing_packet.pcap.expect/timestamp_output.txt'),
      'utf8',
    )
      .trim()
      .split(/\s+/)
      .map(Number);
    const rows = await ladder('unidirectional_tcp_stream_with_missing_packet.pcap', 1);
    expect(rows.filter((r) => r.len > 0).map((r) => usec(r.t))).toEqual(expected);
  });

  it('TcpReassembly example metadata (tcp-reassembly.pcap): data packets and bytes per side', async () => {
    // side 0 is the side of the first packet, the client here.
    const meta = readFileSync(
      P('tcp-reassembly.pcap.expect/tcpreassembly_sanity__172.16.133.54.64370-23.21.118.18.80-metadata.txt'),
      'utf8',
    );
    const num = (re: RegExp) => Number(must(re.exec(meta), 're.exec(meta)')[1]);
    const report = await analyzed(P('tcp-reassembly.pcap'));
    // The last frame is sFlow carrying sampled TCP headers: not a TCP connection of the capture.
    expect(report.connections).toHaveLength(1);
    const c = at(report.connections, 0);
    expect([c.client.addr, c.client.port, c.server.addr, c.server.port]).toEqual([
      '172.16.133.54',
      64370,
      '23.21.118.18',
      80,
    ]);
    expect([newData(c.client), newData(c.server)]).toEqual([
      num(/data packets in side 0:\s+(\d+)/),
      num(/data packets in side 1:\s+(\d+)/),
    ]);
    const rows = await ladder('tcp-reassembly.pcap', c.id);
    const resent = (dir: string) =>
      rows.filter((r) => r.dir === dir && r.retransmission).reduce((n, r) => n + r.len, 0);
    expect([c.client.bytes - resent('c2s'), c.server.bytes - resent('s2c')]).toEqual([
      num(/bytes in side 0:\s+(\d+)/),
      num(/bytes in side 1:\s+(\d+)/),
    ]);
    expect(ended(c)).toBe(true);
  });

  it('one_tcp_stream_max_seq.pcap (sequence numbers wrap) gives the same report as one_tcp_stream.pcap', async () => {
    const a = await analyzed(P('one_tcp_stream.pcap'));
    const b = await analyzed(P('one_tcp_stream_max_seq.pcap'));
    const strip = (c: ConnectionReport) => ({
      ...c,
      client: { ...c.client, isn: null },
      server: { ...c.server, isn: null },
    });
    expect(b.connections.map(strip)).toEqual(a.connections.map(strip));
    expect(b.anomalies).toEqual(a.anomalies);
    expect(at(b.connections, 0).client.isn).not.toBe(at(a.connections, 0).client.isn);
  });
});
