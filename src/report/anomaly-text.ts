/**
 * Shared pieces for showing anomalies: severity of a kind, the "worst first"
 * order, and the short `#id client → server` location.
 */
import { KIND_BY_NAME } from '../model/kinds.js';
import { bySeverity } from '../model/severity.js';
import { endpointLabel } from './format.js';
import type { AnomalyReport, Severity } from '../model/report.js';
import { sanitize } from './sanitize.js';

/** Severity of a kind: as reported, else the registry's, else info. */
export function kindSeverity(kind: string, reported?: ReadonlyMap<string, Severity>): Severity {
  return reported?.get(kind) ?? KIND_BY_NAME.get(kind)?.severity ?? 'info';
}

/** `10.0.0.1:4321 → 10.0.0.2:80` (sanitized). */
/** What a connection's label needs: its two ends (a ConnectionReport has them). */
export interface ConnectionEnds {
  client: { addr: string; port: number };
  server: { addr: string; port: number };
}

export function connectionLabel(conn: ConnectionEnds): string {
  return sanitize(
    `${endpointLabel(conn.client.addr, conn.client.port)} → ${endpointLabel(conn.server.addr, conn.server.port)}`,
  );
}

/** Where an anomaly happened: `#3 10.0.0.1:4321 → 10.0.0.2:80`, `host 10.0.0.2`, or `#3` when the connection is not at hand. */
export function anomalyWhere(a: AnomalyReport, conn: ConnectionEnds | undefined): string {
  if (a.connection === null) return a.host !== undefined ? `host ${sanitize(a.host)}` : 'capture';
  const id = `#${a.connection}`;
  return conn ? `${id} ${connectionLabel(conn)}` : id;
}

/**
 * Detail figures that say how bad an anomaly is, in the order they are looked
 * for; the first one present ranks the examples of a kind (largest first).
 * Without any of them the first numeric detail is used.
 */
const WORST_KEYS = [
  'duration',
  'count',
  'peak',
  'retransmissions',
  'rate',
  'probes',
  'attempts',
  'retries',
  'segments',
  'bytes',
];

export function worstScore(a: AnomalyReport): number {
  const d = a.details;
  if (!d) return 0;
  for (const k of WORST_KEYS) {
    const v = d[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  for (const v of Object.values(d)) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return 0;
}

/** Worst first (see worstScore), then earliest, then by connection id. */
export function compareWorst(a: AnomalyReport, b: AnomalyReport): number {
  return (
    bySeverity(a.severity, b.severity) ||
    worstScore(b) - worstScore(a) ||
    a.t - b.t ||
    (a.connection ?? 0) - (b.connection ?? 0)
  );
}
