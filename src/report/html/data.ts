/**
 * The data the HTML report embeds: the report's summary, the states over time,
 * the connection table in a compact columnar form (a 40 k-connection capture
 * stays a few MB), and the segments of the connections drawn in full (those
 * with anomalies first, then the ones the user picked, then the first others,
 * up to a bound). The page's script (page.ts) reads it back with `unpack*`.
 */
import { KIND_BY_NAME } from '../../model/kinds.js';
import type { AnomalyReport, ConnectionReport, LadderReport, Report } from '../../model/report.js';
import { bySeverity as compareSeverity, severityRank } from '../../model/severity.js';
import { statesTimeline, type StatesTimeline } from './timeline.js';
import type { ViewConn } from './types.js';
import { at } from '../../model/checked.js';

/** One connection row; hosts, states, connStates and kinds are indexes into the page's tables. */
export type PackedConn = [
  id: number,
  clientHost: number,
  clientPort: number,
  clientState: number,
  serverHost: number,
  serverPort: number,
  serverState: number,
  /** Seconds since the capture's start. */
  start: number,
  duration: number,
  clientPackets: number,
  serverPackets: number,
  clientBytes: number,
  serverBytes: number,
  connState: number,
  kinds: number[],
  /** 1 when the page draws it. */
  drawn: number,
];

/** One segment, as its ladder row. */
export type PackedRow = [
  frame: number,
  rel: number,
  /** 0 client to server, 1 server to client. */
  dir: number,
  flags: string,
  relSeq: number,
  relAck: number,
  len: number,
  win: number,
  /** 1 when a retransmission. */
  retransmission: number,
  kinds: number[],
  sack: number[][],
];

export interface KindInfo {
  kind: string;
  severity: string;
  count: number;
  /** The first anomaly of the kind, as an example. */
  message: string;
  hint: string;
  connections: number;
}

export interface PageData {
  version: 1;
  generated: string;
  tool: string;
  capture: Report['capture'];
  states: Report['states'];
  summarised: Report['summarised'];
  totals: { connections: number; anomalies: number; bySeverity: Record<string, number> };
  kinds: KindInfo[];
  timeline: StatesTimeline;
  table: {
    hosts: string[];
    states: string[];
    connStates: string[];
    kinds: string[];
    rows: PackedConn[];
  };
  details: { conn: ViewConn; rows: PackedRow[]; omitted: number }[];
  /** Connections with anomalies that could not be drawn (bounds), and the bounds. */
  detailsLeftOut: number;
  bounds: { connections: number; rows: number };
}

export interface DetailBounds {
  /** Connections drawn at most. */
  connections: number;
  /** Segments embedded at most, over all drawn connections. */
  rows: number;
}

export const DEFAULT_BOUNDS: DetailBounds = { connections: 300, rows: 150_000 };

function severityOf(kind: string): string {
  return KIND_BY_NAME.get(kind)?.severity ?? 'info';
}

/**
 * The connections to draw, in order: anomalies (errors first), the picked ones,
 * then the others by id, up to `bounds.connections`.
 */
export function chooseDetails(
  report: Report,
  picked: number[],
  bounds: DetailBounds = DEFAULT_BOUNDS,
): number[] {
  const rank = (c: ConnectionReport) => Math.min(...c.anomalies.map((k) => severityRank(severityOf(k))));
  const withAnomalies = report.connections
    .filter((c) => c.anomalies.length > 0)
    .sort((a, b) => rank(a) - rank(b) || a.id - b.id)
    .map((c) => c.id);
  const ids: number[] = [];
  const seen = new Set<number>();
  const add = (id: number) => {
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  };
  // The user's picks are never crowded out by anomalies.
  for (const id of picked) add(id);
  for (const id of withAnomalies) add(id);
  for (const c of report.connections) add(c.id);
  return ids.slice(0, Math.max(bounds.connections, picked.length));
}

function viewConn(c: ConnectionReport): ViewConn {
  const ep = (e: ConnectionReport['client']) => {
    const x = e as Partial<Pick<ConnectionReport['client'], 'since' | 'stateEvidence'>>;
    return {
      addr: e.addr,
      port: e.port,
      state: e.state,
      windowScale: e.windowScale,
      ...(x.since !== undefined ? { since: x.since } : {}),
      ...(x.stateEvidence !== undefined ? { stateEvidence: x.stateEvidence } : {}),
    };
  };
  const x = c as ConnectionReport & Partial<Pick<ViewConn, 'vantage' | 'oneWay' | 'captureGaps'>>;
  return {
    id: c.id,
    start: c.start,
    end: c.end,
    duration: c.duration,
    handshakeRtt: c.handshakeRtt,
    roleInferred: c.roleInferred,
    midstream: c.midstream,
    connState: c.connState,
    history: c.history,
    anomalies: c.anomalies,
    client: ep(c.client),
    server: ep(c.server),
    transitions: c.transitions,
    ...(x.vantage !== undefined ? { vantage: x.vantage } : {}),
    ...(x.oneWay !== undefined ? { oneWay: x.oneWay } : {}),
    ...(x.captureGaps !== undefined ? { captureGaps: x.captureGaps } : {}),
  };
}

