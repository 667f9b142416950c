/**
 * suricata-verify's expectations on TCP session state (corpus suricata-verify/
 * <test>/test.yaml) against the real pipeline: the `tcp.state` of flow events
 * (the state when the flow ended, at the end of the capture) and the
 * `stream_tcp.session.state` after a given packet.
 *
 * Suricata keeps one state per session, not per endpoint. Its state machine
 * (OISF/suricata src/stream-tcp.c) follows the server: a FIN to the server
 * in ESTABLISHED makes it CLOSE_WAIT, a FIN to the client FIN_WAIT1, then
 * LAST_ACK / FIN_WAIT2 / CLOSING / TIME_WAIT as the server's would; before
 * that, SYN_SENT (the client's SYN seen) and SYN_RECV (the SYN-ACK seen).
 * It orders the FINs as they were captured: a server FIN that follows the
 * client's in the capture takes it from CLOSE_WAIT to LAST_ACK even when the
 * acknowledgement numbers show the FINs crossed (our CLOSING). So, from our
 * endpoints:
 *   both CLOSED or TIME_WAIT           -> closed
 *   client SYN_SENT                    -> syn_sent (no SYN-ACK, or none reached it)
 *   server SYN_RECEIVED                -> syn_recv (the client took the SYN-ACK)
 *   server CLOSING, client's FIN first -> last_ack
 *   otherwise the server's state       -> established, close_wait, last_ack,
 *                                         fin_wait1, fin_wait2, closing, time_wait
 * Left out: expectations on other things (alerts, app layers, files,
 * stream events), and flow counts (Suricata's flows are not TCP connections:
 * a flow can outlive a connection, UDP flows count). The flow's packet counts
 * (flow.pkts_toserver / pkts_toclient) are compared with our client's and
 * server's packets where the flow has them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectionReport, LadderRow, Report } from '../../src/model/report.js';
import type { StateName } from '../../src/model/states.js';
import { analyzed, analyzeWith, corpus, epKey } from './corpus.js';
import { at, must } from '../../src/model/checked.js';

const DIR = corpus('suricata-verify');

/**
 * Our disagreements, keyed `<test>: <what>`, with why (the test fails on any
 * other). Suricata moves the receiver of a segment when the segment is
 * captured; the tracker when the receiver shows it arrived (its ACK, its next
 * segment, or its silence past the time it would have resent: SPEC.md
 * "Evidence, vantage point and capture quality").
 */
const SYNACK_EVIDENCE =
  'after the SYN-ACK: Suricata takes it as received when captured; the tracker moves the client to ESTABLISHED at its answer, the next packet (the session is syn_sent until then)';
const KNOWN: Record<string, string> = {
  'tcp-fastopen-10-syn-data-ignore: pcap_cnt 2': SYNACK_EVIDENCE,
  'tcp-fastopen-11-reject-syn-data: pcap_cnt 2': SYNACK_EVIDENCE,
  'tcp-fastopen-11-reject-syn-data: pcap_cnt 3':
    "after the client's final ACK: Suricata takes the server ESTABLISHED when the ACK is captured; the tracker when the server shows it got it (its next segment, two packets later)",
  'bug-2491-02: flow':
    'a one-sided capture (only one direction): the FIN is captured on its way, but nothing from its receiver ever shows it arrived; Suricata takes it as received (close_wait), the tracker keeps the receiver ESTABLISHED, marked inferred',
};

type Match = Record<string, string>;

