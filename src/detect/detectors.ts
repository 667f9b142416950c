/**
 * Detectors: they watch the tracker's segments and transitions and raise named
 * anomalies (kinds.ts) with the connection, endpoint, time and frame where the
 * condition became true, a message with the figures, and the hint.
 *
 * They never change tracker state. Per-connection detectors fire once per cause
 * (per connection and endpoint); host-level ones (TIME_WAIT storm, SYN flood)
 * fire once per host and report the peak. Time-based ones (CLOSE_WAIT stuck,
 * unanswered SYN) fire as soon as capture time passes their deadline, and at the
 * end of input; their figures are brought up to date by `finish()`.
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import { formatDuration } from '../model/duration.js';
import type { AnomalyReport } from '../model/report.js';
import {
  CLIENT,
  type Connection,
  emptyList,
  type Endpoint,
  SERVER,
  SIDE_NAMES,
  SIDES,
  type Side,
  type TransitionRecord,
} from '../tcp/connection.js';
import { seqDiff, seqGe } from '../tcp/seq.js';
import type { Settings } from '../config/settings.js';
import { isTerminal, STATE_NAMES, State } from '../model/states.js';
import { type TimerEntry, TimerQueue } from '../tcp/timer-queue.js';
import { EVENT_CAUSE, Ev } from '../tcp/transitions.js';
import { hostHash, type SegInfo, type TrackerObserver } from '../tcp/tracker.js';
import { ANOMALY_KINDS, KIND_BY_NAME } from '../model/kinds.js';

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

/** Kinds that already say the connection was still stuck at the end of the capture. */
const STUCK_KINDS = new Set([
  'close-wait-stuck',
  'fin-wait-2-stuck',
  'half-open',
  'syn-no-synack',
  'synack-no-ack',
]);

/** A module function, not a closure made per connection at the end of the capture. */
function isStuckKind(kind: string): boolean {
  return STUCK_KINDS.has(kind);
}

export function endpointName(ep: Endpoint, ipVersion: 4 | 6): string {
  const a = ep.addrText;
  return ipVersion === 6 ? `[${a}]:${ep.port}` : `${a}:${ep.port}`;
}

/** A host (or, for a listener, host and port) as the report names it. */
function hostText(ep: Endpoint, ipVersion: 4 | 6, withPort: boolean): string {
  return withPort ? endpointName(ep, ipVersion) : ep.addrText;
}

/** The key of a host (with its port for a listener) in the host counts: a number for IPv4, else its text. */
function hostKey(ep: Endpoint, ipVersion: 4 | 6, withPort: boolean): string | number {
  if (ipVersion !== 4) return hostText(ep, ipVersion, withPort);
  return withPort ? ep.addr4 * 65536 + ep.port : ep.addr4;
}

export function fmtSeconds(s: number): string {
  // One way to print a duration everywhere (messages, the report, the ladder).
  return formatDuration(s);
}

/** A due entry of a Deadlines queue (one reused object). */
interface DueEntry extends TimerEntry {
  since: number;
  at: number;
}

