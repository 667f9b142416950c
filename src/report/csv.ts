/**
 * `--csv`: one row a connection, RFC 4180 quoting (a field with a comma, quote,
 * CR or LF is quoted, quotes doubled). Lines end with LF, as Unix tools expect;
 * RFC 4180 readers accept it. Times are epoch seconds and durations seconds, as
 * in the JSON report; a missing value is an empty field.
 */
import type { ConnectionReport } from '../model/report.js';
import { sanitize } from './sanitize.js';

export const CSV_COLUMNS = [
  'id',
  'client_addr',
  'client_port',
  'server_addr',
  'server_port',
  'client_state',
  'server_state',
  'role_inferred',
  'start',
  'end',
  'duration',
  'conn_state',
  'history',
  'client_packets',
  'client_bytes',
  'server_packets',
  'server_bytes',
  'client_retransmissions',
  'server_retransmissions',
  'handshake_rtt',
  'anomalies',
] as const;

/** A field quoted when it must be (RFC 4180 section 2, rules 6 and 7). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = typeof value === 'boolean' ? String(value) : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Seconds with microsecond precision, without float noise (1763726400.123456, not ...4560001). */
function seconds(t: number | null): string {
  if (t === null || !Number.isFinite(t)) return '';
  return String(Number(t.toFixed(6)));
}

/** The header line, with its newline. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

/** One connection's line, with its newline (for streaming: write csvHeader() once, then a row per connection). */
export function csvRow(c: ConnectionReport): string {
  // Text fields are sanitized too: a CSV is often looked at with cat or less.
  const text = (s: string) => csvField(sanitize(s));
  const fields = [
    csvField(c.id),
    text(c.client.addr),
    csvField(c.client.port),
    text(c.server.addr),
    csvField(c.server.port),
    csvField(c.client.state),
    csvField(c.server.state),
    csvField(c.roleInferred),
    seconds(c.start),
    seconds(c.end),
    seconds(c.duration),
    text(c.connState),
    text(c.history),
    csvField(c.client.packets),
    csvField(c.client.bytes),
    csvField(c.server.packets),
    csvField(c.server.bytes),
    csvField(c.client.retransmissions),
    csvField(c.server.retransmissions),
    seconds(c.handshakeRtt),
    text(c.anomalies.join(';')),
  ];
  return `${fields.join(',')}\n`;
}

/** Header and one row per connection, in the report's order. */
export function renderCsv(report: { connections: ConnectionReport[] }): string {
  let out = csvHeader();
  for (const c of report.connections) out += csvRow(c);
  return out;
}
