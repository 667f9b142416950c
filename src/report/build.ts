/**
 * From the engine's live objects (connections, anomalies, capture statistics) to
 * the report model of SPEC.md. Pure: no I/O.
 */
import type { CaptureStats } from '../capture/record.js';
import { formatAddr, parseAddr } from '../decode/addr.js';
import {
  CLIENT,
  type Connection,
  type Endpoint,
  SIDE_NAMES,
  SIDES,
  VANTAGE_NAMES,
} from '../tcp/connection.js';
import { STATE_NAMES, State, type StateName } from '../model/states.js';
import { roundMicros } from './format.js';
import type {
  AnomalyReport,
  CaptureSummary,
  ConnectionReport,
  EndpointReport,
  StateSummary,
} from '../model/report.js';

/** Names of link types for the capture summary (LINKTYPE_* numbers). */
const LINK_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'EN10MB',
  10: 'FDDI',
  12: 'RAW',
  14: 'RAW',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  108: 'LOOP',
  113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIO',
  228: 'IPV4',
  229: 'IPV6',
  239: 'NFLOG',
  258: 'PKTAP',
  276: 'LINUX_SLL2',
};

export function linkTypeName(lt: number): string {
  return LINK_NAMES[lt] ?? `LINKTYPE_${lt}`;
}

export function endpointReport(ep: Endpoint): EndpointReport {
  return {
    addr: ep.addrText,
    port: ep.port,
    state: STATE_NAMES[ep.state],
    packets: ep.packets,
    bytes: ep.bytes,
    dataSegments: ep.dataSegments,
    isn: ep.hasIsn ? ep.isn : null,
    retransmissions: ep.retransmissions,
    synRetransmissions: ep.synRetransmissions,
    outOfOrder: ep.outOfOrder,
    dupAcks: ep.dupAcks,
    zeroWindows: ep.zeroWindows,
    keepAlives: ep.keepAlives,
    zeroWindowProbes: ep.zeroWindowProbes,
    mss: ep.mss >= 0 ? ep.mss : null,
    windowScale: ep.wscale >= 0 ? ep.wscale : null,
    sack: ep.sackPermitted,
    timestamps: ep.timestamps,
    since: ep.stateSince > 0 ? ep.stateSince : null,
    stateEvidence: ep.evidenceInferred ? 'inferred' : 'seen',
  };
}

export function connectionReport(conn: Connection): ConnectionReport {
  return {
    id: conn.id,
    client: endpointReport(conn.client),
    server: endpointReport(conn.server),
    roleInferred: conn.roleInferred,
    midstream: conn.midstream,
    timedOut: conn.timedOut,
    vantage: VANTAGE_NAMES[conn.vantage],
    oneWay: conn.oneWay,
    captureGaps: conn.captureGaps,
    duplicates: conn.duplicates,
    endNotCaptured: conn.endNotCaptured,
    start: conn.start,
    end: conn.end,
    duration: roundMicros(conn.end - conn.start),
    // Wireshark's iRTT: from the SYN to the ACK of the SYN-ACK.
    handshakeRtt: conn.synTs > 0 && conn.ackTs > 0 ? roundMicros(conn.ackTs - conn.synTs) : null,
    connState: conn.zeek.connState(),
    history: conn.zeek.history,
    transitions: conn.transitions.map((r) => ({
      t: r.t,
      frame: r.frame,
      endpoint: SIDE_NAMES[r.side],
      from: STATE_NAMES[r.from],
      to: STATE_NAMES[r.to],
      cause: r.cause,
      ...(r.inferred ? { inferred: true } : {}),
    })),
    anomalies: [...conn.anomalies],
    ...(conn.tunnel !== null ? { tunnel: conn.tunnel.map((t) => ({ ...t })) } : {}),
  };
}

/** Running state counts for connections that were summarised (dropped from the full list). */
export interface Summarised {
  connections: number;
  client: Record<string, number>;
  server: Record<string, number>;
}

export function newSummarised(): Summarised {
  return { connections: 0, client: {}, server: {} };
}

export function summarise(into: Summarised, conn: Connection): void {
  into.connections++;
  const c = STATE_NAMES[conn.client.state];
  const s = STATE_NAMES[conn.server.state];
  into.client[c] = (into.client[c] ?? 0) + 1;
  into.server[s] = (into.server[s] ?? 0) + 1;
}

/**
 * Endpoint states at the end of the capture, as `ss -tan` on each host would
 * count them: per side, and per host for the busiest hosts (CLOSED endpoints
 * hold no socket and are not counted per host).
 */
