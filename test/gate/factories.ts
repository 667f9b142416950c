/**
 * Small report builders for gate and output tests, smoltcp-style: a template
 * with sensible values and overrides for what the test is about.
 */
import { mergeSettings, parseMaxRule } from '../../src/config/load.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/config/settings.js';
import { KIND_BY_NAME } from '../../src/detect/kinds.js';
import type { AnomalyReport, ConnectionReport, EndpointReport, Report } from '../../src/report/model.js';

export const T0 = 1_763_726_400;

export function endpoint(over: Partial<EndpointReport> = {}): EndpointReport {
  return {
    addr: '10.77.0.1',
    port: 48_292,
    state: 'CLOSED',
    packets: 10,
    bytes: 1000,
    isn: 1,
    retransmissions: 0,
    outOfOrder: 0,
    dupAcks: 0,
    zeroWindows: 0,
    keepAlives: 0,
    mss: 1460,
    windowScale: 7,
    sack: true,
    timestamps: true,
    ...over,
  };
}

/** Connection `id` between 10.77.0.1:(48000+id) and 10.77.0.2:80. */
export function connection(
  id: number,
  over: Partial<Omit<ConnectionReport, 'client' | 'server'>> & {
    client?: Partial<EndpointReport>;
    server?: Partial<EndpointReport>;
  } = {},
): ConnectionReport {
  const { client, server, ...rest } = over;
  return {
    id,
    client: endpoint({ addr: '10.77.0.1', port: 48_000 + id, ...client }),
    server: endpoint({ addr: '10.77.0.2', port: 80, ...server }),
    roleInferred: false,
    midstream: false,
    start: T0 + id,
    end: T0 + id + 1,
    duration: 1,
    handshakeRtt: 0.001,
    connState: 'SF',
    history: 'ShADadFf',
    transitions: [],
    anomalies: [],
    ...rest,
  };
}

/** An anomaly of a registered kind (severity from the registry) on connection `connection`. */
export function anomaly(
  kind: string,
  connection: number | null = 1,
  over: Partial<AnomalyReport> = {},
): AnomalyReport {
  const k = KIND_BY_NAME.get(kind);
  return {
    kind,
    severity: k?.severity ?? 'warning',
    connection,
    endpoint: connection === null ? null : 'server',
    t: T0 + 0.5,
    frame: 17,
    message: `${kind} happened`,
    hint: k?.hint ?? '',
    ...over,
  };
}

/**
 * A report holding `anomalies`; connections are made for every connection id
 * the anomalies name, plus `connections` more (or the given ones).
 */
export function report(
  anomalies: AnomalyReport[] = [],
  opts: { connections?: ConnectionReport[] | number; summarised?: number; files?: string[] } = {},
): Report {
  let connections: ConnectionReport[];
  if (Array.isArray(opts.connections)) {
    connections = opts.connections;
  } else {
    const ids = new Set<number>();
    for (const a of anomalies) if (a.connection !== null) ids.add(a.connection);
    let next = 1;
    while (ids.size < Math.max(opts.connections ?? 0, ids.size)) {
      while (ids.has(next)) next++;
      ids.add(next);
    }
    connections = [...ids].sort((a, b) => a - b).map((id) => connection(id));
  }
  for (const c of connections) {
    c.anomalies = [...new Set(anomalies.filter((a) => a.connection === c.id).map((a) => a.kind))];
  }
  const packets = connections.reduce((n, c) => n + c.client.packets + c.server.packets, 0);
  return {
    version: 1,
    capture: {
      files: opts.files ?? ['test.pcap'],
      format: 'pcap',
      gzip: false,
      linkTypes: ['ETHERNET'],
      packets,
      tcpPackets: packets,
      skipped: {},
      start: T0,
      end: T0 + 100,
      truncated: false,
      warnings: [],
    },
    connections,
    anomalies,
    states: { client: {}, server: {}, hosts: [] },
    summarised: { connections: opts.summarised ?? 0, states: {} },
  };
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
