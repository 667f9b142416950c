/**
 * What the detector families share: the settings, the anomaly log (raise an
 * anomaly once per connection, endpoint and kind; keep up to KEEP_PER_KIND
 * of a kind; stream each to the sink), each connection's detector state,
 * deadline queues and the capture-gap note that replaces a diagnosis the
 * capture cannot support.
 */
import { formatDuration } from '../model/duration.js';
import type { AnomalyReport } from '../model/report.js';
import type { Settings } from '../config/settings.js';
import {
  CLIENT,
  type Connection,
  emptyList,
  type Endpoint,
  SERVER,
  SIDE_NAMES,
  type Side,
} from '../tcp/connection.js';
import { type TimerEntry, TimerQueue } from '../tcp/timer-queue.js';
import { ANOMALY_KINDS, KIND_BY_NAME } from '../model/kinds.js';
import { type F64Pair, must } from '../model/checked.js';

/** The thresholds the detectors use (their meaning is documented in Settings). */
export type DetectorSettings = Pick<
  Settings,
  | 'synTimeout'
  | 'synackTimeout'
  | 'closeWaitTimeout'
  | 'finWait2Timeout'
  | 'timeWaitThreshold'
  | 'synFloodThreshold'
  | 'retransmissionBurst'
  | 'highRetransmissionRate'
  | 'highRetransmissionMinSegments'
  | 'msl'
>;

/** Receives each anomaly as soon as it is raised (the same object is later updated by finish()). */
export type AnomalySink = (a: AnomalyReport, conn: Connection | null) => void;

/** Anomalies of one kind kept in full for the report; beyond, they are counted only. */
export const KEEP_PER_KIND = 10_000;

export function endpointName(ep: Endpoint, ipVersion: 4 | 6): string {
  const a = ep.addrText;
  return ipVersion === 6 ? `[${a}]:${ep.port}` : `${a}:${ep.port}`;
}

export function fmtSeconds(s: number): string {
  // One way to print a duration everywhere (messages, the report, the ladder).
  return formatDuration(s);
}

/** A due entry of a Deadlines queue (one reused object). */
export interface DueEntry extends TimerEntry {
  since: number;
  at: number;
}

export function newDueEntry(): DueEntry {
  return { t: 0, conn: null as unknown as Connection, side: CLIENT, since: 0, at: 0 };
}

/** A deadline queue: entries in insertion order with one fixed timeout, so deadlines are in order too. */
export class Deadlines {
  private readonly q = new TimerQueue();
  constructor(readonly timeout: number) {}
  /** Returns the new entry's deadline. */
  push(conn: Connection, side: Side, since: number): number {
    this.q.push(since, conn, side);
    return since + this.timeout;
  }
  get next(): number {
    return this.q.peek() + this.timeout;
  }
  /** Drops the entries of these connections (so the queue no longer holds them in memory). */
  forget(gone: ReadonlySet<Connection>): void {
    this.q.forget(gone);
  }
  /** Moves the oldest entry into `e` if it is due at `now`; false when none is. */
  take(now: number, e: DueEntry): boolean {
    if (this.q.peek() + this.timeout > now) return false;
    this.q.shift(e);
    e.since = e.t;
    e.at = e.t + this.timeout;
    return true;
  }
}

/**
 * Zero-window episodes per side: start (-1 none), count, longest stall; times
 * in Float64Arrays (see docs/performance.md#array-maps).
 */
export interface ZeroWindowTrack {
  since: F64Pair;
  count: [number, number];
  longest: F64Pair;
}

/**
 * Per-connection detector state, kept on the connection (Connection.det), made
 * when the first anomaly fires; its parts only when their detector needs them.
 */
export interface ConnDet {
  /** Causes that fired: kindIndex * 3 + side (2 for the connection as a whole). */
  fired: number[];
  /** The anomaly objects of this connection kept for the report, for finish() updates. */
  open: AnomalyReport[];
  zw: ZeroWindowTrack | null;
  /** Retransmission times per side (ring of the last `count`). */
  rtx: [number[] | null, number[] | null] | null;
}

/** The index of each kind, for numeric `fired` keys (no string built per check). */
const KIND_INDEX: ReadonlyMap<string, number> = new Map(ANOMALY_KINDS.map((k, i) => [k.kind, i]));

