/**
 * `--ndjson` events (SPEC.md): one JSON object a line, `type` first, beside the
 * fields of what it reports. These are the shapes the CLI writes;
 * schema/ndjson-event.schema.json describes the same.
 */
import type {
  AnomalyReport,
  CaptureSummary,
  ConnectionReport,
  GateResult,
  Report,
  StateSummary,
} from '../model/report.js';
import { jsonSafe } from './sanitize.js';

/** An anomaly as it becomes true: the fields of the report's `anomalies[]`. */
export interface NdjsonAnomalyEvent extends AnomalyReport {
  type: 'anomaly';
}

/** A connection when it ends (or at the end of the capture): the fields of `connections[]`. */
export interface NdjsonConnectionEvent extends ConnectionReport {
  type: 'connection';
}

/** Endpoint states now, periodically. */
export interface NdjsonStatesEvent extends StateSummary {
  type: 'states';
  /** Epoch seconds: capture time, or wall-clock time in live mode. */
  t: number;
}

/** The last line per capture: its summary and counts. */
export interface NdjsonSummaryEvent {
  type: 'summary';
  /** The capture's name as given on the command line. */
  name: string;
  capture: CaptureSummary;
  /** Connections, including those summarised as counts only. */
  connections: number;
  /** Anomalies per kind. */
  anomalies: Record<string, number>;
  states: StateSummary;
  gate: GateResult | null;
}

export type NdjsonEvent = NdjsonAnomalyEvent | NdjsonConnectionEvent | NdjsonStatesEvent | NdjsonSummaryEvent;

/** One event as a line, with its newline. */
export function ndjsonLine(event: NdjsonEvent): string {
  return `${jsonSafe(JSON.stringify(event))}\n`;
}

export function anomalyEvent(a: AnomalyReport): NdjsonAnomalyEvent {
  return { type: 'anomaly', ...a };
}

export function connectionEvent(c: ConnectionReport): NdjsonConnectionEvent {
  return { type: 'connection', ...c };
}

export function statesEvent(t: number, states: StateSummary): NdjsonStatesEvent {
  return { type: 'states', t, ...states };
}

export function summaryEvent(name: string, report: Report): NdjsonSummaryEvent {
  const anomalies: Record<string, number> = {};
  for (const a of report.anomalies) anomalies[a.kind] = (anomalies[a.kind] ?? 0) + 1;
  return {
    type: 'summary',
    name,
    capture: report.capture,
    connections: report.connections.length + report.summarised.connections,
    anomalies,
    states: report.states,
    gate: report.gate ?? null,
  };
}
