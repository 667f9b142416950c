/**
 * Timers of connection endpoints (TIME_WAIT expiry in the tracker, the
 * detectors' deadlines), kept in insertion order in a ring buffer of parallel
 * arrays: times unboxed in a Float64Array, sides in bytes, and no object per
 * entry, since tens of thousands are pending at once on a busy capture. The
 * ring grows (doubling) only when it is full, so a steady stream of timers
 * allocates nothing. Callers push in time order.
 */
import type { Connection, Side } from './connection.js';
import { internalError } from '../model/checked.js';

/** The entry taken by `shift` (one object, reused by the caller). */
export interface TimerEntry {
  t: number;
  conn: Connection;
  side: Side;
}

const MIN_CAPACITY = 16;

export class TimerQueue {
  private t = new Float64Array(MIN_CAPACITY);
  private conns: (Connection | null)[] = new Array<Connection | null>(MIN_CAPACITY).fill(null);
  private sides = new Uint8Array(MIN_CAPACITY);
  /** capacity - 1 (the capacity is a power of two). */
  private mask = MIN_CAPACITY - 1;
  private head = 0;
  private count = 0;

  /** Pending entries. */
  get size(): number {
    return this.count;
  }

  push(t: number, conn: Connection, side: Side): void {
    if (this.count > this.mask) this.resize((this.mask + 1) * 2);
    const i = (this.head + this.count) & this.mask;
    this.t[i] = t;
    this.conns[i] = conn;
    this.sides[i] = side;
    this.count++;
  }

  /** Time of the oldest pending entry; +Infinity when none is. */
  peek(): number {
    const t = this.t[this.head];
    return this.count > 0 && t !== undefined ? t : Number.POSITIVE_INFINITY;
  }

  /** Moves the oldest pending entry into `e` (call only when peek() is finite). */
  shift(e: TimerEntry): void {
    const i = this.head;
    const t = this.t[i];
    const conn = this.conns[i];
    // Only a pending slot holds a connection.
    if (conn == null || t === undefined) return internalError('TimerQueue.shift with no entry pending');
    e.t = t;
    e.conn = conn;
    e.side = this.sides[i] as Side;
    // A consumed entry no longer keeps its connection reachable.
    this.conns[i] = null;
    this.head = (i + 1) & this.mask;
    this.count--;
  }

  /**
   * Drops the pending entries of these connections (so the queue no longer
   * holds them in memory), and gives back the room a burst of timers took.
   */
  forget(gone: ReadonlySet<Connection>): void {
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      const c = this.conns[i];
      if (c == null || gone.has(c)) continue;
      // Compact in place, in order: slot `kept` is at or before slot `k`.
      // Indexes masked by capacity - 1 lie inside the arrays: the ?? never applies.
      const j = (this.head + kept) & this.mask;
      this.t[j] = this.t[i] ?? 0;
      this.conns[j] = c;
      this.sides[j] = this.sides[i] ?? 0;
      kept++;
    }
    for (let k = kept; k < this.count; k++) this.conns[(this.head + k) & this.mask] = null;
    this.count = kept;
    let cap = MIN_CAPACITY;
    while (cap < kept * 2) cap *= 2;
    if (cap * 4 <= this.mask + 1) this.resize(cap);
  }

  /** Moves the pending entries, oldest first, into arrays of `capacity` slots. */
  private resize(capacity: number): void {
    const t = new Float64Array(capacity);
    const conns = new Array<Connection | null>(capacity).fill(null);
    const sides = new Uint8Array(capacity);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      // i is masked by capacity - 1, inside the arrays: the ?? never applies.
      t[k] = this.t[i] ?? 0;
      conns[k] = this.conns[i] ?? null;
      sides[k] = this.sides[i] ?? 0;
    }
    this.t = t;
    this.conns = conns;
    this.sides = sides;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
