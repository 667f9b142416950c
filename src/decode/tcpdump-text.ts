/**
 * tcpdump's text output back into Segments: `tcpdump -n -l ... | tcptrace-ts -`.
 *
 * One line at a time (the capture reader hands over each line), no lookahead.
 * What a line can be, as tcpdump 4.x prints it (print.c, print-ip.c,
 * print-ip6.c, print-tcp.c):
 *
 *   [frame (-#)]  [timestamp]  [link part (-e, -i any)]  IP|IP6 [(-v header)] src.port > dst.port: Flags [S.], ...
 *       1  2020-06-10 09:21:03.720289 IP 192.168.1.11.33779 > 209.87.249.18.53: Flags [S], seq 603899916, win 64240, options [mss 1460,sackOK,TS val 2044906138 ecr 0,nop,wscale 7], length 0
 *   09:21:03.847323 IP (tos 0x0, ttl 64, id 39722, offset 0, flags [DF], proto TCP (6), length 98)     <- -v: IPv4 header alone
 *       192.168.1.11.33779 > 209.87.249.18.53: Flags [P.], cksum 0x7796 (correct), seq 1:59, ack 1, ... <- its TCP part
 *   16:15:28.392551 IP6 (hlim 64, next-header TCP (6) payload length: 20) fe80::1.58307 > fe80::2.80: Flags [S], ...
 *   00:11:23.613927 ifb0  Out IP 192.168.1.253.56478 > 192.168.1.21.80: Flags [S], ...
 *   03:16:19.466743 f8:1e:df:e5:84:3a > 00:1f:f3:3c:e1:13, ethertype IPv4 (0x0800), length 93: 172.16.11.12.64565 > ...
 *   17:16:09.924505 IP 131.155.215.69.46656 > 137.116.81.94.80: tcp 0                                   <- -q
 *
 * and lines that are not packets (payload decodes, -x/-X/-A dumps, the
 * second line of a non-TCP -v packet, banners).
 *
 * The TCP line is found by its `: Flags [` and read right to left for the
 * endpoints, then left to right for the fields; everything is hand-scanned
 * (no regular expressions, no backtracking), and nothing on any line throws.
 *
 * What the text cannot give is recorded in `unavailable` (see Unavailable).
 */
import { EtherType } from './ethertype.js';
import { addrPort, parseAddr, parseAddrPort } from './tcpdump-text/addr.js';
import { opts, parseOptions } from './tcpdump-text/options.js';
import { at, find, findLast, isDigit, lastSpace, num, readUint, skipSpaces } from './tcpdump-text/scan.js';
import { SeqTracker } from './tcpdump-text/seq.js';
import { Clock, type HmsMeaning, readStamp, StampShape, stamp } from './tcpdump-text/time.js';
import { LocalZone } from './tcpdump-text/zone.js';
import { DecodeStatus, LinkDir, resetFields, type Segment, TcpFlag } from './segment.js';
import { pushTunnel, TunnelType } from './tunnel.js';
import { at as item } from '../model/checked.js';

export type { HmsMeaning } from './tcpdump-text/time.js';

export interface TcpdumpTextOptions {
  /**
   * Epoch seconds of the day (00:00 UTC) that time-of-day stamps (tcpdump's
   * default) belong to; also the origin of -ttt / -ttttt deltas and of lines
   * without a stamp (-t). Default 0 (1970-01-01).
   */
  baseDate?: number;
  /**
   * The offset east of UTC, in seconds, of the local time tcpdump printed
   * (default and -tttt stamps are local time). Default 0: UTC (TZ=GMT0).
   */
  utcOffset?: number;
  /**
   * The time zone (IANA name) of the local time tcpdump printed, for its
   * default and -tttt stamps; overrides utcOffset. baseDate is then that
   * zone's local midnight, counted as wall-clock seconds.
   */
  timeZone?: string;
  /** How HH:MM:SS stamps are read; default `auto` (time of day unless the first is 00:00:00.0, then deltas). */
  hms?: HmsMeaning;
  /** true: the text is from `tcpdump -S`; false: it is not; default: detected from the numbers. */
  absoluteSeq?: boolean;
}

/** Names put in `unavailable`: what the text did not give for some segments. */
export const Unavailable = {
  /** Payload bytes: tcpdump text has none (capturedPayload is 0, buf empty). */
  Payload: 'payload',
  /** IP TTL / hop limit: only -v prints them (ttl is 0). */
  Ttl: 'ttl',
  /** The seq of segments without payload, SYN, FIN or RST: printed only under -vv; the sender's next seq was used. */
  Seq: 'seq',
  /** Absolute numbers of a direction whose origin tcpdump never printed (its first ACK segment had no seq). */
  AbsoluteSeq: 'absolute-seq',
  /** Time of the packets: -t prints none (baseDate used). */
  Timestamp: 'timestamp',
  /** The date: time-of-day and delta stamps have none (baseDate used). */
  Date: 'date',
  /** TCP header length: an option of unprinted length, and no -v lengths to work it out. */
  HeaderLength: 'header-length',
  /** Flags, sequence numbers, window and options of `-q` lines. */
  TcpHeader: 'tcp-header',
} as const;

