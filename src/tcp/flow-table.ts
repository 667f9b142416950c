/**
 * The flow table: connections by 4-tuple (and tunnel), both directions on
 * one entry. Keyed by a commutative hash of the 4-tuple, chained per bucket
 * (each connection links to the next in its bucket), compared field by field:
 * no string keys, nothing allocated per segment.
 */
import type { Segment } from '../decode/segment.js';
import { CLIENT, type Connection, type Endpoint, SERVER, type Side } from './connection.js';
import { u32be } from '../capture/bytes.js';

/** An IPv6 address folded to 30 bits (see docs/performance.md#small-integers); sameAddr6 settles collisions. */
export function hashAddr6(b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < 16; i += 4) {
    h = Math.imul(h ^ u32be(b, i), 0x9e3779b1);
  }
  return h & 0x3fffffff;
}

function sameAddr6(ep: Endpoint, b: Uint8Array): boolean {
  const a = ep.addr6;
  if (a === null) return false;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A host's key in Tracker.hostSeen(): the IPv4 address, or a hash of the IPv6 one. */
export function hostHash(ep: Endpoint, ipVersion: 4 | 6): number {
  const a6 = ep.addr6;
  return ipVersion === 4 || a6 === null ? ep.addr4 : hashAddr6(a6);
}

export class FlowTable {
  /** Connections in the table. */
  count = 0;
  /** Of the last find(): the flow's hash, its source and destination host keys, ... */
  hash = 0;
  srcH = 0;
  dstH = 0;
  /** ... the sender's side in the connection found, and the connection before it in its bucket. */
  side: Side = CLIENT;
  prev: Connection | null = null;
  private readonly buckets = new Map<number, Connection>();

  /** The connection `seg` belongs to, or null; sets hash, srcH, dstH, side and prev. */
  find(seg: Segment): Connection | null {
    // The hash computed here, to 30 bits (see docs/performance.md#boxing).
    const v4 = seg.ipVersion === 4;
    const src = seg.src;
    const dst = seg.dst;
    const srcH = v4 ? u32be(src, 0) : hashAddr6(src);
    const dstH = v4 ? u32be(dst, 0) : hashAddr6(dst);
    const h1 = (Math.imul(srcH, 31) + seg.srcPort) | 0;
    const h2 = (Math.imul(dstH, 31) + seg.dstPort) | 0;
    // The tunnel is part of the identity (decode/tunnel.ts); 0 without one.
    const tk = seg.tunnelKey;
    const hash = (Math.imul(h1 ^ h2, 0x9e3779b1) + h1 + h2 + tk) & 0x3fffffff;
    this.hash = hash;
    this.srcH = srcH;
    this.dstH = dstH;

    let conn = this.buckets.get(hash) ?? null;
    let prev: Connection | null = null;
    let side: Side = CLIENT;
    while (conn !== null) {
      if (conn.ipVersion === seg.ipVersion && conn.tunnelKey === tk) {
        const c = conn.client;
        const s = conn.server;
        if (
          c.port === seg.srcPort &&
          s.port === seg.dstPort &&
          (v4 ? c.addr4 === srcH && s.addr4 === dstH : sameAddr6(c, src) && sameAddr6(s, dst))
        ) {
          side = CLIENT;
          break;
        }
        if (
          s.port === seg.srcPort &&
          c.port === seg.dstPort &&
          (v4 ? s.addr4 === srcH && c.addr4 === dstH : sameAddr6(s, src) && sameAddr6(c, dst))
        ) {
          side = SERVER;
          break;
        }
      }
      prev = conn;
      conn = conn.nextInBucket;
    }
    this.side = side;
    this.prev = prev;
    return conn;
  }

  /** Adds `conn` (its `hash` set) at the head of its bucket. */
  insert(conn: Connection): void {
    conn.nextInBucket = this.buckets.get(conn.hash) ?? null;
    this.buckets.set(conn.hash, conn);
    this.count++;
  }

  /** `conn` takes the place of `old` (found after `prev` in its bucket); `old` leaves the table. */
  replace(old: Connection, prev: Connection | null, conn: Connection): void {
    conn.nextInBucket = old.nextInBucket;
    if (prev) prev.nextInBucket = conn;
    else this.buckets.set(conn.hash, conn);
    old.nextInBucket = null;
    old.leaveTable();
  }

  /** Removes `conn`; false if it was not in the table. */
  remove(conn: Connection): boolean {
    let prev: Connection | null = null;
    let c = this.buckets.get(conn.hash) ?? null;
    while (c !== null && c !== conn) {
      prev = c;
      c = c.nextInBucket;
    }
    if (c === null) return false;
    if (prev) prev.nextInBucket = conn.nextInBucket;
    else if (conn.nextInBucket) this.buckets.set(conn.hash, conn.nextInBucket);
    else this.buckets.delete(conn.hash);
    this.left(conn);
    return true;
  }

  /** Removes every connection for which `expired` is true, calling `onRemoved` for each. */
  sweep(expired: (c: Connection) => boolean, onRemoved: (c: Connection) => void): void {
    // forEach, not for...of: an entry array per bucket at every sweep (docs/performance.md#garbage).
    this.buckets.forEach((head, hash) => {
      let prev: Connection | null = null;
      let c: Connection | null = head;
      let newHead: Connection | null = head;
      while (c !== null) {
        const next: Connection | null = c.nextInBucket;
        if (expired(c)) {
          if (prev) prev.nextInBucket = next;
          else newHead = next;
          this.left(c);
          onRemoved(c);
        } else prev = c;
        c = next;
      }
      if (newHead === null) this.buckets.delete(hash);
      else if (newHead !== head) this.buckets.set(hash, newHead);
    });
  }

  /** The connections in the table. */
  *connections(): IterableIterator<Connection> {
    for (const head of this.buckets.values()) {
      for (let c: Connection | null = head; c !== null; c = c.nextInBucket) yield c;
    }
  }

  private left(conn: Connection): void {
    conn.nextInBucket = null;
    conn.leaveTable();
    this.count--;
  }
}