/** A deadline queue: entries in insertion order with one fixed timeout, so deadlines are in order too. */
class Deadlines {
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

interface HostCount {
  host: string;
  current: number;
  peak: number;
  peakT: number;
  peakFrame: number;
  minPort: number;
  maxPort: number;
  anomaly: AnomalyReport | null;
}

/**
 * Zero-window episodes per side: start (-1 none), count, longest stall. Times
 * are in Float64Arrays: a plain [-1, -1] would change its elements kind (and
 * map) on the first time stored in it, deoptimizing the code that read it.
 */
interface ZeroWindowTrack {
  since: Float64Array;
  count: [number, number];
  longest: Float64Array;
}

/**
 * Per-connection detector state, kept on the connection (Connection.det), made
 * when the first anomaly fires; its parts only when their detector needs them.
 */
interface ConnDet {
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
function detOf(conn: Connection): ConnDet | null {
  return conn.det as ConnDet | null;
}

/**
 * Shared empty lists: a connection's lists are replaced by exact-size copies
 * when they grow (concat(); push() onto an empty array, or a spread, would reserve 17 slots, and
 * thousands of connections hold one entry).
 */
const NONE_FIRED: number[] = [];
const NONE_OPEN: AnomalyReport[] = emptyList<AnomalyReport>();

/** The connection's detector state, made on first need. */
function det(conn: Connection): ConnDet {
  let d = conn.det as ConnDet | null;
  if (!d) {
    d = { fired: NONE_FIRED, open: NONE_OPEN, zw: null, rtx: null };
    conn.det = d;
  }
  return d;
}

function zeroWindowTrack(d: ConnDet): ZeroWindowTrack {
  if (d.zw === null) d.zw = { since: Float64Array.of(-1, -1), count: [0, 0], longest: new Float64Array(2) };
  return d.zw;
}

/** The side an anomaly object names (CLIENT for the connection as a whole). */
function sideOf(a: AnomalyReport): Side {
  return a.endpoint === 'server' ? SERVER : CLIENT;
}

function firedKey(kind: string, side: Side | null): number {
  return (KIND_INDEX.get(kind) ?? -1) * 3 + (side ?? 2);
}

export class Detectors implements TrackerObserver {
  /** The anomalies kept for the report (at most KEEP_PER_KIND of each kind). */
  readonly anomalies: AnomalyReport[] = [];
  /** Every anomaly raised, by kind (kept or not). */
  readonly counts = new Map<string, number>();
  /** Anomalies raised beyond KEEP_PER_KIND of their kind: streamed and counted, not kept. */
  omitted = 0;
  private readonly s: DetectorSettings;
  private readonly sink: AnomalySink;
  private readonly closeWait: Deadlines;
  private readonly finWait2: Deadlines;
  private readonly synWait: Deadlines;
  private readonly synackWait: Deadlines;
  /**
   * Hosts (tracker.hostHash) seen sending in the capture, from the tracker:
   * a host never seen may simply be outside a one-way capture, so silence
   * from it proves nothing.
   */
  senders: ReadonlySet<number> | null = null;
  /** Keyed by the IPv4 address as a number (by its text for IPv6): no string per transition. */
  private readonly timeWaitHosts = new Map<string | number, HostCount>();
  /** Keyed by address and port (a number for IPv4). */
  private readonly synFloodHosts = new Map<string | number, HostCount>();
  /**
   * TIME_WAIT endpoints of forgotten (summarised) connections: when each
   * would have left TIME_WAIT, and its host's key in timeWaitHosts. The
   * tracker no longer times them; their hosts' counts go down here.
   */
  private twGoneAt: number[] = [];
  private twGoneKey: (string | number)[] = [];
  private twGoneHead = 0;
  private readonly due: DueEntry = {
    t: 0,
    conn: null as unknown as Connection,
    side: CLIENT,
    since: 0,
    at: 0,
  };
  /**
   * The earliest capture time at which tick() has something to do: a caller
   * on the per-packet path checks it first (the call would box the time).
   * Written only here.
   */
  nextDeadline = Number.POSITIVE_INFINITY;
  private lastFrame = 0;
  /** The moment of a segment, for hostCount (reused). */
  private readonly segAt = { t: 0, frame: 0 };

  constructor(settings: DetectorSettings, sink: AnomalySink) {
    this.s = settings;
    this.sink = sink;
    this.closeWait = new Deadlines(settings.closeWaitTimeout);
    this.finWait2 = new Deadlines(settings.finWait2Timeout);
    this.synWait = new Deadlines(settings.synTimeout);
    this.synackWait = new Deadlines(settings.synackTimeout);
  }

  // --- TrackerObserver ------------------------------------------------------

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    this.lastFrame = seg.frame;
    // A frame captured twice is counted by the tracker and is no event here.
    if (info.duplicate) return;
    const side = info.side;
    const snd = conn.endpoint(side);
    const f = seg.flags;

    if (info.opened && conn.midstream) {
      this.raise(
        conn,
        null,
        'midstream-start',
        seg.ts,
        seg.frame,
        'the capture starts after the handshake: picked up as ESTABLISHED',
        {},
      );
    }

    if (f & TcpFlag.SYN) {
      if ((f & TcpFlag.ACK) === 0) {
        // Absence waits for its threshold (SPEC.md "Evidence"): a SYN resent
        // and then answered is no syn-no-synack.
        if (!info.retransmission && side === CLIENT) this.schedule(this.synWait, conn, CLIENT, seg.ts);
        if (seg.payloadLen > 0 && !seg.tfo) {
          this.raise(
            conn,
            side,
            'syn-with-data',
            seg.ts,
            seg.frame,
            `SYN from the ${SIDE_NAMES[side]} carried ${seg.payloadLen} bytes without a TCP Fast Open option`,
            { bytes: seg.payloadLen },
          );
        }
      } else if (!info.retransmission) {
        this.schedule(this.synackWait, conn, side, seg.ts);
      }
    }

    // A half-open handshake stops counting toward a SYN flood when its client
    // answers, and counts again when the server resends its SYN-ACK (the answer
    // did not arrive).
    if (
      conn.synFloodCounted
        ? side === CLIENT && (f & (TcpFlag.ACK | TcpFlag.SYN | TcpFlag.RST)) === TcpFlag.ACK
        : side === SERVER &&
          info.retransmission &&
          (f & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) &&
          conn.server.state === State.SYN_RECEIVED
    ) {
      const at = this.segAt;
      at.t = seg.ts;
      at.frame = seg.frame;
      this.synCount(conn, conn.synFloodCounted ? -1 : 1, at);
    }

