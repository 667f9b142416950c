/**
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html):
 * several sections, each with its own byte order and interfaces; interfaces
 * with their own link type, if_tsresol and if_tsoffset; Enhanced, Simple and
 * the obsolete Packet Blocks. Every other block is skipped by its length.
 *
 * Block framing is checked as libpcap's sf-pcapng.c does (length at least 12,
 * a multiple of 4, equal to the trailer's) and reported in its words. A bad
 * block before the first interface is fatal (libpcap refuses to open such a
 * file); after it, reading stops there with a `damaged` warning.
 */
import { u8, u16be, u16le, u32be, u32le } from './bytes.js';
import { ChunkParser, hex32, type ReadSession } from './parser.js';
import { CaptureError, type CaptureFileStats, type CaptureSink } from './record.js';

export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BT_ISB = 5;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** libpcap's INITIAL_MAX_BLOCKSIZE: a bigger block is taken for damage, and bounds memory. */
export const MAX_BLOCK = 16 * 1024 * 1024;
/** libpcap's BT_SHB_INSANE_MAX. */
const MAX_SHB = 1024 * 1024;

/**
 * The blocks' fields (draft-ietf-opsawg-pcapng): byte offsets from the block's
 * start, all blocks beginning with type (4) and total length (4) and ending
 * with the length again; inlined by the compiler.
 */
export const enum Block {
  Type = 0,
  Length = 4,
  /** The smallest block: type, length, trailer. */
  MinLength = 12,
}
/** Section Header Block. */
export const enum Shb {
  ByteOrderMagic = 8, // 4 bytes
  VersionMajor = 12, // 2 bytes
  VersionMinor = 14, // 2 bytes
  MinLength = 28,
}
/** Interface Description Block. */
const enum Idb {
  LinkType = 8, // 2 bytes (then 2 reserved)
  SnapLen = 12, // 4 bytes
  Options = 16,
  MinLength = 20,
}
/** Enhanced Packet Block, and the obsolete Packet Block (a 2-byte interface id, then a drops count). */
const enum Epb {
  InterfaceId = 8, // 4 bytes (PB: 2)
  TsHigh = 12, // 4 bytes
  TsLow = 16, // 4 bytes
  CapLen = 20, // 4 bytes
  OrigLen = 24, // 4 bytes
  Data = 28,
  MinLength = 32,
}
/** Simple Packet Block. */
const enum Spb {
  OrigLen = 8, // 4 bytes
  Data = 12,
  MinLength = 16,
}
/** Interface Statistics Block. */
const enum Isb {
  InterfaceId = 8, // 4 bytes (then the 8-byte timestamp)
  Options = 20,
  MinLength = 24,
}
/** An option: code (2), length (2), value padded to 4 bytes. */
const enum Opt {
  Code = 0,
  Length = 2,
  Value = 4,
}

const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
/** Interface Statistics Block options: packets dropped by the interface, and by the OS (u64 each). */
const ISB_IFDROP = 4;
const ISB_OSDROP = 7;

/** One interface (IDB) and how to turn its timestamps into seconds + nanoseconds. */
interface Iface {
  linkType: number;
  snaplen: number;
  /** Index over all sections of the file (PacketRecord.iface). */
  index: number;
  /** Units per second when a power of 10 up to 1e9 (exact with numbers); 0 otherwise. */
  div: number;
  /** Nanoseconds per unit when `div` is set. */
  nsPerUnit: number;
  /** Units per second for other resolutions (binary, finer than 1 ns), done with BigInt. */
  bigDiv: bigint;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffset: number;
}

export class PcapngParser extends ChunkParser {
  private le = true;
  /** No SHB read yet: the first one is the file header. */
  private first = true;
  /** Until the first IDB, damage is fatal (libpcap fails to open). */
  private beforeIdb = true;
  private ifaces: Iface[] = [];
  /** Interfaces of earlier sections, so each section's get distinct indexes. */
  private ifaceBase = 0;
  private noIface = 0;
  /** Dropped packets by interface index, from its latest statistics block (counters are cumulative). */
  private drops = new Map<number, number>();
  private noIfaceFrame = 0;
  private secTs = 0;
  private nsTs = 0;

