/**
 * One-line descriptions of anomalies for the gate's outputs (JUnit failure
 * bodies, GitHub annotations): kind, connection, endpoints, time, message.
 */
import type { AnomalyReport, ConnectionReport, EndpointReport, Report } from '../model/report.js';

const connectionIndex = new WeakMap<Report, Map<number, ConnectionReport>>();

function connectionById(report: Report | undefined, id: number): ConnectionReport | undefined {
  if (!report) return undefined;
  let index = connectionIndex.get(report);
  if (!index) {
    index = new Map(report.connections.map((c) => [c.id, c]));
    connectionIndex.set(report, index);
  }
  return index.get(id);
}

/** `10.0.0.1:80`, `[2001:db8::1]:80`. */
export function formatEndpoint(e: Pick<EndpointReport, 'addr' | 'port'>): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

/** Epoch seconds as ISO 8601 UTC with milliseconds, or `?` when unknown. */
export function formatTime(t: number): string {
  if (!Number.isFinite(t)) return '?';
  const d = new Date(t * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/** Where an anomaly happened: `conn 3 client 10.0.0.1:48292 -> server 10.0.0.2:80 (server)` or `host 10.0.0.2`. */
export function anomalyPlace(a: AnomalyReport, report?: Report): string {
  const parts: string[] = [];
  if (a.connection !== null && a.connection !== undefined) {
    parts.push(`conn ${a.connection}`);
    const c = connectionById(report, a.connection);
    if (c) parts.push(`client ${formatEndpoint(c.client)} -> server ${formatEndpoint(c.server)}`);
    if (a.endpoint) parts.push(`(${a.endpoint})`);
  }
  if (a.host) parts.push(`host ${a.host}`);
  return parts.join(' ');
}

/** `mid-stream-rst conn 3 client ... -> server ... (server) at 2025-...Z frame 17: message`. */
export function describeAnomaly(a: AnomalyReport, report?: Report): string {
  const place = anomalyPlace(a, report);
  return `${a.kind}${place ? ` ${place}` : ''} at ${formatTime(a.t)} frame ${a.frame}: ${a.message}`;
}
