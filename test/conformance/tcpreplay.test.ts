/**
 * tcpreplay's rewritten captures as a metamorphic oracle (corpus tcpreplay/):
 * tcprewrite made each one from test.pcap (the command is in its .expect
 * excerpt), changing what TCP state does not depend on. The report must be
 * the same, but for what the rewrite changes:
 * - test.rewrite_sequence (`--tcp-sequence 42`): every TCP sequence and
 *   acknowledgement number shifted by one constant; ISNs differ by that
 *   constant (mod 2^32), everything else is equal;
 * - test.rewrite_vlan802.1ad (an 802.1ad tag added) and test.rewrite_dlthdlc
 *   (Cisco HDLC link type): identical TCP results; the link type differs, and
 *   in the HDLC file tcprewrite mangled the non-TCP MPLS frames (ICMP) so that
 *   they no longer decode as IP: skip counts by reason differ, not TCP.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionReport, Report } from '../../src/model/report.js';
import { analyzed, corpus } from './corpus.js';
import { at } from '../../src/model/checked.js';

const T = (f: string) => corpus(`tcpreplay/${f}`);
const REWRITES = ['test.rewrite_sequence', 'test.rewrite_vlan802.1ad', 'test.rewrite_dlthdlc'] as const;

function withoutIsn(c: ConnectionReport): ConnectionReport {
  return { ...c, client: { ...c.client, isn: null }, server: { ...c.server, isn: null } };
}

/** The TCP part of a report: connections, anomalies, states, TCP packet count. */
function tcpPart(r: Report) {
  return {
    tcpPackets: r.capture.tcpPackets,
    packets: r.capture.packets,
    connections: r.connections.map(withoutIsn),
    anomalies: r.anomalies,
    states: r.states,
  };
}

describe('tcpreplay rewrites of test.pcap give the same TCP results', () => {
  it('test.pcap has TCP connections in several states to compare', async () => {
    const base = await analyzed(T('test.pcap'));
    expect(base.connections.length).toBe(7);
    expect(new Set(base.connections.map((c) => c.connState)).size).toBeGreaterThan(2);
    expect(base.connections.some((c) => c.client.addr.includes(':'))).toBe(true);
  });

  it.each(REWRITES)('%s', async (name) => {
    const base = await analyzed(T('test.pcap'));
    const r = await analyzed(T(name));
    expect(tcpPart(r)).toEqual(tcpPart(base));
    const shifts = new Set<number>();
    r.connections.forEach((c, i) => {
      const b = at(base.connections, i);
      for (const side of ['client', 'server'] as const) {
        const isn = c[side].isn;
        const was = b[side].isn;
        expect(isn === null).toBe(was === null);
        if (isn !== null && was !== null) shifts.add((isn - was) >>> 0);
      }
    });
    if (name === 'test.rewrite_sequence') {
      // One constant shift for every ISN of every connection, and not zero.
      expect(shifts.size).toBe(1);
      expect([...shifts][0]).not.toBe(0);
    } else {
      expect([...shifts]).toEqual([0]);
    }
  });
});
