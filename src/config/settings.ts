/**
 * Every threshold and gate option, with its default. The config file
 * (`--config`, or `tcptrace-ts.config.json` in the working directory) uses the
 * same names: a config key is the camelCase of the long option
 * (`--close-wait-timeout` is `closeWaitTimeout`). Durations are in seconds.
 */
import type { MaxRule } from './duration.js';

export type { MaxRule } from './duration.js';

export type OutputFormat = 'text' | 'json' | 'ndjson' | 'csv' | 'github' | 'zeek';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'ndjson', 'csv', 'github', 'zeek'];

/** "count retransmissions within window seconds" (`--retransmission-burst 5/1s`). */
export interface BurstThreshold {
  count: number;
  /** Seconds. */
  window: number;
}

export interface Settings {
  /**
   * Maximum segment lifetime (RFC 9293 section 3.4.2): TIME_WAIT ends after
   * 2 x MSL. 30 s makes Linux's fixed 60 s TIME_WAIT (SPEC.md "States").
   */
  msl: number;
  /** A SYN with neither SYN-ACK nor RST for this long is `syn-no-synack`. Linux retries the SYN after 1 s, then 3 s. */
  synTimeout: number;
  /** A SYN-ACK without the handshake's final ACK for this long is `synack-no-ack`. */
  synackTimeout: number;
  /** An endpoint in CLOSE_WAIT for longer than this is `close-wait-stuck`. */
  closeWaitTimeout: number;
  /** An endpoint in FIN_WAIT_2 for longer than this is `fin-wait-2-stuck`; Linux's tcp_fin_timeout is 60 s. */
  finWait2Timeout: number;
  /** More TIME_WAIT endpoints than this on one host at once is a `time-wait-storm`. */
  timeWaitThreshold: number;
  /** More half-open handshakes than this to one listener (addr:port) at once is a `syn-flood`. */
  synFloodThreshold: number;
  /** At least `count` retransmissions by one endpoint within `window` seconds is a `retransmission-burst`. */
  retransmissionBurst: BurstThreshold;
  /**
   * An endpoint that retransmitted more than this fraction (0-1) of its data
   * segments is `high-retransmission-rate`; config accepts `0.1` or `"10%"`.
   */
  highRetransmissionRate: number;
  /** ... judged only once it sent at least this many data segments (too few make the rate noise). */
  highRetransmissionMinSegments: number;
  /**
   * A connection past its handshake with no segment for this long is closed
   * out as timed out (endless or live captures must forget connections). The
   * default, 7875 s, is when Linux's keep-alive gives up on a dead peer:
   * tcp_keepalive_time 7200 s + 9 probes x 75 s. A live connection with
   * keep-alive on sends a probe before that, so it is never timed out; one
   * without keep-alive that is idle longer is picked up again mid-stream.
   */
  idleTimeout: number;
  /**
   * A handshake (SYN_SENT / SYN_RECEIVED) with no segment for this long is
   * closed out. 60 s is longer than any gap between Linux's SYN and SYN-ACK
   * retransmissions (1, 2, 4, ... 32 s), so a handshake still being retried
   * is never closed out early; Linux itself gives up 64 s after its last try.
   */
  handshakeIdleTimeout: number;
  /** Connections kept in full in the report; beyond this, ended connections are summarised as counts. */
  maxConnections: number;
  /** Live refresh period for the states view and `{"type":"states"}` ndjson lines. */
  interval: number;
  /** A truncated or damaged capture exits 2 instead of being analysed up to the cut. */
  strict: boolean;
  /**
   * Gate: anomaly kinds and severities that fail the run (exit 1). A kind
   * matches that kind (info kinds too); a severity matches that severity or
   * worse (`warning` matches warnings and errors, `info` matches everything).
   */
  failOn: string[];
  /**
   * Gate: count rules, keyed by anomaly kind, severity (exact) or metric
   * (see GATE_METRICS), e.g. `{ "mid-stream-rst": {limit: 0, percent: false} }`.
   * A percentage on a kind or severity is the share of connections with such
   * an anomaly. Config accepts `0`, `"2%"` or `{limit, percent}`.
   */
  max: Record<string, MaxRule>;
  /** Gate: a previous JSON report; the gate then fails only on what got worse than it. */
  baseline?: string;
  /** Write JUnit XML with one test case per gate rule to this file. */
  junit?: string;
  /** Output format on stdout. */
  format?: OutputFormat;
  /** Keep only connections with one endpoint on one of these addresses. */
  host?: string[];
  /** Keep only connections with one endpoint on one of these ports. */
  port?: number[];
  /** Keep only connections carried in a tunnel with an outer endpoint on one of these addresses. */
  tunnelHost?: string[];
  /** Keep only these connection ids. */
  conn?: number[];
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  msl: 30,
  synTimeout: 3,
  synackTimeout: 3,
  closeWaitTimeout: 5,
  finWait2Timeout: 60,
  timeWaitThreshold: 500,
  synFloodThreshold: 100,
  retransmissionBurst: Object.freeze({ count: 5, window: 1 }),
  highRetransmissionRate: 0.1,
  highRetransmissionMinSegments: 20,
  idleTimeout: 7875,
  handshakeIdleTimeout: 60,
  maxConnections: 200_000,
  interval: 5,
  strict: false,
  failOn: Object.freeze([]) as unknown as string[],
  max: Object.freeze({}) as Record<string, MaxRule>,
});

/**
 * Gate metrics usable as `max` keys besides anomaly kinds and severities.
 * A `rate` metric is a percentage and its limit must be one (`2%`).
 */
export const GATE_METRICS: Readonly<Record<string, { rate: boolean; description: string }>> = {
  'retransmission-rate': {
    rate: true,
    description: 'retransmitted segments over all segments of all endpoints, in %',
  },
  'refused-rate': {
    rate: true,
    description: 'connections refused (SYN answered by RST), in % of connections',
  },
  connections: { rate: false, description: 'connections seen (kept in full and summarised)' },
  retransmissions: { rate: false, description: 'retransmitted segments, all endpoints' },
};
