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

interface HostCount {
  host: string;
  /** Its key in its map (hostKey). */
  key: string | number;
  current: number;
  /** Of `current`, TIME_WAIT endpoints of summarised connections (counted down by tick()). */
  gone: number;
  /** The expiry buckets (HostDetectors.twBuckets) that hold some of `gone`. */
  goneIn: number[] | null;
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

/** Expiry buckets of summarised TIME_WAIT endpoints over 2 MSL (HostDetectors.twBuckets). */
const TW_BUCKETS = 1000;
/** The fewest hosts of summarised TIME_WAIT endpoints kept (HostDetectors.twCap). */
const TW_HOSTS_MIN = 256;

export class HostDetectors implements DetectorFamily {
  readonly kinds = ['time-wait-storm', 'syn-flood', 'port-reuse-time-wait'] as const;
  /** Keyed by the IPv4 address as a number (by its text for IPv6): no string per transition. */
  private readonly timeWaitHosts = new Map<string | number, HostCount>();
  /** Keyed by address and port (a number for IPv4). */
  private readonly synFloodHosts = new Map<string | number, HostCount>();
  /** The one idle listener kept in synFloodHosts (parkIdle). */
  private parked: HostCount | null = null;
  /**
   * TIME_WAIT endpoints of forgotten (summarised) connections, which the
   * tracker no longer times: their hosts' counts go down here when they would
   * have left TIME_WAIT. Counted per host in buckets of expiry time, a
   * thousandth of 2 MSL wide (60 ms by default), not one entry per endpoint (a
   * stream of 100,000 short connections a second would hold 6 M of them): a
   * bucket's endpoints leave together at the latest expiry in it, so one may
   * count up to a bucket's width late, never early. Bucket index -> host -> endpoints.
   */
  private readonly twBuckets = new Map<number, Map<HostCount, number>>();
  /** The latest expiry in each bucket: when it is due. */
  private readonly twDue = new Map<number, number>();
  /** The buckets' indices, in ascending order (at most ~1,000: 2 MSL of them ahead of now). */
  private twOrder: number[] = [];
  /** Hosts with summarised TIME_WAIT endpoints (gone > 0). */
  private twGoneHosts = 0;
  /**
   * How many hosts whose TIME_WAIT endpoints are all of summarised
   * connections are kept: a tenth of --max-connections, the number of
   * connections a compaction summarises at once (the largest `forget` so
   * far), and at least TW_HOSTS_MIN. Beyond, those with the fewest are
   * forgotten (twForgotten): their counts restart from 0 if they come back,
   * short by at most twForgotten.max (a storm host keeps endpoints in the flow table and is not one of them).
   */
  private twCap = TW_HOSTS_MIN;
  /** What was forgotten so (hosts, endpoints, the most of one host). */
  readonly twForgotten = { hosts: 0, endpoints: 0, max: 0 };
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
    const order = this.twOrder;
    let i = 0;
    for (let b = order[i]; b !== undefined && (this.twDue.get(b) ?? now) <= now; b = order[i]) {
      i++;
      for (const [h, n] of this.twBuckets.get(b) ?? []) {
        h.current -= n;
        h.gone -= n;
        const inBuckets = h.goneIn;
        if (inBuckets !== null) inBuckets.splice(inBuckets.indexOf(b), 1);
        if (h.gone === 0) {
          h.goneIn = null;
          this.twGoneHosts--;
        }
        dropIfIdle(this.timeWaitHosts, h.key, h);
      }
      this.twBuckets.delete(b);
      this.twDue.delete(b);
    }
    if (i > 0) this.twOrder = order.slice(i);
  }

  get next(): number {
    const first = this.twOrder[0];
    return first === undefined
      ? Number.POSITIVE_INFINITY
      : (this.twDue.get(first) ?? Number.POSITIVE_INFINITY);
  }

  /** These connections were summarised: their TIME_WAIT endpoints are counted down here from now on. */
  forget(gone: ReadonlySet<Connection>): void {
    if (gone.size > this.twCap) this.twCap = gone.size;
    const twice = 2 * this.x.s.msl;
    const width = Math.max(twice / TW_BUCKETS, 1e-6);
    let added = false;
    for (const conn of gone) {
      for (const side of SIDES) {
        const ep = conn.endpoint(side);
        if (ep.state !== State.TIME_WAIT) continue;
        const h = this.timeWaitHosts.get(hostKey(ep, conn.ipVersion, false));
        if (h === undefined) continue;
        const at = ep.timeWaitStart + twice;
        const b = Math.ceil(at / width);
        let bucket = this.twBuckets.get(b);
        if (bucket === undefined) {
          bucket = new Map();
          this.twBuckets.set(b, bucket);
          this.twDue.set(b, at);
          added = true;
        } else if (at > (this.twDue.get(b) ?? at)) this.twDue.set(b, at);
        const n = bucket.get(h);
        bucket.set(h, (n ?? 0) + 1);
        if (n === undefined) (h.goneIn ??= []).push(b);
        if (h.gone++ === 0) this.twGoneHosts++;
      }
    }
    if (added) this.twOrder = [...this.twBuckets.keys()].sort((a, b) => a - b);
    if (this.twGoneHosts > this.twCap) this.forgetHosts();
    const next = this.next;
    if (next < this.x.nextDeadline) this.x.nextDeadline = next;
  }

  /**
   * Over twCap hosts with summarised TIME_WAIT endpoints: of those with no
   * other (none in the flow table) and no anomaly, the ones with the fewest
   * go, down to half the cap, so that this runs once per twCap/2 new hosts.
   */
  private forgetHosts(): void {
    const only: HostCount[] = [];
    for (const h of this.timeWaitHosts.values()) {
      if (h.gone > 0 && h.current === h.gone && h.anomaly === null) only.push(h);
    }
    only.sort((a, b) => a.gone - b.gone);
    const f = this.twForgotten;
    for (const h of only) {
      if (this.twGoneHosts <= this.twCap >>> 1) break;
      for (const b of h.goneIn ?? []) {
        this.twBuckets.get(b)?.delete(h);
        // An empty bucket stays until it is due (tick() finds it empty).
      }
      f.hosts++;
      f.endpoints += h.gone;
      if (h.gone > f.max) f.max = h.gone;
      h.current = 0;
      h.gone = 0;
      h.goneIn = null;
      this.twGoneHosts--;
      this.timeWaitHosts.delete(h.key);
    }
  }

  /**
   * A listener back to no half-open handshake and never over its threshold
   * stays in the map until another one does (finish() skips it: no anomaly),
   * so that a server answering one handshake after another does not make
   * and drop its entry, and its text, for every connection. True when idle.
   */
  private parkIdle(h: HostCount): boolean {
    if (h.current !== 0 || h.anomaly !== null) return false;
    const old = this.parked;
    if (old !== null && old !== h) this.synFloodHosts.delete(old.key);
    this.parked = h;
    return true;
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
        key,
        current: 0,
        gone: 0,
        goneIn: null,
        peak: 0,
        peakT: t,
        peakFrame: frame,
        minPort: 65536,
        maxPort: -1,
        anomaly: null,
      };
      map.set(key, h);
    } else if (flood && h.current === 0 && h.anomaly === null) {
      // The listener parked idle (parkIdle): counted again as if new.
      h.peak = 0;
      h.peakT = t;
      h.peakFrame = frame;
      h.minPort = 65536;
      h.maxPort = -1;
      if (this.parked === h) this.parked = null;
    }
    h.current += delta;
    if (delta < 0 && (flood ? this.parkIdle(h) : dropIfIdle(map, key, h))) return;
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