/** The `match:` maps of the `- filter:` checks of a suricata-verify test.yaml (enough YAML for these files). */
function parseChecks(yaml: string): Match[] {
  const out: Match[] = [];
  let cur: Match | null = null;
  let matchIndent = -1;
  for (const line of yaml.split('\n')) {
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    if (/^\s*- filter:\s*$/.test(line)) {
      cur = {};
      out.push(cur);
      matchIndent = -1;
      continue;
    }
    if (cur === null) continue;
    if (/^\s*match:\s*$/.test(line)) {
      matchIndent = indent;
      continue;
    }
    if (matchIndent >= 0 && indent > matchIndent) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
      if (m)
        cur[at(m, 1).trim()] = at(m, 2)
          .trim()
          .replace(/^(['"])(.*)\1$/, '$2');
    } else if (indent <= matchIndent) matchIndent = -1;
  }
  return out;
}

const SURICATA: Partial<Record<StateName, string>> = {
  ESTABLISHED: 'established',
  CLOSE_WAIT: 'close_wait',
  LAST_ACK: 'last_ack',
  FIN_WAIT_1: 'fin_wait1',
  FIN_WAIT_2: 'fin_wait2',
  CLOSING: 'closing',
  TIME_WAIT: 'time_wait',
};

/** Suricata's session state for our two endpoint states (see the mapping above). */
function suricataState(client: StateName, server: StateName, firstFin: 'client' | 'server' | null): string {
  const over = (s: StateName) => s === 'CLOSED' || s === 'TIME_WAIT';
  if (over(client) && over(server)) return 'closed';
  if (client === 'SYN_SENT') return 'syn_sent';
  if (server === 'SYN_RECEIVED') return 'syn_recv';
  if (server === 'CLOSING' && firstFin === 'client') return 'last_ack';
  return SURICATA[server] ?? `none (client ${client}, server ${server})`;
}

function firstFinOf(c: ConnectionReport): 'client' | 'server' | null {
  const t = c.transitions.find((x) => x.to === 'FIN_WAIT_1' || x.to === 'CLOSE_WAIT');
  if (!t) return null;
  // FIN_WAIT_1: this endpoint sent the FIN; CLOSE_WAIT: it received it.
  return t.to === 'FIN_WAIT_1' ? t.endpoint : t.endpoint === 'client' ? 'server' : 'client';
}

interface Expectation {
  test: string;
  pcap: string;
  what: string;
  expected: string;
  match: Match;
}

function expectations(): Expectation[] {
  const out: Expectation[] = [];
  const tests = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('test.yaml'),
  );
  for (const y of tests.sort()) {
    const test = y.replace(/\/test\.yaml$/, '');
    const files = readdirSync(join(DIR, test)).filter((f) => /\.pcap$/.test(f));
    if (files.length !== 1) continue;
    for (const m of parseChecks(readFileSync(join(DIR, y), 'utf8'))) {
      const pcap = join(DIR, test, at(files, 0));
      if (m.event_type === 'flow' && m['tcp.state'] !== undefined) {
        const id = m.src_ip !== undefined ? ` ${m.src_ip}:${m.src_port} -> ${m.dest_ip}:${m.dest_port}` : '';
        out.push({ test, pcap, what: `flow${id}`, expected: m['tcp.state'], match: m });
      } else if (m.event_type === 'stream_tcp' && m['stream_tcp.session.state'] !== undefined) {
        out.push({
          test,
          pcap,
          what: `pcap_cnt ${m.pcap_cnt}`,
          expected: m['stream_tcp.session.state'],
          match: m,
        });
      }
    }
  }
  return out;
}

function findConn(report: Report, m: Match): { conn: ConnectionReport | null; clientIsSrc: boolean } {
  if (m.src_ip === undefined) {
    return { conn: report.connections.length === 1 ? at(report.connections, 0) : null, clientIsSrc: true };
  }
  const src = epKey(m.src_ip, Number(m.src_port));
  const dst = epKey(must(m.dest_ip, 'm.dest_ip'), Number(m.dest_port));
  for (const c of report.connections) {
    const cl = epKey(c.client.addr, c.client.port);
    const sv = epKey(c.server.addr, c.server.port);
    if (cl === src && sv === dst) return { conn: c, clientIsSrc: true };
    if (cl === dst && sv === src) return { conn: c, clientIsSrc: false };
  }
  return { conn: null, clientIsSrc: true };
}

async function stateAfter(pcap: string, conn: ConnectionReport, frame: number): Promise<string> {
  const { ladder } = await analyzeWith(pcap, { ladder: conn.id });
  const rows: LadderRow[] = must(ladder, 'ladder').rows;
  const row = rows.find((r) => r.frame === frame);
  if (!row) return `no segment of the connection in frame ${frame}`;
  const fin = rows.find((r) => r.frame <= frame && r.flags.includes('F'));
  const firstFin = fin ? (fin.dir === 'c2s' ? 'client' : 'server') : null;
  return suricataState(row.clientState, row.serverState, firstFin);
}

const cases = expectations();

describe('suricata-verify: Suricata TCP session states', () => {
  it('the corpus has flow and per-packet session states to compare', () => {
    expect(cases.filter((c) => c.what.startsWith('flow')).length).toBeGreaterThanOrEqual(12);
    expect(cases.filter((c) => c.what.startsWith('pcap_cnt')).length).toBeGreaterThanOrEqual(6);
  });

  it('agree, or the disagreement is explained', async () => {
    const lines: string[] = [];
    const wrong: string[] = [];
    let agree = 0;
    for (const c of cases) {
      const key = `${c.test}: ${c.what}`;
      const report = await analyzed(c.pcap);
      const { conn, clientIsSrc } = findConn(report, c.match);
      let ours: string;
      if (conn === null) ours = `no such connection (${report.connections.length} connections)`;
      else if (c.what.startsWith('flow')) {
        ours = suricataState(conn.client.state, conn.server.state, firstFinOf(conn));
        // The flow's packet counts, where given, are our client's and server's packets.
        const ts = c.match['flow.pkts_toserver'];
        const tc = c.match['flow.pkts_toclient'];
        const [toServer, toClient] = clientIsSrc
          ? [conn.client.packets, conn.server.packets]
          : [conn.server.packets, conn.client.packets];
        if (ts !== undefined && Number(ts) !== toServer)
          wrong.push(`${key}: pkts_toserver ${toServer} != ${ts}`);
        if (tc !== undefined && Number(tc) !== toClient)
          wrong.push(`${key}: pkts_toclient ${toClient} != ${tc}`);
      } else ours = await stateAfter(c.pcap, conn, Number(c.match.pcap_cnt));
      if (ours === c.expected) {
        agree++;
        lines.push(`  ${key}: ${ours}`);
        if (KNOWN[key]) wrong.push(`${key}: agrees now, drop it from KNOWN`);
      } else {
        lines.push(`  ${key}: ours ${ours}, Suricata ${c.expected} -- ${KNOWN[key] ?? 'UNEXPLAINED'}`);
        if (!KNOWN[key]) wrong.push(`${key}: ours ${ours}, Suricata ${c.expected}`);
      }
    }
    console.log(`Suricata tcp.state: ${agree}/${cases.length} agree\n${lines.join('\n')}`);
    expect(wrong).toEqual([]);
    expect(Object.keys(KNOWN).filter((k) => !cases.some((c) => `${c.test}: ${c.what}` === k))).toEqual([]);
  });
});