export interface TcpdumpTextStats {
  /** Lines given to parseLine. */
  lines: number;
  /** Lines that started a packet (frame numbers count these when there is no -#). */
  packets: number;
  /** Segments produced (DecodeStatus.Ok). */
  tcp: number;
  nonTcp: number;
  pending: number;
  continuation: number;
  noHeader: number;
  truncated: number;
  malformed: number;
  fragments: number;
  tunnels: number;
  /** Segments whose seq was not printed (pure ACKs without -vv). */
  seqInferred: number;
  /** Segments numbered from a placeholder origin. */
  seqUnknownBase: number;
  /** A -v IPv4 header line not followed by its TCP line. */
  orphanPending: number;
  /** Lines with host names instead of addresses (tcpdump without -n): not usable. */
  hostNames: number;
  /** Lines with a port named by a services database entry this tool does not ship: not usable. */
  portNames: number;
  /** The first such port name (for the warning). */
  unknownPortName: string;
  invalidTimestamps: number;
  /** Outputs of other tcpdump runs found concatenated after the first (-# numbers starting again). */
  runs: number;
  /** Internal errors caught (a bug: should stay 0). */
  lineErrors: number;
}

const EMPTY = new Uint8Array(0);

/** tcpdump's flag letters (tcp_flag_values in print-tcp.c; `e` is AccECN's AE). */
function flagBit(c: number): number {
  switch (c) {
    case 70: // F
      return TcpFlag.FIN;
    case 83: // S
      return TcpFlag.SYN;
    case 82: // R
      return TcpFlag.RST;
    case 80: // P
      return TcpFlag.PSH;
    case 46: // .
      return TcpFlag.ACK;
    case 85: // U
      return TcpFlag.URG;
    case 69: // E
      return TcpFlag.ECE;
    case 87: // W
      return TcpFlag.CWR;
    case 101: // e
      return TcpFlag.AE;
    default:
      return -1;
  }
}

/** Lines tcpdump writes that are not packets (on stderr, but often merged: 2>&1). */
const BANNERS = ['reading from file ', 'listening on ', 'tcpdump: ', 'Warning: ', 'dropped privs'];

function isBanner(s: string, i: number, end: number): boolean {
  for (const b of BANNERS) if (at(s, i, end, b)) return true;
  // "12 packets captured", "12 packets received by filter", "0 packets dropped by kernel"
  const j = readUint(s, i, end);
  return j > 0 && (at(s, j, end, ' packet captured') || at(s, j, end, ' packets '));
}

/**
 * After a -# frame number at i (right-aligned digits, then two spaces): the
 * index of what follows, its value in `num.v`; -1 when there is none.
 */
function frameNumberEnd(s: string, i: number, end: number): number {
  if (!isDigit(s.charCodeAt(i))) return -1;
  const j = readUint(s, i, end);
  return j > 0 && num.digits <= 12 && at(s, j, end, '  ') ? skipSpaces(s, j, end) : -1;
}

/**
 * A line only tcpdump writes: a packet line's timestamp (after the spaces and
 * -# frame number that may come first), or one of its banners. The engine's
 * evidence that a text input is tcpdump output at all; read with the pieces
 * parseLine reads a packet line's prefix with, so the two agree on what a
 * stamp is.
 */
export function isTcpdumpLine(s: string): boolean {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 13) end--;
  const i = skipSpaces(s, 0, end);
  const f = frameNumberEnd(s, i, end);
  return readStamp(s, f >= 0 ? f : i, end) >= 0 || isBanner(s, i, end);
}

/** The -v IPv4 header line waiting for its TCP line. */
interface PendingPacket {
  active: boolean;
  frame: number;
  sec: number;
  nsec: number;
  ttl: number;
  /** IP total length, -1 when unknown. */
  ipLen: number;
  /** IP header length (20; -1 with IP options, whose length the text does not give). */
  ipHdr: number;
  /** MF set at offset 0: the first fragment. */
  firstFragment: boolean;
}

/**
 * One parser per text input (one tcpdump run, or outputs of several runs
 * concatenated with -#): it keeps tcpdump's per-conversation origins of
 * relative numbers and the time base from line to line.
 *
 *   const p = new TcpdumpTextParser({ baseDate });
 *   for each line: switch (p.parseLine(line, seg)) {
 *     case Ok: use seg;  case Pending: case Continuation: nothing;
 *     default: count a skipped packet (p.frameNumber is its frame) }
 */
