/**
 * Host-level counts: too many endpoints of one host in TIME_WAIT at once
 * (time-wait-storm: too many short-lived outgoing connections), too many
 * half-open handshakes on one listener (syn-flood), and a new SYN on a
 * 4-tuple still in TIME_WAIT (port-reuse-time-wait). Each host fires once
 * and reports its peak.
 */
import type { Segment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import type { AnomalyReport } from '../model/report.js';
import type { SegInfo } from '../tcp/classify.js';
import {
  CLIENT,
  type Connection,
  type Endpoint,
  SERVER,
  SIDES,
  type Side,
  type TransitionRecord,
} from '../tcp/connection.js';
import { State } from '../model/states.js';
import { type DetectContext, type DetectorFamily, endpointName } from './context.js';
import { at } from '../model/checked.js';

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

/** A host (or, for a listener, host and port) as the report names it. */
function hostText(ep: Endpoint, ipVersion: 4 | 6, withPort: boolean): string {
  return withPort ? endpointName(ep, ipVersion) : ep.addrText;
}

/** The key of a host (with its port for a listener) in the host counts: a number for IPv4, else its text. */
function hostKey(ep: Endpoint, ipVersion: 4 | 6, withPort: boolean): string | number {
  if (ipVersion !== 4) return hostText(ep, ipVersion, withPort);
  return withPort ? ep.addr4 * 65536 + ep.port : ep.addr4;
}

/**
 * A host back to none and never over its threshold: nothing of it goes in
 * the report, so it is not kept (a host seen once must not stay forever).
 * True when dropped.
 */
function dropIfIdle(map: Map<string | number, HostCount>, key: string | number, h: HostCount): boolean {
  if (h.current !== 0 || h.anomaly !== null) return false;
  map.delete(key);
  return true;
}

export class HostDetectors implements DetectorFamily {
  readonly kinds = ['time-wait-storm', 'syn-flood', 'port-reuse-time-wait'] as const;
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
  /** The moment of a segment, for hostCount (reused). */
  private readonly segAt = { t: 0, frame: 0 };

  constructor(private readonly x: DetectContext) {}

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    // A half-open handshake stops counting toward a SYN flood when its client
    // answers, and counts again when the server resends its SYN-ACK (the answer
    // did not arrive).
    const f = seg.flags;
    const side = info.side;
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
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    // hostCount() takes the record, not its time (see docs/performance.md#boxing).
    const { side, from, to } = rec;
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
  }

  portReuse(previous: Connection, conn: Connection, seg: Segment, tookOverTimeWait: boolean): void {
    const wasTw =
      tookOverTimeWait ||
      previous.client.state === State.TIME_WAIT ||
      previous.server.state === State.TIME_WAIT;
    if (!wasTw) return;
    this.x.raise(
      conn,
      CLIENT,
      'port-reuse-time-wait',
      seg.ts,
      seg.frame,
      `a new SYN reused the 4-tuple of connection ${previous.id} while an endpoint was in TIME_WAIT (${tookOverTimeWait ? 'TIME_WAIT ended by the SYN' : 'TIME_WAIT kept: the SYN was not newer'})`,
      { previous: previous.id },
    );
  }

  /** TIME_WAIT endpoints of forgotten connections leave their host's count when they would have expired. */
  tick(now: number): void {
    for (
      let due = this.twGoneAt[this.twGoneHead];
      due !== undefined && due <= now;
      due = this.twGoneAt[this.twGoneHead]
    ) {
      const key = this.twGoneKey[this.twGoneHead++];
      if (key === undefined) continue;
      const h = this.timeWaitHosts.get(key);
      if (h) {
        h.current--;
        dropIfIdle(this.timeWaitHosts, key, h);
      }
    }
  }

  get next(): number {
    return this.twGoneAt[this.twGoneHead] ?? Number.POSITIVE_INFINITY;
  }

  /** These connections were summarised: their TIME_WAIT endpoints are counted down here from now on. */
  forget(gone: ReadonlySet<Connection>): void {
    for (const conn of gone) {
      for (const side of SIDES) {
        const ep = conn.endpoint(side);
        if (ep.state !== State.TIME_WAIT) continue;
        const key = hostKey(ep, conn.ipVersion, false);
        if (!this.timeWaitHosts.has(key)) continue;
        this.twGoneAt.push(ep.timeWaitStart + 2 * this.x.s.msl);
        this.twGoneKey.push(key);
      }
    }
    // Summarised in creation order, not expiry order: keep the queue sorted.
    if (this.twGoneHead > 0) {
      this.twGoneAt = this.twGoneAt.slice(this.twGoneHead);
      this.twGoneKey = this.twGoneKey.slice(this.twGoneHead);
      this.twGoneHead = 0;
    }
    const order = this.twGoneAt.map((t, i) => ({ t, key: at(this.twGoneKey, i) })).sort((a, b) => a.t - b.t);
    this.twGoneAt = order.map((e) => e.t);
    this.twGoneKey = order.map((e) => e.key);
    const next = this.twGoneAt[0];
    if (next !== undefined && next < this.x.nextDeadline) this.x.nextDeadline = next;
  }

  /** End of the capture: each host's anomaly reports its peak. */
  finish(): void {
    for (const h of this.timeWaitHosts.values()) this.updateHost(h, 'TIME_WAIT endpoints');
    for (const h of this.synFloodHosts.values()) this.updateHost(h, 'half-open handshakes');
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
    kind: 'syn-flood' | 'time-wait-storm',
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
    if (delta < 0 && dropIfIdle(map, key, h)) return;
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
    const threshold = flood ? this.x.s.synFloodThreshold : this.x.s.timeWaitThreshold;
    if (!h.anomaly && h.current > threshold) {
      const what = flood ? 'half-open handshakes' : 'TIME_WAIT endpoints';
      const a = this.x.make(
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
      this.x.emit(a, null);
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
}