/** The connection's detector state, if a detector needed one yet. */
export function detOf(conn: Connection): ConnDet | null {
  return conn.det as ConnDet | null;
}

/**
 * Shared empty lists: a connection's lists are replaced by exact-size copies
 * when they grow (concat(); push() onto an empty array, or a spread, would reserve 17 slots, and
 * thousands of connections hold one entry).
 */
const NONE_FIRED: number[] = [];
export const NONE_OPEN: AnomalyReport[] = emptyList<AnomalyReport>();

/**
 * The kept anomaly `kind` raised for `side` of `conn`, if any. A loop, not
 * find() with a closure: it runs for most connections.
 */
export function openAnomaly(conn: Connection, kind: string, side: Side): AnomalyReport | undefined {
  const open = detOf(conn)?.open ?? NONE_OPEN;
  const endpoint = SIDE_NAMES[side];
  for (const a of open) if (a.kind === kind && a.endpoint === endpoint) return a;
  return undefined;
}

/** The connection's detector state, made on first need. */
export function det(conn: Connection): ConnDet {
  let d = conn.det as ConnDet | null;
  if (!d) {
    d = { fired: NONE_FIRED, open: NONE_OPEN, zw: null, rtx: null };
    conn.det = d;
  }
  return d;
}

/** The side an anomaly object names (CLIENT for the connection as a whole). */
export function sideOf(a: AnomalyReport): Side {
  return a.endpoint === 'server' ? SERVER : CLIENT;
}

function firedKey(kind: string, side: Side | null): number {
  return (KIND_INDEX.get(kind) ?? -1) * 3 + (side ?? 2);
}

export class DetectContext {
  /** The anomalies kept for the report (at most KEEP_PER_KIND of each kind). */
  readonly anomalies: AnomalyReport[] = [];
  /** Every anomaly raised, by kind (kept or not). */
  readonly counts = new Map<string, number>();
  /** Anomalies raised beyond KEEP_PER_KIND of their kind: streamed and counted, not kept. */
  omitted = 0;
  /**
   * The earliest capture time at which a family's tick() has something to
   * do: a caller on the per-packet path checks it first (the call would box
   * the time).
   */
  nextDeadline = Number.POSITIVE_INFINITY;
  /** Frame number of the latest segment (deadlines are attributed to it). */
  lastFrame = 0;
  /**
   * Hosts (flow-table.ts hostHash) seen sending in the capture, from the
   * tracker: a host never seen may simply be outside a one-way capture, so
   * silence from it proves nothing.
   */
  senders: ((host: number) => boolean | null) | null = null;

  constructor(
    readonly s: DetectorSettings,
    private readonly sink: AnomalySink,
  ) {}

  /** Adds an entry to a deadline queue, and brings nextDeadline forward to it. */
  schedule(q: Deadlines, conn: Connection, side: Side, since: number): void {
    const at = q.push(conn, side, since);
    if (at < this.nextDeadline) this.nextDeadline = at;
  }

  /** Has this per-connection anomaly fired already? (Callers on hot paths ask before building a message.) */
  fired(conn: Connection, side: Side | null, kind: string): boolean {
    const d = detOf(conn);
    return d !== null && d.fired.includes(firedKey(kind, side));
  }

  /** Raise a per-connection anomaly once per (kind, side). */
  raise(
    conn: Connection,
    side: Side | null,
    kind: string,
    t: number,
    frame: number,
    message: string,
    details: Record<string, number | string | boolean>,
  ): void {
    const d = det(conn);
    const n = firedKey(kind, side);
    if (d.fired.includes(n)) return;
    d.fired = d.fired.concat(n);
    const a = this.make(kind, side, t, frame, message, details, conn);
    if (!conn.anomalies.includes(kind)) conn.anomalies = conn.anomalies.concat(kind);
    // Only the anomalies in the report need finish() updates; the others are streamed as they are.
    if (this.emit(a, conn)) d.open = d.open.concat(a);
  }