export class TcpdumpTextParser {
  readonly unavailable = new Set<string>();
  readonly stats: TcpdumpTextStats = {
    lines: 0,
    packets: 0,
    tcp: 0,
    nonTcp: 0,
    pending: 0,
    continuation: 0,
    noHeader: 0,
    truncated: 0,
    malformed: 0,
    fragments: 0,
    tunnels: 0,
    seqInferred: 0,
    seqUnknownBase: 0,
    orphanPending: 0,
    hostNames: 0,
    portNames: 0,
    unknownPortName: '',
    invalidTimestamps: 0,
    runs: 0,
    lineErrors: 0,
  };
  /** The last Ok segment's seq was inferred (not printed). */
  lastSeqInferred = false;
  /** The last Ok segment's seq or ack is counted from a placeholder origin (Unavailable.AbsoluteSeq). */
  lastBaseUnknown = false;
  /** The last Ok segment's headerLen is exact, not an estimate (Unavailable.HeaderLength). */
  lastHeaderLenExact = true;

  private readonly clock: Clock;
  private seqs: SeqTracker;
  private readonly seqGiven: 'relative' | 'absolute' | undefined;
  private readonly baseDate: number;
  /**
   * The packet-line prefix, learned from the first packet line: frame numbers
   * (-#, increasing) or not, and the timestamp's shape. Later lines without it
   * are continuations (payload printed by -A starts at column 0).
   */
  private learned = false;
  private needFrame = false;
  private shape: StampShape = StampShape.None;
  private lastFrame = -1;
  private readonly pending: PendingPacket = {
    active: false,
    frame: 0,
    sec: 0,
    nsec: 0,
    ttl: 0,
    ipLen: -1,
    ipHdr: -1,
    firstFragment: false,
  };
  // The packet line being parsed.
  private frame = 0;
  private sec = 0;
  private nsec = 0;
  /** Its direction past the capturing host (`-i any`: `eth0 In`, `lo Out`), Segment.linkDir. */
  private lineDir: LinkDir = LinkDir.UNKNOWN;

  constructor(options: TcpdumpTextOptions = {}) {
    this.baseDate = finiteFloor(options.baseDate);
    const off = finiteFloor(options.utcOffset);
    const zone = options.timeZone === undefined ? null : new LocalZone(options.timeZone);
    this.clock = new Clock(this.baseDate, off, options.hms ?? 'auto', zone);
    this.seqGiven =
      options.absoluteSeq === undefined ? undefined : options.absoluteSeq ? 'absolute' : 'relative';
    this.seqs = new SeqTracker(this.seqGiven);
  }

  /** Names already in `unavailable` (a plain property test is cheaper than Set.add per segment). */
  private readonly lacked: Record<string, boolean> = {};

  private lack(name: string): void {
    if (this.lacked[name]) return;
    this.lacked[name] = true;
    this.unavailable.add(name);
  }

  /** Frame number of the packet of the last line (its -# number, else its index among the packet lines). */
  get frameNumber(): number {
    return this.frame;
  }

  /** How sequence numbers are being read: `relative` (tcpdump's default) or `absolute` (-S). */
  get seqMode(): 'relative' | 'absolute' {
    return this.seqs.relative ? 'relative' : 'absolute';
  }

  /** How HH:MM:SS stamps are being read (`auto` until the first one). */
  get hmsMeaning(): HmsMeaning {
    return this.clock.hms;
  }

  /**
   * One line (without its line end; a trailing CR is ignored). Ok: seg holds a
   * TCP segment. Pending / Continuation: not a packet, count nothing.
   * TcpNoHeader: a -q line (seg has endpoints, time, payloadLen). Anything
   * else: a packet line that gave no segment, for the caller to count.
   */
  parseLine(line: string, seg: Segment): DecodeStatus {
    this.stats.lines++;
    let st: DecodeStatus;
    try {
      st = this.parse(line, seg);
    } catch {
      // Not expected (the property tests feed arbitrary lines); never let a line stop a capture.
      this.stats.lineErrors++;
      st = DecodeStatus.NonTcpLine;
    }
    switch (st) {
      case DecodeStatus.Ok:
        this.stats.tcp++;
        break;
      case DecodeStatus.NonTcpLine:
        this.stats.nonTcp++;
        break;
      case DecodeStatus.Pending:
        this.stats.pending++;
        break;
      case DecodeStatus.Continuation:
        this.stats.continuation++;
        break;
      case DecodeStatus.TcpNoHeader:
        this.stats.noHeader++;
        break;
      case DecodeStatus.Truncated:
        this.stats.truncated++;
        break;
      case DecodeStatus.Malformed:
        this.stats.malformed++;
        break;
      case DecodeStatus.Fragment:
        this.stats.fragments++;
        break;
      case DecodeStatus.Tunnel:
        this.stats.tunnels++;
        break;
    }
    return st;
  }