  constructor(file: string, sink: CaptureSink, session: ReadSession, stats?: CaptureFileStats) {
    super(file, sink, session, 'pcapng', stats);
  }

  protected step(b: Uint8Array, o: number, end: number): number {
    // Type and length first (so a cut block's missing bytes are known); an SHB also needs its byte-order magic.
    if (end - o < Block.Length + 4) return -(Block.Length + 4);
    let type = this.le ? u32le(b, o + Block.Type) : u32be(b, o + Block.Type);
    if (type === BT_SHB) {
      if (end - o < Shb.ByteOrderMagic + 4) return -(Shb.ByteOrderMagic + 4);
      // The SHB's type reads the same in both orders; its byte-order magic sets the section's order.
      const bom = u32le(b, o + Shb.ByteOrderMagic);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (u32be(b, o + Shb.ByteOrderMagic) === BYTE_ORDER_MAGIC) this.le = false;
      else {
        return this.bad(
          `section header block has a bad byte-order magic ${hex32(u32be(b, o + Shb.ByteOrderMagic))}`,
        );
      }
    }
    const len = this.le ? u32le(b, o + Block.Length) : u32be(b, o + Block.Length);
    if (type === BT_SHB && (len < Shb.MinLength || len > MAX_SHB)) {
      return this.bad(`section header block has an invalid length of ${len}`);
    }
    if (len < Block.MinLength)
      return this.bad(`block in pcapng file has a length of ${len} < ${Block.MinLength}`);
    if (len % 4 !== 0)
      return this.bad(`block in pcapng file has a length of ${len} that is not a multiple of 4`);
    if (len > MAX_BLOCK) return this.bad(`pcapng block size ${len} > maximum ${MAX_BLOCK}`);
    if (end - o < len) return -len;
    // libpcap does not compare the first SHB's trailer (pcap_ng_check_header reads it
    // without read_block); every later block's trailer it does.
    if (!this.first || type !== BT_SHB) {
      const trailer = this.le ? u32le(b, o + len - 4) : u32be(b, o + len - 4);
      if (trailer !== len) {
        return this.bad(`pcapng block total length in header ${len} and trailer ${trailer} don't match`);
      }
    }
    type >>>= 0;
    switch (type) {
      case BT_EPB:
        return this.packet(b, o, len, false);
      case BT_SPB:
        return this.simplePacket(b, o, len);
      case BT_PB:
        return this.packet(b, o, len, true);
      case BT_IDB:
        return this.interfaceBlock(b, o, len);
      case BT_SHB:
        return this.sectionHeader(b, o, len);
      case BT_ISB:
        return this.statisticsBlock(b, o, len);
      default:
        return len;
    }
  }

  protected truncatedMessage(have: number, need: number): string {
    if (this.first) {
      throw new CaptureError(
        `${this.file}: truncated pcapng section header block: ${have} of ${need} bytes`,
        this.file,
      );
    }
    return `file ends inside a pcapng block: ${have} of ${need} bytes present, ${need - have} missing`;
  }

  override end(info = {}): void {
    if (this.noIface > 0) {
      this.stats.skipped['no-interface'] = (this.stats.skipped['no-interface'] ?? 0) + this.noIface;
      this.warn({
        kind: 'other',
        file: this.file,
        offset: 0,
        frame: this.noIfaceFrame,
        message: `${this.noIface} packet block(s) name an interface with no interface description block; skipped`,
      });
    }
    if (this.drops.size > 0) {
      let n = 0;
      for (const d of this.drops.values()) n += d;
      this.stats.interfaceDrops = (this.stats.interfaceDrops ?? 0) + n;
    }
    super.end(info);
    // Packets of the file all the same: counted (after the capture's start and
    // end were taken from the records handed on), and skipped by reason.
    this.stats.packets += this.noIface;
  }

