/**
 * Live output: one line per anomaly as it becomes true, and a compact state
 * summary that the CLI redraws in place on a TTY. Small and without cli-table3,
 * so live mode starts fast.
 */
import { anomalyWhere } from './anomaly-text.js';
import { formatDuration } from '../model/duration.js';
import { formatCount, formatIso, padEnd, plural, stateCounts, truncate } from './format.js';
import type { ConnectionEnds } from './anomaly-text.js';
import type { AnomalyReport, StateSummary } from '../model/report.js';
import { palette } from './palette.js';
import { sanitize } from './sanitize.js';

/**
 * `2025-11-21T12:00:03.512Z  error    mid-stream-rst  #3 10.0.0.1:4321 → 10.0.0.2:80  server sent RST`,
 * with its newline. The hint is left out: it is in the final report, once per kind.
 */
export function renderAnomalyLine(
  a: AnomalyReport,
  conn: ConnectionEnds | undefined,
  opts: { color: boolean },
): string {
  const p = palette(opts.color);
  const sev = p.severity(a.severity, padEnd(a.severity, 7));
  return `${formatIso(a.t, 3)}  ${sev}  ${p.bold(sanitize(a.kind))}  ${anomalyWhere(a, conn)}  ${sanitize(a.message)}\n`;
}

/** How many busiest hosts the live summary shows. */
const LIVE_HOSTS = 3;

/**
 * A few lines (ending with a newline), each cut to `width`: counters, client and
 * server states, the busiest hosts. The CLI redraws it in place, so its line count
 * stays small and stable: 3 + up to LIVE_HOSTS lines.
 */
export function renderLiveStatus(
  states: StateSummary,
  extra: { packets: number; connections: number; elapsed: number; now?: number },
  opts: { color: boolean; width: number },
): string {
  const p = palette(opts.color);
  const width = Math.max(20, Math.floor(opts.width) || 80);
  const lines = [
    `${p.bold('live')}  ${plural(extra.packets, 'packet')}  ${plural(extra.connections, 'connection')}  ${formatDuration(extra.elapsed)}`,
    `client  ${stateCounts(states.client, states.oldest?.client, extra.now)}`,
    `server  ${stateCounts(states.server, states.oldest?.server, extra.now)}`,
  ];
  const hosts = [...states.hosts].sort((a, b) => b.total - a.total).slice(0, LIVE_HOSTS);
  for (const h of hosts) {
    lines.push(p.dim(`${h.side} ${sanitize(h.host)}: ${stateCounts(h.states)} (${formatCount(h.total)})`));
  }
  return `${lines.map((l) => truncate(l, width)).join('\n')}\n`;
}