  private parse(s: string, seg: Segment): DecodeStatus {
    let end = s.length;
    if (end > 0 && s.charCodeAt(end - 1) === 13) end--;
    // Packet lines are indented by spaces only (-# pads the frame number, -ttt
    // starts with one); payload decodes and dumps start with a tab.
    let i = 0;
    while (i < end && s.charCodeAt(i) === 32) i++;
    if (i >= end || s.charCodeAt(i) === 9) return this.continuation(s, skipSpaces(s, i, end), end, seg);
    const indented = i > 0;
    // -#: the frame number, right-aligned, then two spaces.
    let frame = -1;
    const f = frameNumberEnd(s, i, end);
    if (f >= 0) {
      frame = num.v;
      i = f;
    }
    const k = readStamp(s, i, end);
    const shape = k >= 0 ? stamp.shape : StampShape.None;
    if (k >= 0) i = skipSpaces(s, k, end);
    let packetLine: boolean;
    let newRun = false;
    if (this.learned) {
      // The prefix every packet line of this output has (or none: -t without -#).
      // A frame number that does not go up starts another tcpdump run
      // (outputs concatenated) if the stamp is there to vouch for the line.
      newRun = this.needFrame && frame >= 0 && frame <= this.lastFrame && shape !== StampShape.None;
      packetLine =
        (this.needFrame ? frame > this.lastFrame || newRun : frame < 0) &&
        shape === this.shape &&
        (this.needFrame || shape !== StampShape.None || !indented);
    } else {
      packetLine = frame >= 0 || shape !== StampShape.None || !indented;
    }
    if (packetLine && frame < 0 && shape === StampShape.None && isBanner(s, i, end)) packetLine = false;
    if (!packetLine) return this.continuation(s, skipSpaces(s, 0, end), end, seg);
    if (!this.learned) {
      this.learned = true;
      this.needFrame = frame >= 0;
      this.shape = shape;
    }
    if (frame >= 0) this.lastFrame = frame;
    if (newRun) {
      // A new tcpdump process: its relative numbers start from a new tcp_seq_hash.
      this.seqs = new SeqTracker(this.seqGiven);
      this.stats.runs++;
    }
    const hasStamp = shape !== StampShape.None;
    this.lineDir = lineDirection(s, i, end);

    if (this.pending.active) {
      this.pending.active = false;
      this.stats.orphanPending++;
    }
    this.stats.packets++;
    this.frame = frame >= 0 ? frame : this.stats.packets;
    if (hasStamp) {
      if (stamp.invalid) this.stats.invalidTimestamps++;
      this.clock.apply();
      this.sec = this.clock.sec;
      this.nsec = this.clock.nsec;
      if (stamp.shape === StampShape.Hms) this.lack(Unavailable.Date);
    } else {
      this.sec = this.baseDate;
      this.nsec = 0;
    }
    const st = this.body(s, i, end, seg, true, -1, -1, -1, false);
    if (st === DecodeStatus.Ok && !hasStamp) this.lack(Unavailable.Timestamp);
    return st;
  }

  /**
   * Time (epoch seconds) of the latest packet line, TCP or not: the capture's end
   * for the tracker's clocks is its last packet of any kind, as with binary input.
   */
  get lineTime(): number {
    return this.sec + this.nsec / 1e9;
  }

  /** A line that is not a packet line: the TCP part of a pending -v header, or nothing. */
  private continuation(s: string, i: number, end: number, seg: Segment): DecodeStatus {
    const p = this.pending;
    if (!p.active) return DecodeStatus.Continuation;
    p.active = false;
    this.frame = p.frame;
    this.sec = p.sec;
    this.nsec = p.nsec;
    const st = this.body(s, i, end, seg, false, p.ttl, p.ipLen, p.ipHdr, p.firstFragment);
    // The header line said TCP; whatever this turned out to be, it is that packet's status.
    return st === DecodeStatus.Pending || st === DecodeStatus.Continuation ? DecodeStatus.NonTcpLine : st;
  }

  /**
   * The packet part of a line, from b. ttl / ipLen / ipHdr come from a -v IPv4
   * header line (-1 when there was none).
   */
  private body(
    s: string,
    b: number,
    end: number,
    seg: Segment,
    headerAllowed: boolean,
    ttl: number,
    ipLen: number,
    ipHdr: number,
    firstFragment: boolean,
  ): DecodeStatus {
    const f = find(s, ': Flags [', b, end);
    if (f >= 0) return this.tcpLine(s, b, f, end, seg, ttl, ipLen, ipHdr, firstFragment);
    return this.otherLine(s, b, end, seg, headerAllowed);
  }

