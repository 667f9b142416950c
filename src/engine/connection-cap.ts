/**
 * The connection cap (`maxConnections`): beyond it, connections are summarised
 * into state counts and leave the flow table, and a 4-tuple that goes on after
 * its connection was summarised takes its place in the counts instead of being
 * counted twice. The engine's memory bound on long and endless captures.
 */
import { type Segment, TcpFlag } from '../decode/segment.js';
import { isTerminal, State, STATE_NAMES } from '../model/states.js';
import { newSummarised, summarise, type Summarised } from '../report/build.js';
import type { Connection } from '../tcp/connection.js';
import type { Tracker } from '../tcp/tracker.js';

export class ConnectionCap {
  readonly summarised: Summarised = newSummarised();
  /** Capture-quality figures of the summarised connections. */
  readonly summarisedQuality = { oneWay: 0, withGaps: 0, gaps: 0 };
  /** Summarised connections by 4-tuple (bury, opened). */
  private readonly tombstones = new Map<number, Tombstone>();
  /** compact() when more connections than this are kept (max; more while nothing can go). */
  at: number;

  constructor(private readonly max: number) {
    this.at = max;
  }

  /**
   * Keep memory bounded: beyond `max`, connections are summarised
   * into state counts and leave the flow table, oldest first: ended ones
   * without anomalies, then ended ones; then, under a flood (random-port SYNs,
   * stray ACKs), open ones that never completed a handshake (or were picked up
   * mid-stream from a packet or two), then any (as conntrack's early_drop).
   * `keep`: connections that stay whatever happens (the ones being drawn); `forget`:
   * the detectors let go of the dropped ones. Runs in O(connections) and at most once per max/10 new connections, so a
   * flood costs linear time.
   */
  compact(tracker: Tracker, keep: (c: Connection) => boolean, forget: (drop: Set<Connection>) => void): void {
    const max = this.max;
    const target = Math.floor(max * 0.9);
    const conns = tracker.conns;
    let excess = conns.length - target;
    const drop = new Set<Connection>();
    for (const pass of [0, 1, 2, 3]) {
      for (const c of conns) {
        if (excess <= 0) break;
        if (drop.has(c) || keep(c)) continue;
        if (pass === 0 && (!c.ended || c.anomalies.length > 0)) continue;
        if (pass === 1 && !c.ended) continue;
        // A handshake that never completed, or a mid-stream pickup seen in a packet or two.
        const unconfirmed =
          c.establishedTs === 0 && (!c.midstream || c.client.packets + c.server.packets <= 2);
        if (pass === 2 && !unconfirmed) continue;
        drop.add(c);
        excess--;
      }
      if (excess <= 0) break;
    }
    for (const c of drop) {
      // Out of the flow table too, or a flood of them would still fill it until their timeouts.
      tracker.evict(c);
      summarise(this.summarised, c);
      if (c.oneWay) this.summarisedQuality.oneWay++;
      if (c.captureGaps > 0) {
        this.summarisedQuality.withGaps++;
        this.summarisedQuality.gaps += c.captureGaps;
      }
      this.bury(c);
    }
    if (drop.size > 0) {
      tracker.conns = conns.filter((c) => !drop.has(c));
      tracker.forget(drop);
      forget(drop);
    }
    const n = tracker.conns.length;
    this.at = n > max ? n + Math.max(1, Math.ceil(max / 10)) : max;
  }

  /**
   * An evicted connection is summarised, but its 4-tuple may go on (the cap
   * dropped an open connection, or a stray FIN came after TIME_WAIT), and the
   * tracker then opens a connection for it again: counted twice, a phantom
   * (issue 24: 6,374 of them on a never-closing stream). The evicted one's
   * summary is kept here by 4-tuple, at most maxConnections of them (or 1,000;
   * the older half goes when full), so that its continuation takes its place in the counts.
   */
  private bury(c: Connection): void {
    const cl = c.client;
    const sv = c.server;
    // Keyed by the tracker's flow hash (a small integer, the same both ways); the
    // endpoints are compared on a hit (resurrected), so a collision is no match.
    this.tombstones.delete(c.hash);
    this.tombstones.set(c.hash, {
      client: STATE_NAMES[cl.state],
      server: STATE_NAMES[sv.state],
      v6: c.ipVersion === 4 ? null : [cl.addrText, sv.addrText],
      ends: [cl.addr4, cl.port, sv.addr4, sv.port],
      isn: [cl.hasIsn ? cl.isn : -1, sv.hasIsn ? sv.isn : -1],
      state: [cl.state, sv.state],
      established: c.establishedTs !== 0,
      oneWay: c.oneWay,
      gaps: c.captureGaps,
      over:
        isTerminal(cl.state) && isTerminal(sv.state) && (c.transitionCount > 0 || cl.rstSent || sv.rstSent),
    });
    const cap = Math.max(1000, this.max);
    if (this.tombstones.size > cap) {
      // The older half goes at once: deleting one at a time from the front of a Map
      // makes each keys().next() step over every entry deleted before (quadratic).
      const keep = [...this.tombstones].slice(this.tombstones.size - (cap >>> 1));
      this.tombstones.clear();
      for (const [k, v] of keep) this.tombstones.set(k, v);
    }
  }