  /**
   * An Interface Statistics Block: its isb_ifdrop and isb_osdrop counters are
   * the packets the capture lost before they were written (SPEC.md
   * capture.quality.interfaceDrops). Counters are cumulative: the latest
   * block of an interface counts. A malformed block is skipped by its length.
   */
  private statisticsBlock(b: Uint8Array, o: number, len: number): number {
    if (len < Isb.MinLength) return len;
    const rd16 = this.le ? u16le : u16be;
    const rd32 = this.le ? u32le : u32be;
    const iface = this.ifaces[rd32(b, o + Isb.InterfaceId)];
    if (iface === undefined) return len;
    let drops = -1;
    const optEnd = o + len - 4;
    for (let p = o + Isb.Options; p + Opt.Value <= optEnd;) {
      const code = rd16(b, p + Opt.Code);
      const olen = rd16(b, p + Opt.Length);
      const v = p + Opt.Value;
      if (v + olen > optEnd || code === OPT_ENDOFOPT) break;
      if ((code === ISB_IFDROP || code === ISB_OSDROP) && olen === 8) {
        const hi = rd32(b, this.le ? v + 4 : v);
        const lo = rd32(b, this.le ? v : v + 4);
        drops = Math.max(0, drops) + hi * 2 ** 32 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
    if (drops >= 0) this.drops.set(iface.index, drops);
    return len;
  }

  /** Damage: fatal before the first interface (as libpcap refuses the file), else stop here. */
  private bad(message: string): 0 {
    if (this.beforeIdb) throw new CaptureError(`${this.file}: ${message}`, this.file);
    return this.damaged(message);
  }

  private sectionHeader(b: Uint8Array, o: number, len: number): number {
    const rd16 = this.le ? u16le : u16be;
    const major = rd16(b, o + Shb.VersionMajor);
    const minor = rd16(b, o + Shb.VersionMinor);
    // libpcap reads 1.0 and 1.2 ("treated as being the same as version 1.0").
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      const message = `unsupported pcapng savefile version ${major}.${minor}`;
      if (this.first) throw new CaptureError(`${this.file}: ${message}`, this.file);
      return this.damaged(`section at offset ${this.offset}: ${message}`);
    }
    this.first = false;
    // A new section starts with no interfaces; its indexes follow the previous section's.
    this.ifaceBase += this.ifaces.length;
    this.ifaces = [];
    return len;
  }

  private interfaceBlock(b: Uint8Array, o: number, len: number): number {
    if (len < Idb.MinLength) return this.bad(`interface description block is too short (${len} bytes)`);
    const rd16 = this.le ? u16le : u16be;
    const rd32 = this.le ? u32le : u32be;
    const linkType = rd16(b, o + Idb.LinkType);
    const snaplen = rd32(b, o + Idb.SnapLen);
    const iface: Iface = {
      linkType,
      snaplen,
      index: this.ifaceBase + this.ifaces.length,
      div: 1e6,
      nsPerUnit: 1000,
      bigDiv: 0n,
      tsOffset: 0,
    };
    // Options: code(2) length(2) value padded to 4; a malformed list ends the options
    // (the interface stays usable with defaults, as the framing is intact).
    let p = o + Idb.Options;
    const optEnd = o + len - 4;
    while (p + Opt.Value <= optEnd) {
      const code = rd16(b, p + Opt.Code);
      const olen = rd16(b, p + Opt.Length);
      const v = p + Opt.Value;
      if (v + olen > optEnd || code === OPT_ENDOFOPT) break;
      if (code === IF_TSRESOL && olen === 1) {
        const r = u8(b, v);
        if (r & 0x80) {
          // 2^-n seconds (hardware clocks); beyond 2^-63 libpcap refuses.
          const shift = r & 0x7f;
          if (shift > 63) return this.bad(`interface if_tsresol 2^-${shift} is too fine`);
          iface.div = 0;
          iface.bigDiv = 1n << BigInt(shift);
        } else if (r <= 9) {
          iface.div = 10 ** r;
          iface.nsPerUnit = 10 ** (9 - r);
        } else {
          if (r > 19) return this.bad(`interface if_tsresol 10^-${r} is too fine`);
          iface.div = 0;
          iface.bigDiv = 10n ** BigInt(r);
        }
      } else if (code === IF_TSOFFSET && olen === 8) {
        const lo = rd32(b, this.le ? v : v + 4);
        const hi = rd32(b, this.le ? v + 4 : v);
        // Signed 64-bit seconds; |offset| below 2^53 in any sane file.
        iface.tsOffset = (hi | 0) * 4294967296 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    this.addLinkType(linkType);
    this.beforeIdb = false;
    return len;
  }

  /**
   * EPB, or the obsolete PB (same layout with a 16-bit interface id and a drops
   * count): 28 bytes before the packet data, 32 with the trailer.
   */
  private packet(b: Uint8Array, o: number, len: number, isPb: boolean): number {
    if (len < Epb.MinLength) return this.bad(`packet block is too short (${len} bytes)`);
    const le = this.le;
    const id = o + Epb.InterfaceId;
    const ifid = isPb ? (le ? u16le(b, id) : u16be(b, id)) : le ? u32le(b, id) : u32be(b, id);
    const hi = le ? u32le(b, o + Epb.TsHigh) : u32be(b, o + Epb.TsHigh);
    const lo = le ? u32le(b, o + Epb.TsLow) : u32be(b, o + Epb.TsLow);
    const cap = le ? u32le(b, o + Epb.CapLen) : u32be(b, o + Epb.CapLen);
    const orig = le ? u32le(b, o + Epb.OrigLen) : u32be(b, o + Epb.OrigLen);
    if (cap > len - Epb.MinLength) {
      return this.bad(`packet block of ${len} bytes claims ${cap} captured bytes`);
    }
    const iface = this.ifaces[ifid];
    if (iface === undefined) return this.skipNoIface(len);
    this.timestamp(iface, hi, lo);
    this.emit(this.secTs, this.nsTs, cap, orig, iface.linkType, iface.index, b, o + Epb.Data);
    return len;
  }

  /** SPB: interface 0, no timestamp (the last one seen is used), captured length implied. */
  private simplePacket(b: Uint8Array, o: number, len: number): number {
    if (len < Spb.MinLength) return this.bad(`simple packet block is too short (${len} bytes)`);
    const iface = this.ifaces[0];
    if (iface === undefined) return this.skipNoIface(len);
    const orig = this.le ? u32le(b, o + Spb.OrigLen) : u32be(b, o + Spb.OrigLen);
    let cap = Math.min(orig, len - Spb.MinLength);
    if (iface.snaplen > 0 && cap > iface.snaplen) cap = iface.snaplen;
    const sec = this.lastSec === Number.NEGATIVE_INFINITY ? 0 : this.lastSec;
    this.emit(sec, this.lastNsec, cap, orig, iface.linkType, iface.index, b, o + Spb.Data);
    return len;
  }

  private skipNoIface(len: number): number {
    if (this.noIface++ === 0) this.noIfaceFrame = this.frame + 1;
    return len;
  }

  /** 64-bit timestamp `hi:lo` in the interface's units into `secTs` + `nsTs`, exactly. */
  private timestamp(iface: Iface, hi: number, lo: number): void {
    const d = iface.div;
    if (d !== 0) {
      // Long division of hi*2^32 + lo by d in 16-bit steps: every intermediate stays
      // below 2^53 (d <= 1e9), so the result is exact without BigInt.
      const hq = Math.floor(hi / d);
      let r = hi - hq * d;
      r = r * 65536 + (lo >>> 16);
      const q1 = Math.floor(r / d);
      r -= q1 * d;
      r = r * 65536 + (lo & 0xffff);
      const q2 = Math.floor(r / d);
      r -= q2 * d;
      this.secTs = hq * 4294967296 + q1 * 65536 + q2 + iface.tsOffset;
      this.nsTs = r * iface.nsPerUnit;
      return;
    }
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const div = iface.bigDiv;
    this.secTs = Number(units / div) + iface.tsOffset;
    this.nsTs = Number(((units % div) * 1_000_000_000n) / div);
  }
}