  /** A packet line without `: Flags [`: a -v IPv4 header, -q, cut or bad TCP, fragments, or not TCP. */
  private otherLine(s: string, b: number, end: number, seg: Segment, headerAllowed: boolean): DecodeStatus {
    // -v IPv4: `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)`, TCP on the next line.
    const t = find(s, '(tos 0x', b, end);
    if (t >= 0 && headerAllowed) {
      const pr = find(s, ', proto ', t, end);
      if (pr >= 0) {
        const open = find(s, ' (', pr + 8, end);
        const proto = open >= 0 && readUint(s, open + 2, end) > 0 ? num.v : -1;
        if (proto === 6) return this.ipv4Header(s, t, pr, end);
        // GRE, IP-in-IP, IPv6-in-IPv4: the pcap decoders count these as tunnels.
        if (proto === 47 || proto === 4 || proto === 41) return DecodeStatus.Tunnel;
      }
      return DecodeStatus.NonTcpLine;
    }
    // -q: `src.port > dst.port: tcp 0`
    const q = find(s, ': tcp ', b, end);
    if (q >= 0) resetSegment(seg);
    if (q >= 0 && this.endpoints(s, b, q, seg)) {
      const j = readUint(s, q + 6, end);
      this.fillTime(seg);
      seg.payloadLen = j > 0 ? num.v : 0;
      this.lack(Unavailable.TcpHeader);
      return find(s, '[bad hdr length', q, end) >= 0 ? DecodeStatus.Malformed : DecodeStatus.TcpNoHeader;
    }
    // `src.port > dst.port:  tcp 12 [bad hdr length 8 - too short, < 20]`
    const bad = find(s, ':  tcp ', b, end);
    if (bad >= 0 && find(s, '[bad hdr length', bad, end) >= 0) {
      if (this.endpoints(s, b, bad, seg)) this.fillTime(seg);
      return DecodeStatus.Malformed;
    }
    // `IP bad-len 0`: an IPv4 total length below the header's (TSO / BIG TCP before tcpdump 4.99.5 says so).
    if (find(s, 'IP bad-len ', b, end) >= 0) return DecodeStatus.Malformed;
    // `src > dst: [|tcp]`: cut before the ports.
    const tr = find(s, ': [|tcp]', b, end);
    if (tr >= 0) return DecodeStatus.Truncated;
    // A later IPv4 fragment (`src > dst: ip-proto-6`) or IPv6 one (`frag (1232|1232)`).
    if (find(s, ': ip-proto-6', b, end) >= 0) return DecodeStatus.Fragment;
    const fr = find(s, ': frag (', b, end);
    if (fr >= 0 && readUint(s, fr + 8, end) > 0 && num.v > 0) return DecodeStatus.Fragment;
    return DecodeStatus.NonTcpLine;
  }

  /** The -v IPv4 header of a TCP packet: keep what it says for the next line. */
  private ipv4Header(s: string, t: number, pr: number, end: number): DecodeStatus {
    const p = this.pending;
    p.active = true;
    p.frame = this.frame;
    p.sec = this.sec;
    p.nsec = this.nsec;
    const tt = find(s, ', ttl ', t, pr);
    p.ttl = tt >= 0 && readUint(s, tt + 6, pr) > 0 ? num.v : -1;
    const ln = find(s, ', length ', pr, end);
    p.ipLen = ln >= 0 && readUint(s, ln + 9, end) > 0 ? num.v : -1;
    p.ipHdr = find(s, ', options (', pr, end) >= 0 ? -1 : 20;
    const off = find(s, ', offset ', t, pr);
    const offset = off >= 0 && readUint(s, off + 9, pr) > 0 ? num.v : 0;
    p.firstFragment = offset === 0 && find(s, 'flags [+', t, pr) >= 0;
    return DecodeStatus.Pending;
  }

  private fillTime(seg: Segment): void {
    seg.frame = this.frame;
    seg.tsSec = this.sec;
    seg.tsNsec = this.nsec;
    seg.ts = this.sec + this.nsec / 1e9;
    seg.linkDir = this.lineDir;
  }

  /**
   * `src.port > dst.port` ending just before `colon` (a `:`): addresses and ports
   * into seg, and the conversation's key in this.dirKey (and its ends).
   * Endpoints printed as ports only (IPv6 extension headers: `a > b: HBH ... 41851 > 43913:`)
   * take the addresses of the nearest `a > b:` before them.
   */
  private endpoints(s: string, b: number, colon: number, seg: Segment): boolean {
    const dstStart = lastSpace(s, b, colon) + 1;
    if (dstStart - 3 < b || !at(s, dstStart - 3, colon, ' > ')) return false;
    const srcEnd = dstStart - 3;
    const srcStart = lastSpace(s, b, srcEnd) + 1;
    if (srcStart >= srcEnd || dstStart >= colon) return false;
    if (readUint(s, srcStart, srcEnd) === srcEnd && num.v <= 65535) {
      const sport = num.v;
      if (readUint(s, dstStart, colon) !== colon || num.v > 65535) return false;
      const dport = num.v;
      if (!this.addressPair(s, b, srcStart, seg)) return false;
      seg.srcPort = sport;
      seg.dstPort = dport;
      this.srcKey = `${s.slice(this.pairSrc, this.pairSrcEnd)}.${sport}`;
      this.dstKey = `${s.slice(this.pairDst, this.pairDstEnd)}.${dport}`;
      this.dirKey = `${this.srcKey} > ${this.dstKey}`;
      this.tunnelled = false;
      return true;
    }
    let sport = parseAddrPort(s, srcStart, srcEnd, seg.src);
    if (sport < 0 && addrPort.failure === 'host') sport = loopback(s, b, srcStart, srcEnd, seg.src);
    if (sport < 0) return this.namedEndpoint(s, srcStart, srcEnd);
    const v = addrPort.version;
    let dport = parseAddrPort(s, dstStart, colon, seg.dst);
    if (dport < 0 && addrPort.failure === 'host') dport = loopback(s, b, dstStart, colon, seg.dst);
    if (dport < 0) return this.namedEndpoint(s, dstStart, colon);
    if (addrPort.version !== v) return false;
    seg.ipVersion = v as 4 | 6;
    seg.srcPort = sport;
    seg.dstPort = dport;
    // The conversation: "src > dst" as printed; the two ends only when it is new.
    this.dirKey = s.slice(srcStart, colon);
    this.srcKey = '';
    this.keyLine = s;
    this.keySrc = srcStart;
    this.keySrcEnd = srcEnd;
    this.keyDst = dstStart;
    this.keyDstEnd = colon;
    // An outer `a > b:` before these endpoints: a tunnel (GRE, IP-in-IP ...) printed inside its carrier.
    this.tunnelled = this.addressPair(s, b, srcStart, null);
    this.innerStart = srcStart;
    return true;
  }

