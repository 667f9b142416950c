/**
 * The JSON report (`--json`), SPEC.md "JSON report". Field names here are the
 * contract; add fields freely, never rename or remove without bumping `version`.
 * The JSON Schema in schema/report.schema.json describes the same shape.
 */
import type { Severity } from './severity.js';
import type { StateName } from './states.js';

export type { Severity } from './severity.js';

export interface Report {
  version: 1;
  capture: CaptureSummary;
  connections: ConnectionReport[];
  anomalies: AnomalyReport[];
  /**
   * Every anomaly raised, by kind. `anomalies` lists at most 10,000 of each kind
   * (a flood raises one a connection); the rest are counted here and in
   * `anomaliesOmitted`. With --host/--port/--conn filters, the listed ones.
   */
  anomalyCounts?: Record<string, number>;
  anomaliesOmitted?: number;
  /** Endpoint states at the end of the capture, counted (ss -tan style). */
  states: StateSummary;
  /** Connections that were compacted into counts only (connection cap, --max-connections). */
  summarised: { connections: number; states: Record<string, number> };
  /** The gate verdict, when gate rules were given. */
  gate?: GateResult;
}

export interface CaptureSummary {
  files: string[];
  /** pcap | pcap-ns | pcapng | tcpdump-text; several formats joined by '+'. */
  format: string;
  gzip: boolean;
  linkTypes: string[];
  packets: number;
  tcpPackets: number;
  /** Packets that did not become TCP segments, by reason (see SKIP_REASON). */
  skipped: Record<string, number>;
  start: number | null;
  end: number | null;
  truncated: boolean;
  /** Reading stopped at an impossible header or block (what came before was analysed). */
  damaged: boolean;
  warnings: string[];
  /** What the capture missed or recorded twice (SPEC.md "Evidence, vantage point and capture quality"). */
  quality?: CaptureQuality;
  /** Fields that the input could not provide (tcpdump text input), e.g. "ttl", "payload". */
  unavailable?: string[];
}

export interface CaptureQuality {
  /** Connections of which only one direction was captured. */
  oneWayConnections: number;
  /** Connections with at least one capture gap. */
  connectionsWithGaps: number;
  /** Segments the capture missed although the endpoints' behaviour proves they existed, over all connections. */
  captureGaps: number;
  /** Frames captured twice (link duplicates, `-i any` on a router): not retransmissions. */
  duplicates: number;
  /** Packets the capturing interfaces dropped (pcapng interface statistics), null when the capture does not say. */
  interfaceDrops: number | null;
}

export type Vantage = 'client' | 'server' | 'path' | 'local' | 'unknown';

export interface EndpointReport {
  addr: string;
  port: number;
  state: StateName;
  packets: number;
  bytes: number;
  /** Segments that carried payload (retransmissions and payload-carrying probes included); always set by the engine. */
  dataSegments?: number;
  isn: number | null;
  /** Data (and FIN) segments below the highest sequence already sent. */
  retransmissions: number;
  /** Retransmitted SYN or SYN-ACK segments (counted apart from data retransmissions). */
  synRetransmissions: number;
  outOfOrder: number;
  dupAcks: number;
  zeroWindows: number;
  keepAlives: number;
  /** Zero-window probes sent while the peer's window was closed. */
  zeroWindowProbes: number;
  mss: number | null;
  windowScale: number | null;
  sack: boolean;
  timestamps: boolean;
  /** When it entered its final `state` (epoch seconds); null if it never left CLOSED. */
  since: number | null;
  /** "seen": the capture proves the state; "inferred": it rests on an assumption (SPEC.md "Evidence"). */
  stateEvidence: 'seen' | 'inferred';
}

export interface Transition {
  t: number;
  frame: number;
  endpoint: 'client' | 'server';
  from: StateName;
  to: StateName;
  cause: string;
  /** A step the capture did not show directly but that must have happened, or a delivery taken without proof (SPEC.md "Evidence"). Absent when false. */
  inferred?: true;
}

export interface ConnectionReport {
  id: number;
  client: EndpointReport;
  server: EndpointReport;
  roleInferred: boolean;
  /** The connection was first seen after its handshake (capture started mid-stream). */
  midstream: boolean;
  /** Closed out after an idle timeout (endless or live captures); its states are the last ones seen. */
  timedOut: boolean;
  /** Where the capture point sits: next to the client, the server, on the path, both on the capturing host (local), or unknown. */
  vantage: Vantage;
  /** Only one direction of the connection was captured. */
  oneWay: boolean;
  /** Segments the capture missed although the endpoints' behaviour proves they existed. */
  captureGaps: number;
  /** Frames of this connection captured twice. */
  duplicates: number;
  /** A new connection took over the 4-tuple before this one's end was captured. */
  endNotCaptured: boolean;
  start: number;
  end: number;
  duration: number;
  /** SYN to final ACK of the handshake, seconds; null when not seen. */
  handshakeRtt: number | null;
  connState: string;
  history: string;
  transitions: Transition[];
  /** Anomaly kinds raised on this connection (SPEC: `anomalies` holds kinds). */
  anomalies: string[];
  /**
   * The tunnels the connection travelled in, outermost first (absent when
   * none): type, outer endpoints from the client's side, VNI / key / TEID.
   */
  tunnel?: TunnelInfo[];
}