export function stateSummary(
  conns: readonly Connection[],
  summarised: Summarised | null,
  topHosts = 10,
  closed: { afterId: number; count: number } | null = null,
): StateSummary {
  const client: Record<string, number> = {};
  const server: Record<string, number> = {};
  // Keyed by side and the IPv4 address as a number (no text made per endpoint), by text for IPv6.
  const hosts = new Map<
    string | number,
    { host: string; side: 'client' | 'server'; total: number; states: Record<string, number> }
  >();
  const oldest: { client: Record<string, number>; server: Record<string, number> } = {
    client: {},
    server: {},
  };
  // Connections held elsewhere (engine/connection-store.ts), CLOSED on both
  // sides: counted where the first of them comes in creation order, so the
  // state names keep the order they have when every connection is counted here.
  const addClosed = (count: number): void => {
    client.CLOSED = (client.CLOSED ?? 0) + count;
    server.CLOSED = (server.CLOSED ?? 0) + count;
    closed = null;
  };
  for (const conn of conns) {
    if (closed !== null && conn.id > closed.afterId) addClosed(closed.count);
    for (const side of SIDES) {
      const ep = conn.endpoint(side);
      const name: StateName = STATE_NAMES[ep.state];
      const counts = side === CLIENT ? client : server;
      counts[name] = (counts[name] ?? 0) + 1;
      if (ep.state === State.CLOSED) continue;
      // The oldest entry into each state: how long the longest-stuck endpoint has been there.
      const since = ep.stateSince;
      const o = side === CLIENT ? oldest.client : oldest.server;
      if (since > 0 && !((o[name] ?? Infinity) <= since)) o[name] = since;
      const sideName = SIDE_NAMES[side];
      const key = conn.ipVersion === 4 ? ep.addr4 * 2 + side : `${sideName} ${ep.addrText}`;
      let h = hosts.get(key);
      if (!h) {
        h = { host: ep.addrText, side: sideName, total: 0, states: {} };
        hosts.set(key, h);
      }
      h.total++;
      h.states[name] = (h.states[name] ?? 0) + 1;
    }
  }
  if (closed !== null) addClosed(closed.count);
  if (summarised) {
    for (const [k, v] of Object.entries(summarised.client)) client[k] = (client[k] ?? 0) + v;
    for (const [k, v] of Object.entries(summarised.server)) server[k] = (server[k] ?? 0) + v;
  }
  const top = [...hosts.values()]
    .sort((a, b) => b.total - a.total || a.host.localeCompare(b.host))
    .slice(0, topHosts);
  return { client, server, hosts: top, oldest };
}

export function captureSummary(
  stats: CaptureStats,
  tcpPackets: number,
  skipped: Record<string, number>,
  unavailable: string[],
): CaptureSummary {
  const warnings = stats.warnings.map((w) => w.message);
  // What the reader could not hand on (a pcapng packet naming no interface) is skipped too.
  for (const [k, n] of Object.entries(stats.skipped ?? {})) skipped[k] = (skipped[k] ?? 0) + n;
  const summary: CaptureSummary = {
    files: stats.files.map((f) => f.file),
    format: stats.format,
    gzip: stats.gzip,
    linkTypes: stats.linkTypes.map(linkTypeName),
    packets: stats.text ? tcpPackets + Object.values(skipped).reduce((a, b) => a + b, 0) : stats.packets,
    tcpPackets,
    skipped,
    start: stats.start,
    end: stats.end,
    truncated: stats.truncated,
    damaged: stats.damaged,
    warnings,
  };
  if (unavailable.length > 0) summary.unavailable = unavailable;
  return summary;
}

/** Does the connection match the --host / --port / --conn filters? */
export interface ConnFilter {
  /** --host / --port: the connection's own (inner, when tunnelled) endpoints. */
  hosts: Set<string> | null;
  ports: Set<number> | null;
  ids: Set<number> | null;
  /** --tunnel-host: an outer endpoint of any tunnel the connection travelled in. */
  tunnelHosts?: Set<string> | null;
}

export function makeFilter(
  host?: string[],
  port?: number[],
  conn?: number[],
  tunnelHost?: string[],
): ConnFilter | null {
  if (!host?.length && !port?.length && !conn?.length && !tunnelHost?.length) return null;
  return {
    hosts: host?.length ? new Set(host) : null,
    ports: port?.length ? new Set(port) : null,
    ids: conn?.length ? new Set(conn) : null,
    tunnelHosts: tunnelHost?.length ? new Set(tunnelHost.map(canonicalAddr)) : null,
  };
}

/** An address as the report prints it, so `--host 2001:DB8:0::1` finds 2001:db8::1. */
function canonicalAddr(a: string): string {
  const p = parseAddr(a);
  return p ? formatAddr(p.ipVersion, p.bytes) : a;
}

export function matches(f: ConnFilter | null, c: ConnectionReport): boolean {
  if (!f) return true;
  if (f.ids && !f.ids.has(c.id)) return false;
  if (f.hosts && !f.hosts.has(c.client.addr) && !f.hosts.has(c.server.addr)) return false;
  if (f.ports && !f.ports.has(c.client.port) && !f.ports.has(c.server.port)) return false;
  if (f.tunnelHosts) {
    const t = f.tunnelHosts;
    if (!c.tunnel?.some((h) => t.has(h.src) || t.has(h.dst))) return false;
  }
  return true;
}

export function anomalyMatches(f: ConnFilter | null, a: AnomalyReport, keptIds: Set<number>): boolean {
  if (!f) return true;
  if (a.connection !== null) return keptIds.has(a.connection);
  // Host-level anomalies: kept when the host is named, or when only ports are filtered.
  if (f.ids) return false;
  const host = a.host;
  if (f.hosts)
    return (
      host !== undefined &&
      [...f.hosts].some((h) => host === h || host.startsWith(`${h}:`) || host.startsWith(`[${h}]:`))
    );
  return true;
}
