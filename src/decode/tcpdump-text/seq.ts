/**
 * Absolute sequence numbers back from tcpdump's relative ones.
 *
 * What tcpdump does (print-tcp.c, tcp_print; the same from 4.x to 4.99 and
 * master): unless -S, a segment with ACK set looks up its conversation in
 * tcp_seq_hash, keyed on both addresses and ports in a fixed order so both
 * directions share one entry. If there is no entry, or the segment has SYN
 * (a SYN-ACK: new conversation), the entry is (re)set to
 *   base(sender)   = seq
 *   base(receiver) = ack - 1
 * and the segment is printed with its numbers as they are. Otherwise it is
 * printed with `seq - base(sender)` and `ack - base(receiver)`, and SACK
 * block edges `- base(receiver)` (those even on the segment that set the
 * entry). Segments without ACK (SYN, bare RST) never touch the entry and are
 * printed absolute; so is everything under -S. Entries are never removed.
 *
 * So this module keeps the same entries. The base of a direction is unknown
 * when the segment that set it printed no seq (a pure ACK: tcpdump prints seq
 * only with payload, SYN, FIN or RST, or under -vv); that direction's numbers
 * then keep a placeholder origin (its best guess, else 0): consistent with
 * each other and with the other direction's acks, but not the wire values.
 *
 * Whether the text came from -S is detected when not given: each number is
 * read both ways, and the reading that lands nearer what the conversation so
 * far makes likely (the sender's next seq, the receiver's highest seq for an
 * ack) gets a vote; with nothing seen yet, a small number votes relative and
 * one near the base absolute. The majority decides, number after number.
 */
import { TcpFlag } from '../segment.js';
import { must } from '../../model/checked.js';

interface Conversation {
  /** tcp_seq_hash entry exists. */
  inited: boolean;
  /** Per direction (index: 0 = the endpoint whose key sorts first). */
  base: [number, number];
  baseKnown: [boolean, boolean];
  /** End of the highest sequence space seen sent (seq + len + SYN + FIN). */
  next: [number, number];
  nextKnown: [boolean, boolean];
  /** Highest ack the other side sent for this direction. */
  acked: [number, number];
  ackedKnown: [boolean, boolean];
}

function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** |a - b| in sequence space (mod 2^32, as a signed distance). */
function dist(a: number, b: number): number {
  return Math.abs((a - b) | 0);
}

const SMALL = 2 ** 24;
const LARGE = 2 ** 26;

export class SeqTracker {
  /** Votes for relative (default tcpdump) and absolute (-S) printing. */
  relVotes = 0;
  absVotes = 0;
  private readonly conversations = new Map<string, Conversation>();
  /** "src > dst" as printed: its conversation and direction (one lookup a line, no key built). */
  private readonly sides = new Map<string, { c: Conversation; dir: 0 | 1 }>();
  private cur: { c: Conversation; dir: 0 | 1 } | undefined;

  // Results of the last resolve().
  seq = 0;
  ack = 0;
  /** Add to printed SACK edges. */
  sackBase = 0;
  /** The segment printed no seq: `seq` is the sender's next sequence number as far as seen. */
  seqInferred = false;
  /** A number is relative to an origin the text never gave. */
  baseUnknown = false;

  /** `absolute`: the text is from -S; `relative`: it is not; undefined: tell from the numbers. */
  constructor(private readonly given?: 'relative' | 'absolute') {}

  get relative(): boolean {
    if (this.given !== undefined) return this.given === 'relative';
    return this.relVotes >= this.absVotes;
  }

  /** Conversations seen (tcpdump's hash entries and ours). */
  get size(): number {
    return this.conversations.size;
  }

  /** Makes the direction `dirKey` current; false when it is new (then call add). */
  find(dirKey: string): boolean {
    this.cur = this.sides.get(dirKey);
    return this.cur !== undefined;
  }

  /** A new direction, from its ends as printed (`addr.port`); makes it current. */
  add(dirKey: string, src: string, dst: string): void {
    const dir: 0 | 1 = src <= dst ? 0 : 1;
    const key = dir === 0 ? `${src} ${dst}` : `${dst} ${src}`;
    this.cur = { c: this.conv(key), dir };
    this.sides.set(dirKey, this.cur);
  }

  private conv(key: string): Conversation {
    let c = this.conversations.get(key);
    if (c === undefined) {
      c = {
        inited: false,
        base: [0, 0],
        baseKnown: [false, false],
        next: [0, 0],
        nextKnown: [false, false],
        acked: [0, 0],
        ackedKnown: [false, false],
      };
      this.conversations.set(key, c);
    }
    return c;
  }

  private infer(c: Conversation, x: 0 | 1): number {
    if (c.nextKnown[x]) {
      if (c.ackedKnown[x] && seqGt(c.acked[x], c.next[x])) return c.acked[x];
      return c.next[x];
    }
    if (c.ackedKnown[x]) return c.acked[x];
    return -1;
  }

