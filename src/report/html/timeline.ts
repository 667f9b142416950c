/**
 * Endpoints in each state over time, for the capture and for its busiest
 * hosts, built from the connections' transitions: each transition moves one
 * endpoint out of one state and into another at its time. A CLOSE_WAIT leak is
 * a rising CLOSE_WAIT band, a TIME_WAIT storm a TIME_WAIT peak.
 *
 * Endpoints in CLOSED or LISTEN are not counted (they hold no connection;
 * `ss -tan` lists a listener once, not per connection). A capture with more
 * distinct transition times than `maxPoints` is sampled at `maxPoints` evenly
 * spaced instants (the counts at each instant, exact there).
 */
import type { AnomalyReport, ConnectionReport, Report } from '../../model/report.js';
import { bySeverity } from '../../model/severity.js';
import { COUNTED_STATES } from './state-colors.js';
import { at } from '../../model/checked.js';

export interface StateSeries {
  /** Counts per state, one per time in `StatesTimeline.times`. */
  [state: string]: number[];
}

export interface StatesTimeline {
  /** Epoch seconds of each point. */
  times: number[];
  capture: StateSeries;
  hosts: { host: string; endpoints: number; series: StateSeries }[];
  /** Anomalies to mark on the time axis (at most `maxMarkers`, the most severe first). */
  markers: { t: number; kind: string; severity: string; connection: number | null; hosts: string[] }[];
  /** Markers left out beyond the cap. */
  markersOmitted: number;
  /** The series are sampled rather than exact at every change. */
  sampled: boolean;
}

const STATE_INDEX = new Map<string, number>(COUNTED_STATES.map((s, i) => [s, i]));

interface Delta {
  t: number;
  state: number;
  d: number;
}

/** +1/-1 changes of the counted states for the endpoints accepted by `keep`. */
function deltas(conns: ConnectionReport[], keep: (addr: string) => boolean): Delta[] {
  const out: Delta[] = [];
  const push = (t: number, s: string, d: number) => {
    const i = STATE_INDEX.get(s);
    if (i !== undefined) out.push({ t, state: i, d });
  };
  for (const c of conns) {
    for (const side of ['client', 'server'] as const) {
      if (!keep(c[side].addr)) continue;
      let any = false;
      for (const tr of c.transitions) {
        if (tr.endpoint !== side) continue;
        if (!any) push(c.start <= tr.t ? c.start : tr.t, tr.from, 1);
        any = true;
        push(tr.t, tr.from, -1);
        push(tr.t, tr.to, 1);
      }
      if (!any) push(c.start, c[side].state, 1);
    }
  }
  out.sort((a, b) => a.t - b.t);
  return out;
}

function series(ds: Delta[], times: number[]): StateSeries {
  const counts = new Array<number>(COUNTED_STATES.length).fill(0);
  const out: number[][] = COUNTED_STATES.map(() => new Array<number>(times.length).fill(0));
  let k = 0;
  for (const [i, t] of times.entries()) {
    for (let d = ds[k]; d !== undefined && d.t <= t; d = ds[++k])
      counts[d.state] = (counts[d.state] ?? 0) + d.d;
    for (const [s, n] of counts.entries()) at(out, s)[i] = n;
  }
  const res: StateSeries = {};
  COUNTED_STATES.forEach((s, i) => {
    const o = at(out, i);
    if (o.some((v) => v !== 0)) res[s] = o;
  });
  return res;
}

export function statesTimeline(
  report: Pick<Report, 'connections' | 'anomalies' | 'states' | 'capture'>,
  opts: { maxPoints?: number; maxHosts?: number; maxMarkers?: number } = {},
): StatesTimeline {
  const maxPoints = opts.maxPoints ?? 1500;
  const conns = report.connections;
  const all = deltas(conns, () => true);
  const start = report.capture.start ?? all[0]?.t ?? 0;
  const end = Math.max(report.capture.end ?? start, all.at(-1)?.t ?? start);
  const distinct: number[] = [];
  for (const d of all) if (distinct.at(-1) !== d.t) distinct.push(d.t);
  let times: number[];
  let sampled = false;
  if (distinct.length + 2 <= maxPoints) {
    times = [start, ...distinct.filter((t) => t > start && t < end), end];
  } else {
    sampled = true;
    const n = maxPoints;
    times = Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
  }
  const hostNames: string[] = [];
  for (const h of report.states.hosts) {
    if (!hostNames.includes(h.host)) hostNames.push(h.host);
    if (hostNames.length >= (opts.maxHosts ?? 6)) break;
  }
  const hosts = hostNames.map((host) => {
    const ds = deltas(conns, (a) => a === host);
    return {
      host,
      endpoints: report.states.hosts.filter((h) => h.host === host).reduce((s, h) => s + h.total, 0),
      series: series(ds, times),
    };
  });
  const byId = new Map(conns.map((c) => [c.id, c]));
  const maxMarkers = opts.maxMarkers ?? 2000;
  const sorted = [...report.anomalies].sort((a, b) => bySeverity(a.severity, b.severity) || a.t - b.t);
  const markers = sorted.slice(0, maxMarkers).map((a: AnomalyReport) => {
    const c = a.connection === null ? undefined : byId.get(a.connection);
    const hs = a.host ? [a.host] : c ? [c.client.addr, c.server.addr] : [];
    return { t: a.t, kind: a.kind, severity: a.severity, connection: a.connection, hosts: hs };
  });
  markers.sort((a, b) => a.t - b.t);
  return {
    times,
    capture: series(all, times),
    hosts,
    markers,
    markersOmitted: Math.max(0, report.anomalies.length - maxMarkers),
    sampled,
  };
}