  /**
   * An endpoint that is not `address.port`: tcpdump without -n names hosts
   * (DNS) and ports (/etc/services). Ports named by the services database are
   * read (parseAddrPort); host names cannot be turned back into addresses, so
   * such lines are counted for one clear warning. Returns false (no segment).
   */
  private namedEndpoint(s: string, start: number, end: number): false {
    if (addrPort.failure === 'host') this.stats.hostNames++;
    else if (addrPort.failure === 'port') {
      this.stats.portNames++;
      if (this.stats.unknownPortName === '') {
        const dot = s.lastIndexOf('.', end - 1);
        this.stats.unknownPortName = s.slice(dot + 1, end).slice(0, 40);
      }
    }
    return false;
  }

  /**
   * The tunnel a line prints its TCP inside, as the tunnel hop of seg (its
   * kind read from the text between the two address pairs):
   *   `IP A > B: GREv0, key=0x7, seq 3, length 164: IP a.p > b.q: Flags ...`
   *   `IP A > B: IP6 a.p > b.q: ...` (IP-in-IP, 6in4, 4in6, IPv6-in-IPv6)
   *   `IP A.x > B.6081: Geneve, Flags [none], vni 0x1092, ...: IP a.p > b.q: ...`
   * The nearest outer pair only: a line holds one tunnel for us. VXLAN, whose
   * inner frame tcpdump prints on a line of its own, is not opened. False when
   * the outer pair is not two addresses: the line stays a counted tunnel.
   */
  private textTunnel(s: string, b: number, seg: Segment): boolean {
    const inner = this.innerStart;
    for (let k = findLast(s, ' > ', b, inner); k >= 0; k = findLast(s, ' > ', b, k)) {
      const rs = k + 3;
      const colon = find(s, ': ', rs, inner);
      if (colon < 0 || find(s, ' ', rs, colon) >= 0) continue;
      const ls = lastSpace(s, b, k) + 1;
      const src = this.outerSrc.fill(0);
      const dst = this.outerDst.fill(0);
      let v = parseAddr(s, ls, k, src);
      let sport = 0;
      let dport = 0;
      if (v !== 0) {
        if (parseAddr(s, rs, colon, dst) !== v) return false;
      } else {
        sport = parseAddrPort(s, ls, k, src);
        v = addrPort.version;
        if (sport < 0) return false;
        dport = parseAddrPort(s, rs, colon, dst);
        if (dport < 0 || addrPort.version !== v) return false;
      }
      const between = s.slice(colon, inner);
      let type: TunnelType;
      let id = -1;
      let m: RegExpExecArray | null;
      if (between.includes('GREv')) {
        type = TunnelType.Gre;
        if ((m = /key=0x([0-9a-f]+)/.exec(between)) !== null) id = Number.parseInt(m[1] ?? '', 16);
      } else if (between.includes('Geneve')) {
        type = TunnelType.Geneve;
        if ((m = /vni 0x([0-9a-f]+)/.exec(between)) !== null) id = Number.parseInt(m[1] ?? '', 16);
      } else if (v === 4) type = seg.ipVersion === 4 ? TunnelType.IpInIp : TunnelType.SixInFour;
      else type = seg.ipVersion === 4 ? TunnelType.FourInSix : TunnelType.SixInSix;
      return pushTunnel(seg, type, v as 4 | 6, src, dst, sport, dport, id, id >= 0);
    }
    return false;
  }

  private dirKey = '';
  /** The two ends as text; srcKey '' means: slice them from keyLine when needed. */
  private srcKey = '';
  private dstKey = '';
  private keyLine = '';
  private keySrc = 0;
  private keySrcEnd = 0;
  private keyDst = 0;
  private keyDstEnd = 0;
  private tunnelled = false;
  private innerStart = 0;
  private readonly outerSrc = new Uint8Array(16);
  private readonly outerDst = new Uint8Array(16);
  private pairSrc = 0;
  private pairSrcEnd = 0;
  private pairDst = 0;
  private pairDstEnd = 0;
  private readonly scratch = new Uint8Array(16);

