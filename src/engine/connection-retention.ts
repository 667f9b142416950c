/**
 * Which connections the engine keeps in memory: the memory bound of long and
 * endless captures. Two ways out, each run when the count of held connections
 * crosses its threshold, so that their scans cost linear time overall:
 * - past `maxConnections`, the connection cap summarises connections into
 *   state counts (connection-cap.ts);
 * - with a spill file (`storeEnded`, the CLI's `--json`), connections that can
 *   change no more leave as their JSON records (connection-store.ts).
 * A connection whose ladder is being drawn stays, unless every connection is
 * drawn (then memory comes first).
 */
import type { Segment } from '../decode/segment.js';
import type { Detectors } from '../detect/detectors.js';
import type { Connection } from '../tcp/connection.js';
import type { Tracker } from '../tcp/tracker.js';
import { ConnectionCap } from './connection-cap.js';
import { ConnectionStore, settled } from './connection-store.js';
import type { LadderRecorder, LadderSelection } from './ladder-recorder.js';
import { must } from '../model/checked.js';

/** The ladders an analysis records (AnalyzeOptions.ladder, .ladders) and their recorder. */
export interface Drawn {
  ladder?: number;
  ladders?: LadderSelection;
  recorder: LadderRecorder | null;
}

/** Connections held beyond those a spill kept, at least, before the next spill. */
const SPILL_STEP = 1000;

export class ConnectionRetention {
  /** The connection cap: what is summarised away, and when. */
  readonly cap: ConnectionCap;
  /** Ended connections out of memory (storeEnded > 0, no filter), or null. */
  readonly store: ConnectionStore | null;
  /**
   * check() once the tracker holds this many connections: the lower of the
   * cap's and the spill's thresholds. The engine compares it per packet.
   */
  next: number;
  /** spill() once this many connections are held. */
  private storeAt: number;

  /**
   * `storeEnded`: spill whenever more than this many connections are held
   * (0: never); `filtered`: a filter is on, whose report needs every
   * connection's object (no spill).
   */
  constructor(
    maxConnections: number,
    private readonly storeEnded: number,
    filtered: boolean,
    private readonly tracker: Tracker,
    private readonly detectors: Detectors,
    private readonly drawn: Drawn,
  ) {
    this.cap = new ConnectionCap(maxConnections);
    this.store = storeEnded > 0 && !filtered ? new ConnectionStore() : null;
    this.storeAt = this.store !== null ? storeEnded : Number.POSITIVE_INFINITY;
    this.next = this.threshold();
  }

  /** The held connections reached `next`: compact past the cap, then spill what has settled by `now`. */
  check(now: number): void {
    if (this.tracker.conns.length > this.cap.at) this.compact();
    if (this.tracker.conns.length >= this.storeAt) this.spill(now);
    this.next = this.threshold();
  }

  /** A connection just opened: it may be one the cap summarised, going on (ConnectionCap.opened). */
  opened(conn: Connection, seg: Segment): void {
    this.cap.opened(conn, seg);
  }

  /** Capture-quality figures of the connections no longer held (summarised or stored). */
  goneQuality(): { oneWay: number; withGaps: number; gaps: number } {
    let { oneWay, withGaps, gaps } = this.cap.summarisedQuality;
    if (this.store !== null) {
      oneWay += this.store.quality.oneWay;
      withGaps += this.store.quality.withGaps;
      gaps += this.store.quality.gaps;
    }
    return { oneWay, withGaps, gaps };
  }

  private threshold(): number {
    // The cap compacts past `at` (more than), the spill at `storeAt` (as many).
    return Math.min(Math.floor(this.cap.at) + 1, this.storeAt);
  }

  /** Past the connection cap: summarise connections the selected ladders do not need. */
  private compact(): void {
    this.cap.compact(
      this.tracker,
      (c) => this.isDrawn(c),
      (drop) => this.detectors.forget(drop),
    );
  }

  /**
   * Settled connections (ended, out of the flow table, CLOSED on both sides,
   * no anomaly open at `now`) leave memory as their JSON records; the
   * tracker's and the detectors' queues let go of them. Runs again once a
   * sixteenth more are held (at least SPILL_STEP, or storeEnded if smaller),
   * so the scans cost linear time overall.
   */
  private spill(now: number): void {
    const store = must(this.store, 'the connection store');
    const held: Connection[] = [];
    const gone = new Set<Connection>();
    for (const c of this.tracker.conns) {
      if (settled(c) && !this.isDrawn(c) && this.detectors.settled(c, now)) {
        store.add(c);
        gone.add(c);
      } else held.push(c);
    }
    if (gone.size > 0) {
      this.tracker.conns = held;
      this.tracker.forget(gone);
      this.detectors.forget(gone);
      // Nothing refers to them any more: their slab rows go to new connections.
      for (const c of gone) c.release();
    }
    // A sixteenth more, not a quarter: the connections that settle meanwhile wait
    // in memory for the next scan, and at 10 M packets a quarter of ~20,000 held
    // was ~8 MB more live heap (twice that resident, docs/performance.md#heap-growth).
    const step = Math.min(this.storeEnded, SPILL_STEP);
    this.storeAt = held.length + Math.max(step, Math.ceil(held.length / 16));
  }

  /** A connection whose ladder is being recorded stays in memory (unless all are: memory first). */
  private isDrawn(c: Connection): boolean {
    const { ladder, ladders, recorder } = this.drawn;
    return (
      c.id === ladder || (ladders !== undefined && ladders.ids !== 'all' && recorder?.wants(c.id) === true)
    );
  }
}
