/**
 * Timers of connection endpoints (TIME_WAIT expiry in the tracker, the
 * detectors' deadlines), kept in insertion order as parallel arrays: times
 * unboxed in a double array and no object per entry, since tens of thousands
 * are pending at once on a busy capture. Callers push in time order.
 */
import type { Connection, Side } from './connection.js';

/** The entry taken by `shift` (one object, reused by the caller). */
export interface TimerEntry {
  t: number;
  conn: Connection;
  side: Side;
}

export class TimerQueue {
  private t: number[] = [];
  private conns: (Connection | null)[] = [];
  private sides: Side[] = [];
  private head = 0;

  push(t: number, conn: Connection, side: Side): void {
    this.t.push(t);
    this.conns.push(conn);
    this.sides.push(side);
  }

  /** Time of the oldest pending entry; +Infinity when none is. */
  peek(): number {
    return this.head < this.t.length ? this.t[this.head]! : Number.POSITIVE_INFINITY;
  }

  /** Moves the oldest pending entry into `e` (call only when peek() is finite). */
  shift(e: TimerEntry): void {
    const i = this.head++;
    e.t = this.t[i]!;
    e.conn = this.conns[i]!;
    e.side = this.sides[i]!;
    // A consumed entry no longer keeps its connection reachable.
    this.conns[i] = null;
    if (this.head > 4096 && this.head * 2 > this.t.length) {
      this.t = this.t.slice(this.head);
      this.conns = this.conns.slice(this.head);
      this.sides = this.sides.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops the pending entries of these connections (so the queue no longer holds them in memory). */
  forget(gone: ReadonlySet<Connection>): void {
    const t: number[] = [];
    const conns: (Connection | null)[] = [];
    const sides: Side[] = [];
    for (let i = this.head; i < this.t.length; i++) {
      const c = this.conns[i]!;
      if (gone.has(c)) continue;
      t.push(this.t[i]!);
      conns.push(c);
      sides.push(this.sides[i]!);
    }
    this.t = t;
    this.conns = conns;
    this.sides = sides;
    this.head = 0;
  }
}