  /** Notes, once per connection side, a diagnosis the capture cannot support (capture-gap). */
  withhold(conn: Connection, side: Side, kind: string, t: number, why: string): void {
    this.raise(
      conn,
      side,
      'capture-gap',
      t,
      this.lastFrame,
      `${kind} not raised for the ${SIDE_NAMES[side]}: ${why}`,
      { withheld: kind },
    );
  }

  /**
   * A diagnosis raised on the capture's silence that a gap found later
   * explains (the connection's end was not captured) becomes a capture-gap
   * note, as if withheld: in the report and its counts. (Outputs that stream
   * anomalies as they are raised, NDJSON and the live view, already showed
   * it.) Only for anomalies kept for the report.
   */
  withdraw(conn: Connection, a: AnomalyReport, why: string): void {
    const was = a.kind;
    this.uncount(conn, a);
    this.counts.set('capture-gap', (this.counts.get('capture-gap') ?? 0) + 1);
    const k = must(KIND_BY_NAME.get('capture-gap'), 'the capture-gap kind');
    a.kind = 'capture-gap';
    a.severity = k.severity;
    a.hint = k.hint;
    a.message = `${was} withdrawn for the ${a.endpoint ?? 'connection'}: ${why}`;
    a.details = { withheld: was };
    if (!conn.anomalies.includes('capture-gap')) conn.anomalies = conn.anomalies.concat('capture-gap');
  }

  /**
   * A diagnosis raised on silence that the capture then contradicts (the
   * SYN was answered after all) leaves the report and its counts; the kind
   * that says what did happen is raised on its own. (Streamed outputs
   * already showed it.) Only for anomalies kept for the report.
   */
  retract(conn: Connection, a: AnomalyReport): void {
    this.uncount(conn, a);
    const i = this.anomalies.indexOf(a);
    if (i >= 0) this.anomalies.splice(i, 1);
    const d = detOf(conn);
    if (d !== null) d.open = d.open.filter((o) => o !== a);
  }

  /** Takes a kept anomaly out of the counts and, if no other of its kind is on it, out of its connection's kinds. */
  private uncount(conn: Connection, a: AnomalyReport): void {
    const n = (this.counts.get(a.kind) ?? 1) - 1;
    if (n > 0) this.counts.set(a.kind, n);
    else this.counts.delete(a.kind);
    const d = detOf(conn);
    const other = d !== null && d.open.some((o) => o !== a && o.kind === a.kind);
    if (!other) conn.anomalies = conn.anomalies.filter((x) => x !== a.kind);
  }

  make(
    kind: string,
    side: Side | null,
    t: number,
    frame: number,
    message: string,
    details: Record<string, number | string | boolean>,
    conn?: Connection,
  ): AnomalyReport {
    const k = KIND_BY_NAME.get(kind);
    if (!k) throw new Error(`unknown anomaly kind ${kind}`);
    return {
      kind,
      severity: k.severity,
      connection: conn ? conn.id : null,
      endpoint: side === null ? null : SIDE_NAMES[side],
      t,
      frame,
      message,
      hint: k.hint,
      details,
    };
  }

  /** Counts, keeps (up to KEEP_PER_KIND of a kind) and streams an anomaly; true when kept. */
  emit(a: AnomalyReport, conn: Connection | null): boolean {
    const n = (this.counts.get(a.kind) ?? 0) + 1;
    this.counts.set(a.kind, n);
    // Every anomaly is streamed; the report keeps the first KEEP_PER_KIND of each
    // kind and counts the rest, so a flood (an anomaly per connection, without
    // end) cannot grow memory with the connections it has already summarised.
    const kept = n <= KEEP_PER_KIND;
    if (kept) this.anomalies.push(a);
    else this.omitted++;
    this.sink(a, conn);
    return kept;
  }
}

/**
 * A family of detectors: the anomaly kinds it alone decides, and the hooks
 * the dispatcher (detectors.ts) calls. Each hook is optional in effect (a
 * family that has nothing to do returns at once).
 */
export interface DetectorFamily {
  /** The kinds this family raises (each kind in exactly one family). */
  readonly kinds: readonly string[];
  /** Brings a kept anomaly of one of its kinds up to date at the end of the capture. */
  update?(conn: Connection, d: ConnDet, a: AnomalyReport, end: number): void;
}