/** One tunnel of a connection, as the JSON report gives it (built by decode/tunnel.ts describeTunnels). */
export interface TunnelInfo {
  /** TUNNEL_NAMES: `VXLAN`, `Geneve`, `GRE`, `GTP-U`, `Teredo`, ... */
  type: string;
  /** Outer source and destination, from the client's side (the client's packets travel src -> dst). */
  src: string;
  dst: string;
  /** Outer UDP ports of UDP-borne tunnels (VXLAN, Geneve, GTP-U, Teredo, AYIYA, GRE-in-UDP). */
  srcPort?: number;
  dstPort?: number;
  /** VNI (VXLAN, Geneve), GRE key, ERSPAN session id or GTP-U TEID, when the header has one. */
  vni?: number;
  key?: number;
  session?: number;
  teid?: number;
}

export interface AnomalyReport {
  kind: string;
  severity: Severity;
  /** Connection id, or null for host-level anomalies (time-wait-storm, syn-flood). */
  connection: number | null;
  endpoint: 'client' | 'server' | null;
  /** Host address for host-level anomalies. */
  host?: string;
  t: number;
  frame: number;
  message: string;
  hint: string;
  /** The figures behind the message (durations in seconds, counts). */
  details?: Record<string, number | string | boolean | number[]>;
}

export interface StateSummary {
  client: Record<string, number>;
  server: Record<string, number>;
  /** Busiest hosts: per host and side, state counts. */
  hosts: { host: string; side: 'client' | 'server'; total: number; states: Record<string, number> }[];
  /** Per side and state (CLOSED aside), when its oldest endpoint entered it (epoch seconds): "oldest 37 s". */
  oldest?: { client: Record<string, number>; server: Record<string, number> };
}

export interface GateRuleResult {
  /** `fail-on <kind|severity>` or `max <kind|severity|metric>`; the JUnit test case name. */
  name: string;
  passed: boolean;
  /** One line with the figure and the limit, e.g. `mid-stream-rst: 3 > max 0`. */
  message: string;
  /** Anomalies that broke the rule (at most GATE_RULE_ANOMALY_CAP of them; `matched` counts all). */
  anomalies: AnomalyReport[];
  /** The rule's type: `fail-on` (any match fails) or `max` (a count or percentage limit). */
  type?: 'fail-on' | 'max';
  /** The anomaly kind, severity or metric the rule looks at. */
  target?: string;
  /** What was measured: a count, or a percentage when `percent`. */
  figure?: number;
  /** The limit from the rule (0 for fail-on). */
  limit?: number;
  percent?: boolean;
  /** With a baseline: the baseline's figure; the rule then fails only above max(limit, baseline). */
  baselineFigure?: number;
  /** Anomalies that matched the rule in total (beyond what `anomalies` holds). */
  matched?: number;
  /** The capture this result is for; absent on rules aggregated over several captures. */
  capture?: string;
}

/** The gate's verdict for one capture. */
export interface GateCaptureResult {
  name: string;
  passed: boolean;
  rules: GateRuleResult[];
}

export interface GateResult {
  passed: boolean;
  /** One entry per rule; with several captures, a rule passes only if it passed on every capture. */
  rules: GateRuleResult[];
  /** Per-capture breakdown (always present from evaluateGate, one entry per capture). */
  captures?: GateCaptureResult[];
  /** A baseline report was compared against. */
  baseline?: boolean;
}

/** One segment of a connection, as drawn by `tcptrace-ts ladder` (and its `--json`). */
export interface LadderRow {
  frame: number;
  /** Absolute timestamp and seconds since the connection's first segment. */
  t: number;
  rel: number;
  /** client->server or server->client. */
  dir: 'c2s' | 's2c';
  /** tcpdump-style flag letters: S, F, R, P, U, E, W, '.' for ACK (e.g. "S.", "P.", "F."). */
  flags: string;
  seq: number;
  ack: number;
  /** Relative to each direction's ISN (the default display). */
  relSeq: number;
  relAck: number;
  len: number;
  win: number;
  /** Each side's state after this segment. */
  clientState: StateName;
  serverState: StateName;
  clientChanged: boolean;
  serverChanged: boolean;
  /** The change on this row is inferred (SPEC.md "Evidence"); absent when not. */
  clientInferred?: true;
  serverInferred?: true;
  /** Every state a side passed through on this row, in order, when more than one (the last is clientState/serverState). */
  clientSteps?: StateName[];
  serverSteps?: StateName[];
  retransmission: boolean;
  /** A copy of the sender's previous frame (captured twice): no state event, no retransmission. */
  duplicate?: true;
  /** Anomaly kinds that became true on this segment. */
  anomalies: string[];
  /** SACK blocks [left, right) carried by this segment, relative to the peer's base (RFC 2018); absent when none. */
  sack?: [number, number][];
}

export interface LadderReport {
  connection: ConnectionReport;
  rows: LadderRow[];
  /** Rows left out of the middle (when not --all). */
  elided: number;
  /** Rows kept before the gap, i.e. where the "not shown" line goes (see elideRows). */
  elidedAfter?: number;
  /** Each side's state after the last row left out (printed after the gap). */
  elidedStates?: { client: StateName; server: StateName };
}