    if (f & TcpFlag.RST) this.onRst(conn, side, seg, info);

    if (info.retransmission && (f & TcpFlag.SYN) === 0) {
      this.onRetransmission(conn, side, seg, det(conn));
    }
    if (info.keepAlive && !this.fired(conn, side, 'keep-alive')) {
      this.raise(
        conn,
        side,
        'keep-alive',
        seg.ts,
        seg.frame,
        `keep-alive probes from the ${SIDE_NAMES[side]}`,
        {
          probes: snd.keepAlives,
        },
      );
    }
    if (info.dataAfterFin) {
      this.raise(
        conn,
        side,
        'data-after-fin',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} sent ${seg.payloadLen} bytes of new data after its own FIN`,
        { bytes: seg.payloadLen },
      );
    }
    if (info.dataAfterRst && !info.retransmission) {
      this.raise(
        conn,
        side,
        'data-after-rst',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} sent ${seg.payloadLen} bytes after a RST on this connection`,
        { bytes: seg.payloadLen },
      );
    }

    // Zero window: an episode starts with the first zero window and ends when the
    // same endpoint advertises a non-zero window again.
    if ((f & (TcpFlag.RST | TcpFlag.SYN)) === 0) {
      // Most connections never see a zero window: their detector state is not made for it.
      const z = info.zeroWindow ? zeroWindowTrack(det(conn)) : (detOf(conn)?.zw ?? null);
      if (z === null) {
        // No zero window was ever seen on this connection.
      } else if (info.zeroWindow) {
        if (z.since[side] < 0) {
          z.since[side] = seg.ts;
          z.count[side]++;
          this.raise(
            conn,
            side,
            'zero-window',
            seg.ts,
            seg.frame,
            `the ${SIDE_NAMES[side]} advertised a zero window`,
            {
              episodes: z.count[side],
            },
          );
        }
      } else if (z.since[side] >= 0 && seg.window > 0) {
        const stall = seg.ts - z.since[side];
        if (stall > z.longest[side]) z.longest[side] = stall;
        z.since[side] = -1;
      }
    }

    if (seg.ts >= this.nextDeadline) this.tick(seg.ts);
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    // The time goes to calls (schedule) only inside the branches that make
    // them, and hostCount() and leftWaitState() take the record: a time read
    // once at the top and passed on would cost a heap number per transition.
    const { side, from, to } = rec;
    if (
      from === State.SYN_SENT &&
      to === State.CLOSED &&
      side === CLIENT &&
      rec.cause === EVENT_CAUSE[Ev.RCV_RST]
    ) {
      const ep = conn.server;
      this.raise(
        conn,
        SERVER,
        'connection-refused',
        rec.t,
        rec.frame,
        `${endpointName(ep, conn.ipVersion)} answered the SYN with RST`,
        {},
      );
    }
    if (to === State.CLOSE_WAIT) this.schedule(this.closeWait, conn, side, rec.t);
    if (to === State.FIN_WAIT_2) this.schedule(this.finWait2, conn, side, rec.t);
    if (from === State.CLOSE_WAIT || from === State.FIN_WAIT_2) this.leftWaitState(conn, side, from, rec);

    // TIME_WAIT per host.
    if (to === State.TIME_WAIT && from !== State.TIME_WAIT)
      this.hostCount(this.timeWaitHosts, conn, side, 1, rec, 'time-wait-storm');
    if (from === State.TIME_WAIT && to !== State.TIME_WAIT)
      this.hostCount(this.timeWaitHosts, conn, side, -1, rec, 'time-wait-storm');

    // Half-open handshakes per listener (SYN flood): a server in SYN_RECEIVED
    // counts until its client's final ACK is captured on its way (segment()):
    // whether it arrived is the tracker's to decide, but a client that answered
    // is no flood.
    if (side === SERVER && to === State.SYN_RECEIVED && from !== State.SYN_RECEIVED) {
      this.synCount(conn, 1, rec);
    } else if (side === SERVER && from === State.SYN_RECEIVED && to !== State.SYN_RECEIVED) {
      this.synCount(conn, -1, rec);
    }

    // A handshake that completed only after a SYN or SYN-ACK was resent.
    if (
      side === CLIENT &&
      to === State.ESTABLISHED &&
      !conn.midstream &&
      conn.synTs > 0 &&
      conn.client.synRetransmissions + conn.server.synRetransmissions > 0
    ) {
      const c = conn.client;
      const sv = conn.server;
      const delay = rec.t - conn.synTs;
      this.raise(
        conn,
        CLIENT,
        'handshake-retransmitted',
        rec.t,
        rec.frame,
        `connection setup took ${fmtSeconds(delay)}: ${c.synRetransmissions} SYN and ${sv.synRetransmissions} SYN-ACK retransmission${c.synRetransmissions + sv.synRetransmissions === 1 ? '' : 's'} (a lost SYN or SYN-ACK)`,
        { delay, synRetransmissions: c.synRetransmissions, synackRetransmissions: sv.synRetransmissions },
      );
    }
  }

