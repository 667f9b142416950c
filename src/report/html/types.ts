/**
 * What the HTML report's views read: the report's connection (with the evidence
 * fields of SPEC.md "Evidence, vantage point and capture quality" where the
 * engine gives them) and its segments as ladder rows. Shared by the Node side
 * (`ladder --svg`, the page's data) and the browser (the page's script).
 */
import type { ConnectionReport, EndpointReport, LadderRow, Transition, Vantage } from '../../model/report.js';

export type { Vantage };

/** An endpoint with SPEC.md's evidence fields, optional until every engine gives them. */
export type ViewEndpoint = Pick<EndpointReport, 'addr' | 'port' | 'state' | 'windowScale'> & {
  since?: number | null;
  stateEvidence?: 'seen' | 'inferred';
};

export type ViewTransition = Transition & { inferred?: boolean };

/** The connection as the views need it (a ConnectionReport has all of it). */
export interface ViewConn extends Pick<
  ConnectionReport,
  | 'id'
  | 'start'
  | 'end'
  | 'duration'
  | 'handshakeRtt'
  | 'roleInferred'
  | 'midstream'
  | 'connState'
  | 'history'
  | 'anomalies'
> {
  client: ViewEndpoint;
  server: ViewEndpoint;
  transitions: ViewTransition[];
  vantage?: Vantage;
  oneWay?: boolean;
  captureGaps?: number;
}

/** One segment as the views need it (a LadderRow has all of it). */
export type ViewRow = Pick<
  LadderRow,
  | 'frame'
  | 'rel'
  | 'dir'
  | 'flags'
  | 'relSeq'
  | 'relAck'
  | 'len'
  | 'win'
  | 'retransmission'
  | 'anomalies'
  | 'sack'
>;

/** One connection to draw. `omitted` rows past the recorder's cap were not recorded. */
export interface ViewDetail {
  conn: ViewConn;
  rows: ViewRow[];
  omitted: number;
}

/** Sequence space a segment takes: its payload, plus one for SYN and for FIN (RFC 9293 3.4). */
export function seqSpace(r: Pick<ViewRow, 'flags' | 'len'>): number {
  return r.len + (r.flags.includes('S') ? 1 : 0) + (r.flags.includes('F') ? 1 : 0);
}

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A duration in seconds, short: `850 µs`, `12.3 ms`, `1.50 s`, `2 min 5 s`. */
export function shortDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const a = Math.abs(s);
  if (a < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (a < 1) return `${(s * 1e3).toFixed(a < 0.01 ? 2 : 1)} ms`;
  if (a < 120) return `${s.toFixed(2)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