/** Rounds a time to the microsecond (the capture's resolution in most files; keeps the JSON short). */
const us = (t: number) => Math.round(t * 1e6) / 1e6;

export function buildPageData(
  report: Report,
  ladders: Map<number, LadderReport>,
  order: number[],
  bounds: DetailBounds = DEFAULT_BOUNDS,
  now = new Date(),
): PageData {
  const interner = () => {
    const list: string[] = [];
    const index = new Map<string, number>();
    return {
      list,
      id(s: string): number {
        let i = index.get(s);
        if (i === undefined) {
          i = list.length;
          list.push(s);
          index.set(s, i);
        }
        return i;
      },
    };
  };
  const hosts = interner();
  const states = interner();
  const connStates = interner();
  const kinds = interner();

  // Details first: the table marks the drawn connections.
  const details: PageData['details'] = [];
  let rowsLeft = bounds.rows;
  let leftOut = 0;
  const drawn = new Set<number>();
  for (const id of order) {
    const l = ladders.get(id);
    if (!l) continue;
    if (details.length >= Math.max(bounds.connections, 1) || l.rows.length > rowsLeft) continue;
    rowsLeft -= l.rows.length;
    drawn.add(id);
    details.push({
      conn: viewConn(l.connection),
      omitted: l.elided,
      rows: l.rows.map((r) => [
        r.frame,
        us(r.rel),
        r.dir === 'c2s' ? 0 : 1,
        r.flags,
        r.relSeq,
        r.relAck,
        r.len,
        r.win,
        r.retransmission ? 1 : 0,
        r.anomalies.map((k) => kinds.id(k)),
        r.sack ?? [],
      ]),
    });
  }
  const t0 = report.capture.start ?? 0;
  const rows: PackedConn[] = report.connections.map((c) => [
    c.id,
    hosts.id(c.client.addr),
    c.client.port,
    states.id(c.client.state),
    hosts.id(c.server.addr),
    c.server.port,
    states.id(c.server.state),
    us(c.start - t0),
    us(c.duration),
    c.client.packets,
    c.server.packets,
    c.client.bytes,
    c.server.bytes,
    connStates.id(c.connState),
    c.anomalies.map((k) => kinds.id(k)),
    drawn.has(c.id) ? 1 : 0,
  ]);
  for (const c of report.connections) if (c.anomalies.length > 0 && !drawn.has(c.id)) leftOut++;

  // Anomalies by kind, as the terminal lists them.
  const byKind = new Map<string, AnomalyReport[]>();
  for (const a of report.anomalies) {
    const l = byKind.get(a.kind);
    if (l) l.push(a);
    else byKind.set(a.kind, [a]);
  }
  const counts = report.anomalyCounts ?? {};
  const kindList: KindInfo[] = [...byKind.entries()]
    .map(([kind, list]) => ({
      kind,
      severity: at(list, 0).severity,
      count: counts[kind] ?? list.length,
      message: at(list, 0).message,
      hint: at(list, 0).hint,
      connections: new Set(list.map((a) => a.connection).filter((x) => x !== null)).size,
    }))
    .sort((a, b) => compareSeverity(a.severity, b.severity) || b.count - a.count);
  const bySeverity: Record<string, number> = {};
  for (const k of kindList) bySeverity[k.severity] = (bySeverity[k.severity] ?? 0) + k.count;
  for (const k of kindList) kinds.id(k.kind);

  return {
    version: 1,
    generated: now.toISOString(),
    tool: 'tcptrace-ts',
    capture: report.capture,
    states: report.states,
    summarised: report.summarised,
    totals: {
      connections: report.connections.length + report.summarised.connections,
      anomalies: kindList.reduce((s, k) => s + k.count, 0),
      bySeverity,
    },
    kinds: kindList,
    timeline: statesTimeline(report),
    table: { hosts: hosts.list, states: states.list, connStates: connStates.list, kinds: kinds.list, rows },
    details,
    detailsLeftOut: leftOut,
    bounds: { ...bounds },
  };
}