  portReuse(previous: Connection, conn: Connection, seg: Segment, tookOverTimeWait: boolean): void {
    const wasTw =
      tookOverTimeWait ||
      previous.client.state === State.TIME_WAIT ||
      previous.server.state === State.TIME_WAIT;
    if (!wasTw) return;
    this.raise(
      conn,
      CLIENT,
      'port-reuse-time-wait',
      seg.ts,
      seg.frame,
      `a new SYN reused the 4-tuple of connection ${previous.id} while an endpoint was in TIME_WAIT (${tookOverTimeWait ? 'TIME_WAIT ended by the SYN' : 'TIME_WAIT kept: the SYN was not newer'})`,
      { previous: previous.id },
    );
  }

  connectionEnded(conn: Connection): void {
    this.rateCheck(conn);
  }

  /**
   * These connections were summarised under the pipeline's connection cap: no
   * timer fires for them any more, and nothing here keeps them in memory (a
   * SYN flood's half-open connections would otherwise pile up in the queues).
   */
  forget(gone: ReadonlySet<Connection>): void {
    for (const q of [this.synWait, this.synackWait, this.closeWait, this.finWait2]) q.forget(gone);
    for (const conn of gone) {
      for (const side of SIDES) {
        const ep = conn.endpoint(side);
        if (ep.state !== State.TIME_WAIT) continue;
        const key = hostKey(ep, conn.ipVersion, false);
        if (!this.timeWaitHosts.has(key)) continue;
        this.twGoneAt.push(ep.stateSince + 2 * this.s.msl);
        this.twGoneKey.push(key);
      }
    }
    // Summarised in creation order, not expiry order: keep the queue sorted.
    if (this.twGoneHead > 0) {
      this.twGoneAt = this.twGoneAt.slice(this.twGoneHead);
      this.twGoneKey = this.twGoneKey.slice(this.twGoneHead);
      this.twGoneHead = 0;
    }
    const order = this.twGoneAt.map((_, i) => i).sort((a, b) => this.twGoneAt[a]! - this.twGoneAt[b]!);
    this.twGoneAt = order.map((i) => this.twGoneAt[i]!);
    this.twGoneKey = order.map((i) => this.twGoneKey[i]!);
    const next = this.twGoneAt[0];
    if (next !== undefined && next < this.nextDeadline) this.nextDeadline = next;
  }

  // --- time ----------------------------------------------------------------

  private schedule(q: Deadlines, conn: Connection, side: Side, since: number): void {
    const at = q.push(conn, side, since);
    if (at < this.nextDeadline) this.nextDeadline = at;
  }

  /** Capture time advanced to `now` (after a segment, an idle tick in live mode, or the end). */
  tick(now: number): void {
    if (now < this.nextDeadline) return;
    const e = this.due;
    // The absence kinds (SPEC.md "Evidence"): raised only where the capture
    // would have seen the missing segment, else a capture-gap note says why not.
    while (this.synWait.take(now, e)) {
      const c = e.conn;
      if (c.client.state !== State.SYN_SENT || c.server.packets > 0) continue;
      // The client's own retransmissions prove it got no answer; without them,
      // only a capture that holds the server's other traffic could.
      if (c.client.synRetransmissions > 0 || this.senders?.has(hostHash(c.server, c.ipVersion)) !== false)
        this.synNoSynack(c, e.at, this.lastFrame);
      else
        this.withhold(
          c,
          CLIENT,
          'syn-no-synack',
          e.at,
          `no packet from ${endpointName(c.server, c.ipVersion)} is in the capture at all, and the client never resent its SYN: the answer may just not have been captured`,
        );
    }
    while (this.synackWait.take(now, e)) {
      const c = e.conn;
      const ep = c.endpoint(e.side);
      if (ep.state !== State.SYN_RECEIVED || ep.stateless) continue;
      // Its own SYN-ACK retransmissions prove it got no final ACK.
      if (ep.synRetransmissions > 0 && !c.oneWay) this.synackNoAck(c, e.side, e.at, this.lastFrame);
      else
        this.withhold(
          c,
          e.side,
          'synack-no-ack',
          e.at,
          c.oneWay
            ? 'the capture holds one direction of this connection only'
            : 'it never resent its SYN-ACK, so the final ACK may have arrived uncaptured',
        );
    }
    while (this.closeWait.take(now, e)) {
      const ep = e.conn.endpoint(e.side);
      if (ep.state === State.CLOSE_WAIT && ep.stateSince === e.since)
        this.stuckOrWithheld(e.conn, e.side, 'close-wait-stuck', e.since, e.at);
    }
    while (this.finWait2.take(now, e)) {
      const ep = e.conn.endpoint(e.side);
      if (ep.state === State.FIN_WAIT_2 && ep.stateSince === e.since)
        this.stuckOrWithheld(e.conn, e.side, 'fin-wait-2-stuck', e.since, e.at);
    }
    while (this.twGoneHead < this.twGoneAt.length && this.twGoneAt[this.twGoneHead]! <= now) {
      const h = this.timeWaitHosts.get(this.twGoneKey[this.twGoneHead++]!);
      if (h) h.current--;
    }
    this.nextDeadline = Math.min(
      this.synWait.next,
      this.synackWait.next,
      this.closeWait.next,
      this.finWait2.next,
      this.twGoneHead < this.twGoneAt.length ? this.twGoneAt[this.twGoneHead]! : Number.POSITIVE_INFINITY,
    );
  }