  /**
   * A connection just opened on a 4-tuple whose connection was evicted: unless it
   * starts with a SYN that would have started a new connection had the evicted
   * one stayed (as Tracker.isNewIncarnation decides: the old one was over, or a
   * new ISN on a handshake that never completed), it is the evicted one going on,
   * and the summary forgets that one.
   */
  opened(conn: Connection, seg: Segment): void {
    if (this.tombstones.size === 0) return;
    const t = this.tombstones.get(conn.hash);
    if (t === undefined) return;
    // Which of the evicted one's endpoints sent this first segment (-1: another 4-tuple).
    const side = tombstoneSide(t, conn);
    if (side === -1) return;
    this.tombstones.delete(conn.hash);
    if ((seg.flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN) {
      if (t.over) return;
      const st = t.state[side];
      const handshake = st === State.SYN_SENT || st === State.CLOSED || st === State.SYN_RECEIVED;
      if (t.isn[side] !== -1 && seg.seq !== t.isn[side] && !t.established && handshake) return;
    }
    const sum = this.summarised;
    sum.connections--;
    uncount(sum.client, t.client);
    uncount(sum.server, t.server);
    const q = this.summarisedQuality;
    if (t.oneWay) q.oneWay--;
    if (t.gaps > 0) {
      q.withGaps--;
      q.gaps -= t.gaps;
    }
  }
}

/** What is left of an evicted connection (ConnectionCap.bury). */
interface Tombstone {
  /** Its state names, as summarised. */
  client: string;
  server: string;
  /** IPv4: client address and port, server address and port. */
  ends: [number, number, number, number];
  /** IPv6: client and server address as text (ends then holds the ports). */
  v6: [string, string] | null;
  /** Per side (client, server): the ISN (-1: none seen) and the state. */
  isn: [number, number];
  state: [number, number];
  established: boolean;
  /** Its capture-quality figures, as summarised. */
  oneWay: boolean;
  gaps: number;
  /** Both sides closed or in TIME_WAIT after a start: a SYN begins another connection. */
  over: boolean;
}

/**
 * The side (0 client, 1 server) of the evicted connection `t` whose endpoint
 * sent `conn`'s first segment, or -1 when `conn` is on another 4-tuple.
 */
/** One fewer endpoint in state `name` (summarised, so counted there once). */
function uncount(counts: Record<string, number>, name: string): void {
  const n = (counts[name] ?? 0) - 1;
  if (n === 0) delete counts[name];
  else counts[name] = n;
}

function tombstoneSide(t: Tombstone, conn: Connection): 0 | 1 | -1 {
  const snd = conn.endpoint(conn.firstSender);
  const rcv = conn.endpoint(1 - conn.firstSender);
  const [ca, cp, sa, sp] = t.ends;
  if (t.v6 === null) {
    if (conn.ipVersion !== 4) return -1;
    if (snd.addr4 === ca && snd.port === cp && rcv.addr4 === sa && rcv.port === sp) return 0;
    if (snd.addr4 === sa && snd.port === sp && rcv.addr4 === ca && rcv.port === cp) return 1;
    return -1;
  }
  if (conn.ipVersion !== 6) return -1;
  const [ct, st] = t.v6;
  if (snd.port === cp && rcv.port === sp && snd.addrText === ct && rcv.addrText === st) return 0;
  if (snd.port === sp && rcv.port === cp && snd.addrText === st && rcv.addrText === ct) return 1;
  return -1;
}
