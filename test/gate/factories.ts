/**
 * Report builders for gate and output tests, on top of the shared ones in
 * test/report/factories.ts: fixed addresses and times so messages can be
 * asserted exactly, and anomalies placed by connection id.
 */
import { mergeSettings, parseMaxRule } from '../../src/config/load.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import type { AnomalyReport, ConnectionReport, EndpointReport, Report } from '../../src/model/report.js';
import * as base from '../report/factories.js';

/** 2025-11-21T12:00:00Z; anomalies default to T0 + 0.5. */
export const T0 = 1_763_726_400;

type ConnOverrides = Partial<Omit<ConnectionReport, 'client' | 'server'>> & {
  client?: Partial<EndpointReport>;
  server?: Partial<EndpointReport>;
};

/** Connection `id` between 10.77.0.1:(48000+id) and 10.77.0.2:80, 10 packets each way. */
export function connection(id: number, over: ConnOverrides = {}): ConnectionReport {
  const { client, server, ...rest } = over;
  return base.connection({
    id,
    start: T0 + id,
    duration: 1,
    ...rest,
    client: { addr: '10.77.0.1', port: 48_000 + id, packets: 10, ...client },
    server: { addr: '10.77.0.2', port: 80, packets: 10, ...server },
  });
}

/** An anomaly of a registered kind (severity and hint from the registry) on connection `connection`. */
export function anomaly(
  kind: string,
  connection: number | null = 1,
  over: Partial<AnomalyReport> = {},
): AnomalyReport {
  return base.anomaly(kind, {
    connection,
    endpoint: connection === null ? null : 'server',
    t: T0 + 0.5,
    frame: 17,
    ...over,
  });
}

/**
 * A report holding `anomalies`; connections are made for every connection id
 * the anomalies name, topped up to `connections` (or the given ones).
 */
export function report(
  anomalies: AnomalyReport[] = [],
  opts: { connections?: ConnectionReport[] | number; summarised?: number } = {},
): Report {
  let connections: ConnectionReport[];
  if (Array.isArray(opts.connections)) {
    connections = opts.connections;
  } else {
    const ids = new Set<number>();
    for (const a of anomalies) if (a.connection !== null) ids.add(a.connection);
    for (let next = 1; ids.size < (opts.connections ?? 0); next++) ids.add(next);
    connections = [...ids].sort((a, b) => a - b).map((id) => connection(id));
  }
  for (const c of connections) {
    c.anomalies = [...new Set(anomalies.filter((a) => a.connection === c.id).map((a) => a.kind))];
  }
  return base.report({
    connections,
    anomalies,
    summarised: { connections: opts.summarised ?? 0, states: {} },
    capture: { files: ['test.pcap'], start: T0, end: T0 + 100 },
  });
}

export function settings(over: Partial<Settings> = {}): Settings {
  return mergeSettings(DEFAULT_SETTINGS, over);
}

/** `max` rules from `--max`-style text: `maxRules('mid-stream-rst=0', 'retransmission-rate=2%')`. */
export function maxRules(...texts: string[]): Settings['max'] {
  const out: Settings['max'] = {};
  for (const t of texts) {
    const { key, rule } = parseMaxRule(t);
    out[key] = rule;
  }
  return out;
}