  /**
   * The last `A > B:` in [b, before) where A and B are addresses (with or without
   * ports): into seg's src/dst when seg is given (no ports), else only found.
   */
  private addressPair(s: string, b: number, before: number, seg: Segment | null): boolean {
    let k = findLast(s, ' > ', b, before);
    while (k >= 0) {
      const rs = k + 3;
      let re = rs;
      while (re < before) {
        const c = s.charCodeAt(re);
        if (c === 32 || c === 9) break;
        re++;
      }
      if (re - 1 > rs && s.charCodeAt(re - 1) === 58) {
        const ls = lastSpace(s, b, k) + 1;
        if (seg !== null) {
          const v = parseAddr(s, ls, k, seg.src);
          if (v !== 0 && parseAddr(s, rs, re - 1, seg.dst) === v) {
            seg.ipVersion = v;
            this.pairSrc = ls;
            this.pairSrcEnd = k;
            this.pairDst = rs;
            this.pairDstEnd = re - 1;
            return true;
          }
        } else if (parseAddr(s, ls, k, this.scratch) !== 0 || parseAddrPort(s, ls, k, this.scratch) >= 0) {
          return true;
        }
      }
      k = findLast(s, ' > ', b, k);
    }
    return false;
  }

  private tcpLine(
    s: string,
    b: number,
    f: number,
    end: number,
    seg: Segment,
    ttl: number,
    ipLen: number,
    ipHdr: number,
    firstFragment: boolean,
  ): DecodeStatus {
    resetSegment(seg);
    if (!this.endpoints(s, b, f, seg)) return DecodeStatus.NonTcpLine;
    if (this.tunnelled && !this.textTunnel(s, b, seg)) return DecodeStatus.Tunnel;
    this.fillTime(seg);
    // IPv6 -v, on this line: `(flowlabel 0x.., hlim 64, next-header TCP (6) payload length: 20)`
    let ip6Payload = -1;
    if (seg.ipVersion === 6 && ttl < 0) {
      const h = find(s, 'hlim ', b, f);
      if (h >= 0 && readUint(s, h + 5, f) > 0) ttl = num.v;
      if (find(s, 'next-header TCP (6) payload length', b, f) >= 0) {
        const pl = find(s, 'payload length', b, f);
        let j = pl + 14;
        if (s.charCodeAt(j) === 58) j++;
        if (readUint(s, j + 1, f) > 0) ip6Payload = num.v;
      }
    }
    // Flags [..]
    let q = f + 9;
    let flags = 0;
    if (at(s, q, end, 'none]')) {
      q += 4;
    } else {
      while (q < end && s.charCodeAt(q) !== 93) {
        const bit = flagBit(s.charCodeAt(q));
        if (bit < 0) return DecodeStatus.NonTcpLine;
        flags |= bit;
        q++;
      }
      if (q >= end) return DecodeStatus.Truncated;
    }
    q++;
    seg.flags = flags;

    let hasSeq = false;
    let seqV = 0;
    let seqEnd = -1;
    let ackV = 0;
    let lenV = -1;
    let truncated = false;
    let malformed = false;
    let hadOptions = false;
    // `, name value` fields, dispatched on the name's first letter (one string compare each).
    while (q + 2 < end) {
      const c = s.charCodeAt(q);
      if (c === 32) {
        if (at(s, q, end, ' [|tcp]')) truncated = true;
        else if (at(s, q, end, ' [bad hdr length')) malformed = true;
        break;
      }
      if (c !== 44 || s.charCodeAt(q + 1) !== 32) break;
      q += 2;
      let j = -1;
      switch (s.charCodeAt(q)) {
        case 115: // seq A[:B]
          if (!at(s, q, end, 'seq ') || (j = readUint(s, q + 4, end)) < 0) break;
          hasSeq = true;
          seqV = num.v >>> 0;
          if (j < end && s.charCodeAt(j) === 58) {
            j = readUint(s, j + 1, end);
            if (j >= 0) seqEnd = num.v >>> 0;
          }
          break;
        case 97: // ack N
          if (!at(s, q, end, 'ack ') || (j = readUint(s, q + 4, end)) < 0) break;
          ackV = num.v >>> 0;
          break;
        case 119: // win N
          if (!at(s, q, end, 'win ') || (j = readUint(s, q + 4, end)) < 0) break;
          seg.window = num.v & 0xffff;
          break;
        case 117: // urg N
          if (!at(s, q, end, 'urg ') || (j = readUint(s, q + 4, end)) < 0) break;
          seg.urgent = num.v & 0xffff;
          break;
        case 111: // options [...]
          if (!at(s, q, end, 'options [')) break;
          hadOptions = true;
          parseOptions(s, q + 9, end, seg);
          if (opts.truncated) truncated = true;
          j = opts.end;
          break;
        case 108: // length N: the TCP payload length; what follows is the payload's own decode.
          if (at(s, q, end, 'length ') && readUint(s, q + 7, end) > 0) lenV = num.v;
          break;
        case 99: // cksum 0x1234 (correct)
          if (!at(s, q, end, 'cksum ')) break;
          j = find(s, ', ', q, end);
          if (j < 0) j = end;
          break;
      }
      if (j < 0) break;
      q = j;
    }

    const t = this.seqs;
    if (!t.find(this.dirKey)) {
      if (this.srcKey === '') {
        this.srcKey = this.keyLine.slice(this.keySrc, this.keySrcEnd);
        this.dstKey = this.keyLine.slice(this.keyDst, this.keyDstEnd);
      }
      t.add(this.dirKey, this.srcKey, this.dstKey);
    }
    if (malformed) {
      t.touch(flags);
      return DecodeStatus.Malformed;
    }

    let payloadLen = 0;
    if (lenV >= 0) payloadLen = lenV;
    else if (seqEnd >= 0) payloadLen = (seqEnd - seqV) >>> 0;
    seg.payloadLen = payloadLen;
    seg.truncated = truncated;

    t.resolve(flags, hasSeq, seqV, ackV, payloadLen);
    seg.seq = t.seq;
    seg.ack = t.ack;
    if (opts.sackN > 0 && hadOptions) {
      const n = opts.sackN;
      for (let k = 0; k < 2 * n; k++) seg.sackBlocks[k] = (item(opts.sack, k) + t.sackBase) >>> 0;
      seg.sackCount = n;
    }
    this.lastSeqInferred = t.seqInferred;
    this.lastBaseUnknown = t.baseUnknown;
    if (t.seqInferred) {
      this.stats.seqInferred++;
      this.lack(Unavailable.Seq);
    }
    if (t.baseUnknown) {
      this.stats.seqUnknownBase++;
      this.lack(Unavailable.AbsoluteSeq);
    }

    // Header length: exact from the -v lengths, else from the options printed.
    let hl = -1;
    if (seg.ipVersion === 4 && ipLen >= 0 && ipHdr > 0) hl = ipLen - ipHdr - payloadLen;
    else if (ip6Payload > 0) hl = ip6Payload - payloadLen;
    let exact = true;
    if (!(hl >= 20 && hl <= 60 && (hl & 3) === 0)) {
      hl = 20;
      if (hadOptions) {
        hl = Math.min(60, 20 + ((opts.bytes + 3) & ~3));
        // An option of unprinted length, or options cut short: an estimate.
        if (opts.lenUnknown || opts.truncated) {
          exact = false;
          this.lack(Unavailable.HeaderLength);
        }
      }
    }
    seg.headerLen = hl;
    this.lastHeaderLenExact = exact;

    if (ttl >= 0) seg.ttl = ttl;
    else this.lack(Unavailable.Ttl);
    seg.etherType = seg.ipVersion === 4 ? EtherType.IPv4 : EtherType.IPv6;
    seg.ipFragmented = firstFragment;
    this.lack(Unavailable.Payload);
    // `Flags [` is printed only once the fixed header was captured: a cut in the options is still a segment.
    return DecodeStatus.Ok;
  }
}

