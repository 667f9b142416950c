/**
 * Detectors: they watch the tracker's segments and transitions and raise named
 * anomalies (kinds.ts) with the connection, endpoint, time and frame where the
 * condition became true, a message with the figures, and the hint.
 *
 * They never change tracker state. Each anomaly kind is decided in one family
 * (one file each): the handshake (handshake.ts), resets (resets.ts), teardown
 * that does not finish (wait-states.ts), host-level counts (hosts.ts) and the
 * data transfer (transfer.ts); what they share is in context.ts. This file
 * hands each event to the families, in a fixed order (the report lists
 * anomalies in the order they were raised).
 *
 * Per-connection detectors fire once per cause (per connection and endpoint);
 * host-level ones (TIME_WAIT storm, SYN flood) fire once per host and report
 * the peak. Time-based ones (CLOSE_WAIT stuck, unanswered SYN) fire as soon as
 * capture time passes their deadline, and at the end of input; their figures
 * are brought up to date by `finish()`.
 */
import type { Segment } from '../decode/segment.js';
import type { AnomalyReport } from '../model/report.js';
import type { SegInfo } from '../tcp/classify.js';
import type { Connection, TransitionRecord } from '../tcp/connection.js';
import type { TrackerObserver } from '../tcp/tracker.js';
import {
  type AnomalySink,
  type ConnDet,
  DetectContext,
  type DetectorSettings,
  detOf,
  type DueEntry,
  newDueEntry,
} from './context.js';
import { HandshakeDetectors } from './handshake.js';
import { HostDetectors } from './hosts.js';
import { ResetDetectors } from './resets.js';
import { TransferDetectors } from './transfer.js';
import { WaitStateDetectors } from './wait-states.js';
import { at } from '../model/checked.js';

export {
  type AnomalySink,
  type DetectorSettings,
  endpointName,
  fmtSeconds,
  KEEP_PER_KIND,
} from './context.js';

/** A family that brings its kept anomalies up to date at the end of the capture. */
interface Updater {
  update(conn: Connection, d: ConnDet, a: AnomalyReport, end: number): void;
}

export class Detectors implements TrackerObserver {
  private readonly x: DetectContext;
  private readonly handshake: HandshakeDetectors;
  private readonly resets: ResetDetectors;
  private readonly waits: WaitStateDetectors;
  private readonly hosts: HostDetectors;
  private readonly transfer: TransferDetectors;
  /** Which family updates a kept anomaly of each kind at the end. */
  private readonly updaters = new Map<string, Updater>();
  private readonly due: DueEntry = newDueEntry();

  constructor(settings: DetectorSettings, sink: AnomalySink) {
    const x = (this.x = new DetectContext(settings, sink));
    this.handshake = new HandshakeDetectors(x);
    this.resets = new ResetDetectors(x);
    this.waits = new WaitStateDetectors(x);
    this.hosts = new HostDetectors(x);
    this.transfer = new TransferDetectors(x);
    for (const f of [this.handshake, this.waits, this.transfer])
      for (const k of f.kinds) this.updaters.set(k, f);
  }

  /** The kinds each family decides (each kind in one family). */
  get families(): readonly { readonly kinds: readonly string[] }[] {
    return [this.handshake, this.resets, this.waits, this.hosts, this.transfer, { kinds: ['capture-gap'] }];
  }

  /** The anomalies kept for the report (at most KEEP_PER_KIND of each kind). */
  get anomalies(): AnomalyReport[] {
    return this.x.anomalies;
  }
  /** Every anomaly raised, by kind (kept or not). */
  get counts(): Map<string, number> {
    return this.x.counts;
  }
  /** Anomalies raised beyond KEEP_PER_KIND of their kind: streamed and counted, not kept. */
  get omitted(): number {
    return this.x.omitted;
  }
  /** The earliest capture time at which tick() has something to do (check before calling it). */
  get nextDeadline(): number {
    return this.x.nextDeadline;
  }
  /** Hosts seen sending in the capture (Tracker.hostSeen): silence from one never seen proves nothing. */
  set senders(s: ((host: number) => boolean | null) | null) {
    this.x.senders = s;
  }

  // --- TrackerObserver ------------------------------------------------------

  segment(conn: Connection, seg: Segment, info: SegInfo): void {
    this.x.lastFrame = seg.frame;
    // A frame captured twice is counted by the tracker and is no event here.
    if (info.duplicate) return;
    this.handshake.segment(conn, seg, info);
    this.hosts.segment(conn, seg, info);
    this.resets.segment(conn, seg, info);
    this.transfer.segment(conn, seg, info);
    if (seg.ts >= this.x.nextDeadline) this.tick(seg.ts);
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    this.waits.transition(conn, rec);
    this.hosts.transition(conn, rec);
    this.handshake.transition(conn, rec);
  }

  portReuse(previous: Connection, conn: Connection, seg: Segment, tookOverTimeWait: boolean): void {
    this.hosts.portReuse(previous, conn, seg, tookOverTimeWait);
    this.handshake.portReuse(previous);
  }

  connectionEnded(conn: Connection): void {
    this.transfer.rateCheck(conn);
  }

  /**
   * These connections were summarised under the pipeline's connection cap: no
   * timer fires for them any more, and nothing here keeps them in memory (a
   * SYN flood's half-open connections would otherwise pile up in the queues).
   */
  forget(gone: ReadonlySet<Connection>): void {
    this.handshake.forget(gone);
    this.waits.forget(gone);
    this.hosts.forget(gone);
  }

  /**
   * finish() can no longer change this ended connection's anomalies: each
   * open one's figures come out the same whatever the end of the capture
   * (tried at two ends after `now`). Then the connection may leave memory as
   * its report (engine/connection-store.ts); the anomalies hold what finish()
   * would have written.
   */
  settled(conn: Connection, now: number): boolean {
    const d = detOf(conn);
    if (d === null) return true;
    for (const a of d.open) {
      const u = this.updaters.get(a.kind);
      if (u === undefined) continue;
      u.update(conn, d, a, now + 1);
      const first = JSON.stringify([a.message, a.details]);
      u.update(conn, d, a, now + 2);
      if (JSON.stringify([a.message, a.details]) !== first) return false;
    }
    return true;
  }

  /** Capture time advanced to `now` (after a segment, an idle tick in live mode, or the end). */
  tick(now: number): void {
    const x = this.x;
    if (now < x.nextDeadline) return;
    const e = this.due;
    this.handshake.tick(now, e);
    this.waits.tick(now, e);
    this.hosts.tick(now);
    x.nextDeadline = Math.min(this.handshake.next, this.waits.next, this.hosts.next);
  }

  /**
   * End of input at capture time `end`: fire what is due, bring every open
   * anomaly's figures up to date, and raise the end-of-capture kinds.
   */
  finish(end: number, conns: readonly Connection[]): void {
    this.x.nextDeadline = Number.NEGATIVE_INFINITY;
    this.tick(end);
    // An indexed loop (see docs/performance.md#cold-loops).
    for (let i = 0; i < conns.length; i++) {
      const conn = at(conns, i);
      const d = detOf(conn);
      this.transfer.rateCheck(conn);
      if (d) for (const a of d.open) this.updaters.get(a.kind)?.update(conn, d, a, end);
      this.waits.endedOpen(conn, end);
    }
    this.hosts.finish();
  }
}