  /**
   * End of input at capture time `end`: fire what is due, bring every open
   * anomaly's figures up to date, and raise the end-of-capture kinds.
   */
  finish(end: number, conns: readonly Connection[]): void {
    this.nextDeadline = Number.NEGATIVE_INFINITY;
    this.tick(end);
    // Indexed loops here and in stateSummary(): they run once, mostly before V8
    // optimizes them, where each step of for-of makes an iterator result.
    for (let i = 0; i < conns.length; i++) {
      const conn = conns[i]!;
      const d = detOf(conn);
      this.rateCheck(conn);
      if (d) this.updateOpen(conn, d, end);
      const c = conn.client.state;
      const s = conn.server.state;
      // Not for a connection whose stuck state is already reported "still there at
      // the end": that would say the same thing twice.
      const stuck = conn.anomalies.some(isStuckKind);
      if (
        !conn.timedOut &&
        !stuck &&
        (!isTerminal(c) || !isTerminal(s)) &&
        conn.establishedTs + (conn.midstream ? 1 : 0) > 0
      ) {
        this.raise(
          conn,
          null,
          'capture-ended-open',
          end,
          this.lastFrame,
          `still open at the end of the capture (client ${STATE_NAMES[c]}, server ${STATE_NAMES[s]})`,
          {},
        );
      }
    }
    for (const h of this.timeWaitHosts.values()) this.updateHost(h, 'TIME_WAIT endpoints');
    for (const h of this.synFloodHosts.values()) this.updateHost(h, 'half-open handshakes');
  }

  // --- the detectors ---------------------------------------------------------

  /**
   * A stuck-state diagnosis stands only on a state the capture proves, on a
   * connection seen both ways and without capture gaps: otherwise the FIN
   * whose absence it rests on may have been sent and not captured.
   */
  private stuckOrWithheld(
    conn: Connection,
    side: Side,
    kind: 'close-wait-stuck' | 'fin-wait-2-stuck',
    since: number,
    t: number,
  ): void {
    const ep = conn.endpoint(side);
    if (!ep.stateInferred && !conn.oneWay && conn.captureGaps === 0) {
      this.waitStuck(conn, side, kind, since, t);
      return;
    }
    const why = conn.oneWay
      ? 'the capture holds one direction of this connection only'
      : conn.captureGaps > 0
        ? `the capture missed ${conn.captureGaps} segment${conn.captureGaps === 1 ? '' : 's'} of this connection`
        : 'the state is inferred, not shown by the capture';
    this.withhold(conn, side, kind, t, why);
  }

