/**
 * Teardown that does not finish: an endpoint stuck in CLOSE_WAIT (its
 * application never called close()) or in FIN_WAIT_2 (its peer never
 * closed), and connections still open when the capture ended
 * (capture-ended-open). A stuck state stands only on a state the capture
 * proves, on a connection seen both ways and without capture gaps.
 */
import type { AnomalyReport } from '../model/report.js';
import { type Connection, SIDE_NAMES, type Side, type TransitionRecord } from '../tcp/connection.js';
import { FIN_NOT_CAPTURED, isEndNotCaptured } from '../tcp/transitions.js';
import { isTerminal, STATE_NAMES, State } from '../model/states.js';
import {
  type ConnDet,
  Deadlines,
  type DetectContext,
  type DetectorFamily,
  type DueEntry,
  endpointName,
  fmtSeconds,
  openAnomaly,
  sideOf,
} from './context.js';

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

type WaitKind = 'close-wait-stuck' | 'fin-wait-2-stuck';

export class WaitStateDetectors implements DetectorFamily {
  readonly kinds = ['close-wait-stuck', 'fin-wait-2-stuck', 'capture-ended-open'] as const;
  private readonly closeWait: Deadlines;
  private readonly finWait2: Deadlines;

  constructor(private readonly x: DetectContext) {
    this.closeWait = new Deadlines(x.s.closeWaitTimeout);
    this.finWait2 = new Deadlines(x.s.finWait2Timeout);
  }

  transition(conn: Connection, rec: TransitionRecord): void {
    const { side, from, to } = rec;
    if (to === State.CLOSE_WAIT) this.x.schedule(this.closeWait, conn, side, rec.t);
    if (to === State.FIN_WAIT_2) this.x.schedule(this.finWait2, conn, side, rec.t);
    if (from === State.CLOSE_WAIT || from === State.FIN_WAIT_2) this.leftWaitState(conn, side, from, rec);
  }

  tick(now: number, e: DueEntry): void {
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
  }

  get next(): number {
    return Math.min(this.closeWait.next, this.finWait2.next);
  }

  forget(gone: ReadonlySet<Connection>): void {
    this.closeWait.forget(gone);
    this.finWait2.forget(gone);
  }

  update(conn: Connection, _d: ConnDet, a: AnomalyReport, end: number): void {
    if (!a.details || a.details.closed !== false) return;
    const side = sideOf(a);
    const since = a.details.since as number;
    const name = a.kind === 'close-wait-stuck' ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
    a.details.duration = end - since;
    a.message = `${endpointName(conn.endpoint(side), conn.ipVersion)} (${SIDE_NAMES[side]}) in ${name} for ${fmtSeconds(end - since)}, still there at the end of the capture`;
  }

  /**
   * End of the capture: a connection still open (and not already reported as
   * stuck, which would say the same thing twice).
   */
  endedOpen(conn: Connection, end: number): void {
    const c = conn.client.state;
    const s = conn.server.state;
    const stuck = conn.anomalies.some(isStuckKind);
    if (
      !conn.timedOut &&
      !stuck &&
      (!isTerminal(c) || !isTerminal(s)) &&
      conn.establishedTs + (conn.midstream ? 1 : 0) > 0
    ) {
      this.x.raise(
        conn,
        null,
        'capture-ended-open',
        end,
        this.x.lastFrame,
        `still open at the end of the capture (client ${STATE_NAMES[c]}, server ${STATE_NAMES[s]})`,
        {},
      );
    }
  }

  /**
   * A stuck-state diagnosis stands only on a state the capture proves, on a
   * connection seen both ways and without capture gaps: otherwise the FIN
   * whose absence it rests on may have been sent and not captured.
   */
  private stuckOrWithheld(conn: Connection, side: Side, kind: WaitKind, since: number, t: number): void {
    const ep = conn.endpoint(side);
    if (!ep.stateInferred && !conn.oneWay && conn.captureGaps === 0) {
      const name = kind === 'close-wait-stuck' ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
      this.x.raise(
        conn,
        side,
        kind,
        t,
        this.x.lastFrame,
        `${endpointName(ep, conn.ipVersion)} (${SIDE_NAMES[side]}) in ${name} for ${fmtSeconds(t - since)}, still there`,
        { since, duration: t - since, closed: false },
      );
      return;
    }
    const why = conn.oneWay
      ? 'the capture holds one direction of this connection only'
      : conn.captureGaps > 0
        ? `the capture missed ${conn.captureGaps} segment${conn.captureGaps === 1 ? '' : 's'} of this connection`
        : 'the state is inferred, not shown by the capture';
    this.x.withhold(conn, side, kind, t, why);
  }

  private leftWaitState(conn: Connection, side: Side, from: State, when: TransitionRecord): void {
    const t = when.t;
    const kind = from === State.CLOSE_WAIT ? 'close-wait-stuck' : 'fin-wait-2-stuck';
    const a = openAnomaly(conn, kind, side);
    if (!a?.details) return;
    const since = a.details.since as number;
    if (when.inferred && conn.endNotCaptured && isEndNotCaptured(when.cause)) {
      // The capture lost the segment that ended the state (the 4-tuple was
      // reused later): how long the endpoint stayed in it is not known. (A
      // RST that ended it, routed from the new connection, was captured.)
      this.x.withdraw(
        conn,
        a,
        `its end was not captured (the 4-tuple was reused ${fmtSeconds(t - since)} after it entered ${STATE_NAMES[from]}), so how long it stayed there is not known`,
      );
      return;
    }
    if (when.inferred && when.cause === FIN_NOT_CAPTURED) {
      // Its FIN was not captured, only acknowledged later: it may have left
      // any time before, even before the diagnosis's threshold.
      this.x.withdraw(
        conn,
        a,
        `its FIN was not captured (acknowledged ${fmtSeconds(t - since)} after it entered ${STATE_NAMES[from]}), so how long it stayed there is not known`,
      );
      return;
    }
    a.details.duration = t - since;
    a.details.closed = true;
    const name = from === State.CLOSE_WAIT ? 'CLOSE_WAIT' : 'FIN_WAIT_2';
    a.message = `${endpointName(conn.endpoint(side), conn.ipVersion)} (${SIDE_NAMES[side]}) stayed in ${name} for ${fmtSeconds(t - since)} before it closed`;
  }
}