/**
 * The loopback names of Debian's /etc/hosts (`127.0.0.1 localhost`, `::1
 * localhost ip6-localhost ip6-loopback`): tcpdump -i lo without -n prints them,
 * and they are the one host name that means the same address on every machine.
 */
const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

/** `localhost.48000` [start, end) as its loopback address (`::1` on an IP6 line): the port, or -1. */
function loopback(s: string, b: number, start: number, end: number, out: Uint8Array): number {
  const dot = s.lastIndexOf('.', end - 1);
  if (dot <= start || !LOOPBACK_NAMES.has(s.slice(start, dot))) return -1;
  const v6 = s.slice(start, dot) !== 'localhost' || find(s, 'IP6 ', b, start) >= 0;
  const text = `${v6 ? '::1' : '127.0.0.1'}${s.slice(dot, end)}`;
  return parseAddrPort(text, 0, text.length, out);
}

/** Every field a TCP line sets, back to "absent". */
function resetSegment(seg: Segment): void {
  resetFields(seg, EMPTY);
  seg.ipProto = 6;
}

/** `v` rounded down, or 0 when it is not a finite number (an option left out). */
function finiteFloor(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) ? Math.floor(v) : 0;
}

/**
 * The direction `tcpdump -i any` prints after the interface name (`lo In IP
 * ...`, `eth0 Out IP ...`, with -e `eth0 Out 52:54:...`); B, M and P
 * (broadcast, multicast, another host's) say nothing. A line that starts
 * with the network layer has no link part.
 */
function lineDirection(s: string, i: number, end: number): LinkDir {
  if (at(s, i, end, 'IP')) return LinkDir.UNKNOWN;
  const name = find(s, ' ', i, end);
  if (name < 0) return LinkDir.UNKNOWN;
  const d = skipSpaces(s, name, end);
  if (at(s, d, end, 'In ')) return LinkDir.IN;
  if (at(s, d, end, 'Out ')) return LinkDir.OUT;
  return LinkDir.UNKNOWN;
}