  /**
   * A printed number v whose relative reading is v + base: vote for the reading
   * that lands nearer `expected` (what this number should be, as far as seen;
   * -1 when nothing was seen), else for the one that looks like its kind
   * (relative numbers are small, absolute ones near the base).
   */
  private vote(v: number, base: number, expected: number): void {
    if (base === 0) return;
    if (expected >= 0) {
      const r = dist((v + base) >>> 0, expected);
      const a = dist(v, expected);
      if (r * 4 < a) this.relVotes++;
      else if (a * 4 < r) this.absVotes++;
      return;
    }
    const rel = dist(v, 0);
    const abs = dist(v, base);
    if (rel < SMALL && abs >= LARGE) this.relVotes++;
    else if (abs < SMALL && rel >= LARGE) this.absVotes++;
  }

  /**
   * One segment of the current direction (find / add), with its numbers
   * as printed (hasSeq false: no `seq`; ackV only when ACK is set). Sets seq,
   * ack, sackBase, seqInferred, baseUnknown.
   */
  resolve(flags: number, hasSeq: boolean, seqV: number, ackV: number, payloadLen: number): void {
    const { c, dir: x } = must(this.cur, 'the current direction');
    const y = x === 0 ? 1 : 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const syn = (flags & TcpFlag.SYN) !== 0;
    this.seqInferred = !hasSeq;
    this.baseUnknown = false;
    let seq: number;
    let ackAbs = 0;
    this.sackBase = 0;
    if (ack && (!c.inited || syn)) {
      // tcpdump sets the entry from this segment and prints it as it is.
      let guess = hasSeq ? seqV : this.infer(c, x);
      if (guess < 0) {
        guess = 0;
        this.baseUnknown = true;
      }
      seq = guess;
      c.inited = true;
      c.base[x] = seq;
      c.baseKnown[x] = !this.baseUnknown;
      c.base[y] = (ackV - 1) >>> 0;
      c.baseKnown[y] = true;
      ackAbs = ackV;
      if (this.relative) this.sackBase = c.base[y];
    } else if (ack) {
      if (this.given === undefined) {
        if (hasSeq && c.baseKnown[x]) this.vote(seqV, c.base[x], this.infer(c, x));
        if (c.baseKnown[y]) {
          const e = c.nextKnown[y] ? c.next[y] : c.ackedKnown[y] ? c.acked[y] : -1;
          this.vote(ackV, c.base[y], e);
        }
      }
      if (this.relative) {
        if (hasSeq) {
          seq = (seqV + c.base[x]) >>> 0;
          if (!c.baseKnown[x]) this.baseUnknown = true;
        } else {
          seq = this.infer(c, x);
          if (seq < 0) seq = c.base[x];
          if (!c.baseKnown[x]) this.baseUnknown = true;
        }
        ackAbs = (ackV + c.base[y]) >>> 0;
        if (!c.baseKnown[y]) this.baseUnknown = true;
        this.sackBase = c.base[y];
      } else {
        seq = hasSeq ? seqV : this.infer(c, x);
        if (seq < 0) {
          seq = 0;
          this.baseUnknown = true;
        }
        ackAbs = ackV;
      }
    } else {
      // No ACK: printed absolute, entry untouched.
      seq = hasSeq ? seqV : this.infer(c, x);
      if (seq < 0) {
        seq = 0;
        this.baseUnknown = true;
      }
    }
    this.seq = seq;
    this.ack = ackAbs;
    // A placeholder seq says nothing of where the sender is.
    this.learn(c, x, y, flags, this.seqInferred && this.baseUnknown ? -1 : seq, ackAbs, payloadLen);
  }

  /**
   * A segment whose numbers were not printed (`[bad hdr length ...]` comes after
   * tcpdump's lookup): the entry is set all the same, from numbers we never see.
   */
  touch(flags: number): void {
    if ((flags & TcpFlag.ACK) === 0) return;
    const { c } = must(this.cur, 'the current direction');
    if (c.inited && (flags & TcpFlag.SYN) === 0) return;
    c.inited = true;
    c.baseKnown[0] = false;
    c.baseKnown[1] = false;
  }

  private learn(
    c: Conversation,
    x: 0 | 1,
    y: 0 | 1,
    flags: number,
    seq: number,
    ack: number,
    len: number,
  ): void {
    const syn = (flags & TcpFlag.SYN) !== 0;
    const end = (seq + len + (syn ? 1 : 0) + (flags & TcpFlag.FIN ? 1 : 0)) >>> 0;
    if (syn) {
      // A new connection on this 4-tuple: forget the old one's numbers.
      c.next[x] = end;
      c.nextKnown[x] = true;
      c.ackedKnown[x] = false;
      if ((flags & TcpFlag.ACK) === 0) {
        c.nextKnown[y] = false;
        c.ackedKnown[y] = false;
      }
    } else if (seq >= 0 && (flags & TcpFlag.RST) === 0 && (!c.nextKnown[x] || seqGt(end, c.next[x]))) {
      c.next[x] = end;
      c.nextKnown[x] = true;
    }
    if (flags & TcpFlag.ACK && (!c.ackedKnown[y] || seqGt(ack, c.acked[y]))) {
      c.acked[y] = ack;
      c.ackedKnown[y] = true;
    }
  }
}