  /** Notes, once per connection side, a diagnosis the capture cannot support. */
  private withhold(conn: Connection, side: Side, kind: string, t: number, why: string): void {
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

  private synNoSynack(conn: Connection, t: number, frame: number): void {
    const c = conn.client;
    this.raise(conn, CLIENT, 'syn-no-synack', t, frame, this.synMessage(conn, t), {
      synRetransmissions: c.synRetransmissions,
      waited: t - conn.synTs,
    });
  }

  private synMessage(conn: Connection, t: number): string {
    const c = conn.client;
    return `SYN to ${endpointName(conn.server, conn.ipVersion)} got neither SYN-ACK nor RST: ${c.synRetransmissions} retransmission${c.synRetransmissions === 1 ? '' : 's'} over ${fmtSeconds(Math.max(0, t - conn.synTs))}`;
  }

  private synackNoAck(conn: Connection, side: Side, t: number, frame: number): void {
    const ep = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    this.raise(conn, side, 'synack-no-ack', t, frame, this.synackMessage(conn, side, t), {
      synackRetransmissions: ep.synRetransmissions,
      ackSeen: peer.ackKnown && ep.hasIsn && seqGe(peer.lastAck, ep.isn + 1),
    });
  }

  private synackMessage(conn: Connection, side: Side, t: number): string {
    const ep = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    const since = conn.synAckTs || t;
    const acked = peer.ackKnown && ep.hasIsn && seqGe(peer.lastAck, ep.isn + 1);
    const seen = acked
      ? `ACKs from the ${SIDE_NAMES[1 - side]} were captured but did not reach it`
      : peer.packets > 0
        ? 'no final ACK seen'
        : `no packet from the ${SIDE_NAMES[1 - side]} was captured after its SYN`;
    return `${endpointName(ep, conn.ipVersion)} sent SYN-ACK ${ep.synRetransmissions + 1} time${ep.synRetransmissions ? 's' : ''} over ${fmtSeconds(Math.max(0, t - since))}: ${seen}`;
  }

  private onRst(conn: Connection, side: Side, seg: Segment, info: SegInfo): void {
    const rcvSide = (1 - side) as Side;
    const before = [info.clientBefore, info.serverBefore];
    const sndBefore = before[side]!;
    const rcvBefore = before[rcvSide]!;
    if (!info.rstAcceptable) {
      if (rcvBefore !== State.CLOSED && rcvBefore !== State.LISTEN) {
        const rcv = conn.endpoint(rcvSide);
        const off = rcv.ackKnown ? seqDiff(seg.seq, rcv.lastAck) : 0;
        this.raise(
          conn,
          side,
          'rst-out-of-window',
          seg.ts,
          seg.frame,
          `RST from the ${SIDE_NAMES[side]} with sequence number ${off >= 0 ? '+' : ''}${off} from the receiver's next expected, outside its window: ignored by the receiver`,
          { offset: off },
        );
      }
      return;
    }
    if (side === CLIENT && sndBefore === State.SYN_SENT && conn.server.synAckSent) {
      this.raise(
        conn,
        CLIENT,
        'handshake-aborted',
        seg.ts,
        seg.frame,
        `${endpointName(conn.client, conn.ipVersion)} answered the SYN-ACK with RST ${fmtSeconds(Math.max(0, seg.ts - conn.synTs))} after its first SYN: it had given up on the connection`,
        { waited: seg.ts - conn.synTs },
      );
      return;
    }
    const synchronized = (st: number) => st >= State.ESTABLISHED && st !== State.TIME_WAIT;
    if (!synchronized(sndBefore) && !synchronized(rcvBefore)) return;
    const snd = conn.endpoint(side);
    const rcv = conn.endpoint(rcvSide);
    // Data in flight: sent but not (yet) acknowledged by the peer, in either direction.
    // Bytes sent and not yet acknowledged; an unacknowledged FIN takes a sequence
    // number but is no data.
    const unacked = (from: Endpoint, to: Endpoint): number => {
      if (!from.seqKnown || !to.ackKnown) return 0;
      const fin = from.finSent && seqGe(from.finSeq, to.lastAck) ? 1 : 0;
      return Math.max(0, seqDiff(from.sndNxt, to.lastAck) - fin);
    };
    const inFlightFromSender = unacked(snd, rcv);
    const inFlightToSender = unacked(rcv, snd);
    const inFlight = inFlightFromSender + inFlightToSender;
    const who = endpointName(snd, conn.ipVersion);
    const flight = inFlight > 0 ? `${inFlight} bytes unacknowledged in flight` : 'no data in flight';
    // A TIME_WAIT socket answers a FIN with an ACK; a RST from "TIME_WAIT" means
    // the endpoint held no socket any more: Linux drops an orphaned FIN_WAIT_2
    // after net.ipv4.tcp_fin_timeout, and the peer's late FIN then meets a RST.
    const noSocket =
      sndBefore === State.TIME_WAIT
        ? " (it held no socket any more: its FIN_WAIT_2 had been dropped, as after tcp_fin_timeout, before the peer's FIN came)"
        : '';
    // A client's abortive close (SO_LINGER 0) after a completed exchange: it sent
    // a request, got an answer, everything was acknowledged both ways (kinds.ts).
    const clientAbort =
      side === CLIENT &&
      inFlight === 0 &&
      (sndBefore === State.ESTABLISHED || sndBefore === State.CLOSE_WAIT) &&
      snd.bytes > 0 &&
      rcv.bytes > 0;
    this.raise(
      conn,
      side,
      clientAbort ? 'client-abort' : 'mid-stream-rst',
      seg.ts,
      seg.frame,
      clientAbort
        ? `${who} (client, ${STATE_NAMES[sndBefore]}) reset the connection after a completed exchange (${snd.bytes} bytes sent, ${rcv.bytes} received, all acknowledged): an abortive close`
        : `${who} (${SIDE_NAMES[side]}, ${STATE_NAMES[sndBefore]}) reset the connection; peer was ${STATE_NAMES[rcvBefore]}; ${flight}; ${snd.bytes + rcv.bytes} bytes exchanged${noSocket}`,
      {
        senderState: STATE_NAMES[sndBefore]!,
        receiverState: STATE_NAMES[rcvBefore]!,
        inFlight,
        unreadBySender: inFlightToSender,
      },
    );
  }

  private onRetransmission(conn: Connection, side: Side, seg: Segment, d: ConnDet): void {
    const { count, window } = this.s.retransmissionBurst;
    const rings = d.rtx ?? (d.rtx = [null, null]);
    let ring = rings[side];
    if (!ring) ring = rings[side] = [];
    ring.push(seg.ts);
    if (ring.length > count) ring.shift();
    if (ring.length >= count && seg.ts - ring[0]! <= window) {
      this.raise(
        conn,
        side,
        'retransmission-burst',
        seg.ts,
        seg.frame,
        `${count} retransmissions from the ${SIDE_NAMES[side]} within ${fmtSeconds(seg.ts - ring[0]!)}`,
        {
          count,
          within: seg.ts - ring[0]!,
        },
      );
    }
    // Half-open: the endpoint keeps retransmitting and the peer sends nothing back.
    const snd = conn.endpoint(side);
    const peer = conn.endpoint(1 - side);
    if (snd.unansweredRtx >= 3 && peer.packets > 0 && !conn.oneWay && seg.ts - peer.lastSeen > 1) {
      this.raise(
        conn,
        side,
        'half-open',
        seg.ts,
        seg.frame,
        `the ${SIDE_NAMES[side]} retransmitted ${snd.unansweredRtx} times and the peer sent nothing for ${fmtSeconds(seg.ts - peer.lastSeen)}`,
        {
          retransmissions: snd.unansweredRtx,
          silence: seg.ts - peer.lastSeen,
        },
      );
    }
  }

  private rateCheck(conn: Connection): void {
    for (const side of SIDES) {
      const ep = conn.endpoint(side);
      if (ep.dataSegments < this.s.highRetransmissionMinSegments) continue;
      const rate = ep.retransmissions / ep.dataSegments;
      if (rate > this.s.highRetransmissionRate) {
        this.raise(
          conn,
          side,
          'high-retransmission-rate',
          conn.end,
          conn.lastFrame,
          `${(rate * 100).toFixed(1)}% of the ${SIDE_NAMES[side]}'s ${ep.dataSegments} data segments were retransmissions (${ep.retransmissions})`,
          {
            rate,
            retransmissions: ep.retransmissions,
            dataSegments: ep.dataSegments,
          },
        );
      }
    }
  }

  private waitStuck(
    conn: Connection,
    side: Side,
    kind: 'close-wait-stuck' | 'fin-wait-2-stuck',
    since: number,
    t: number,
  ): void {
    const ep = conn.endpoint(side);
    const name = kind === 'close-wait-stuck' ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
    this.raise(
      conn,
      side,
      kind,
      t,
      this.lastFrame,
      `${endpointName(ep, conn.ipVersion)} (${SIDE_NAMES[side]}) in ${name} for ${fmtSeconds(t - since)}, still there`,
      {
        since,
        duration: t - since,
        closed: false,
      },
    );
  }

  private leftWaitState(conn: Connection, side: Side, from: number, when: TransitionRecord): void {
    const t = when.t;
    const kind = from === State.CLOSE_WAIT ? 'close-wait-stuck' : 'fin-wait-2-stuck';
    // A loop, not find() with a closure: this runs for most connections (twice).
    const open = detOf(conn)?.open ?? NONE_OPEN;
    const endpoint = SIDE_NAMES[side];
    let a: AnomalyReport | undefined;
    for (let i = 0; i < open.length && a === undefined; i++) {
      if (open[i]!.kind === kind && open[i]!.endpoint === endpoint) a = open[i];
    }
    if (!a?.details) return;
    const since = a.details.since as number;
    a.details.duration = t - since;
    a.details.closed = true;
    const name = from === State.CLOSE_WAIT ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
    a.message = `${endpointName(conn.endpoint(side), conn.ipVersion)} (${SIDE_NAMES[side]}) stayed in ${name} for ${fmtSeconds(t - since)} before it closed`;
  }

  /** A half-open handshake starts (+1) or stops (-1) counting toward its listener's SYN flood. */
  private synCount(conn: Connection, delta: 1 | -1, when: { t: number; frame: number }): void {
    if (conn.synFloodCounted === delta > 0) return;
    conn.synFloodCounted = delta > 0;
    this.hostCount(this.synFloodHosts, conn, SERVER, delta, when, 'syn-flood');
  }

  private hostCount(
    map: Map<string | number, HostCount>,
    conn: Connection,
    side: Side,
    delta: number,
    when: { t: number; frame: number },
    kind: string,
  ): void {
    const t = when.t;
    const frame = when.frame;
    const ep = conn.endpoint(side);
    const flood = kind === 'syn-flood';
    // The host's text is made once, when the host is first seen.
    const key = hostKey(ep, conn.ipVersion, flood);
    let h = map.get(key);
    if (!h) {
      h = {
        host: typeof key === 'string' ? key : hostText(ep, conn.ipVersion, flood),
        current: 0,
        peak: 0,
        peakT: t,
        peakFrame: frame,
        minPort: 65536,
        maxPort: -1,
        anomaly: null,
      };
      map.set(key, h);
    }
    h.current += delta;
    if (delta > 0) {
      const port = flood ? conn.client.port : ep.port;
      if (port < h.minPort) h.minPort = port;
      if (port > h.maxPort) h.maxPort = port;
    }
    if (h.current > h.peak) {
      h.peak = h.current;
      h.peakT = t;
      h.peakFrame = frame;
    }
    const threshold = kind === 'syn-flood' ? this.s.synFloodThreshold : this.s.timeWaitThreshold;
    if (!h.anomaly && h.current > threshold) {
      const what = kind === 'syn-flood' ? 'half-open handshakes' : 'TIME_WAIT endpoints';
      const a = this.make(
        kind,
        null,
        t,
        frame,
        `${h.host} held ${h.current} ${what} at once (threshold ${threshold})`,
        {
          peak: h.current,
          threshold,
        },
      );
      a.host = h.host;
      h.anomaly = a;
      this.emit(a, null);
    }
  }

  private updateHost(h: HostCount, what: string): void {
    const a = h.anomaly;
    if (!a) return;
    const ports = h.maxPort >= 0 ? `; ports ${h.minPort}-${h.maxPort}` : '';
    a.message = `${h.host} held ${h.peak} ${what} at once at its peak${ports}`;
    a.details = {
      ...a.details,
      peak: h.peak,
      peakTime: h.peakT,
      peakFrame: h.peakFrame,
      minPort: h.minPort,
      maxPort: h.maxPort,
    };
  }

  /** Bring the figures of a connection's anomalies up to date at the end of the capture. */
  private updateOpen(conn: Connection, d: ConnDet, end: number): void {
    for (const a of d.open) {
      const side = sideOf(a);
      const ep = conn.endpoint(side);
      switch (a.kind) {
        case 'syn-no-synack':
          if (conn.client.state === State.SYN_SENT) {
            a.message = this.synMessage(conn, end);
            a.details = { synRetransmissions: ep.synRetransmissions, waited: end - conn.synTs };
          }
          break;
        case 'synack-no-ack':
          a.message = this.synackMessage(conn, side, ep.state === State.SYN_RECEIVED ? end : conn.end);
          a.details = { ...a.details, synackRetransmissions: ep.synRetransmissions };
          break;
        case 'close-wait-stuck':
        case 'fin-wait-2-stuck':
          if (a.details && a.details.closed === false) {
            const since = a.details.since as number;
            const name = a.kind === 'close-wait-stuck' ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
            a.details.duration = end - since;
            a.message = `${endpointName(ep, conn.ipVersion)} (${SIDE_NAMES[side]}) in ${name} for ${fmtSeconds(end - since)}, still there at the end of the capture`;
          }
          break;
        case 'zero-window': {
          const z = zeroWindowTrack(d);
          let longest = z.longest[side];
          const open = z.since[side] >= 0;
          if (open) longest = Math.max(longest, end - z.since[side]);
          a.message = `the ${SIDE_NAMES[side]} advertised a zero window ${ep.zeroWindows} time${ep.zeroWindows === 1 ? '' : 's'} in ${z.count[side]} episode${z.count[side] === 1 ? '' : 's'}; the peer stalled up to ${fmtSeconds(longest)}${open ? ' (still closed at the end)' : ''}`;
          a.details = {
            episodes: z.count[side],
            zeroWindowSegments: ep.zeroWindows,
            longestStall: longest,
            stillClosed: open,
          };
          break;
        }
        case 'keep-alive':
          a.message = `${ep.keepAlives} keep-alive probe${ep.keepAlives === 1 ? '' : 's'} from the ${SIDE_NAMES[side]}`;
          a.details = { probes: ep.keepAlives };
          break;
        default:
      }
    }
  }

  // --- plumbing --------------------------------------------------------------

  private make(
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

  /** Has this per-connection anomaly fired already? (Callers on hot paths ask before building a message.) */
  private fired(conn: Connection, side: Side | null, kind: string): boolean {
    const d = detOf(conn);
    return d !== null && d.fired.includes(firedKey(kind, side));
  }

  /** Raise a per-connection anomaly once per (kind, side). */
  private raise(
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

  /** Counts, keeps (up to KEEP_PER_KIND of a kind) and streams an anomaly; true when kept. */
  private emit(a: AnomalyReport, conn: Connection | null): boolean {
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
