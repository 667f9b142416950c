/**
 * Classic pcap (libpcap savefile): microsecond and nanosecond, either byte
 * order, versions 2.0-2.4 (and DG/UX's 543.0), and the "modified" pcap of
 * Alexey Kuznetzov's patch (magic a1b2cd34, 24-byte record header).
 *
 * What is accepted or rejected follows libpcap's sf-pcap.c, so that a file
 * tcpdump opens is read here and a file it refuses is refused with the same
 * words: https://www.tcpdump.org/manpages/pcap-savefile.5.html
 */
import { u16be, u16le, u32be, u32le } from './bytes.js';
import { ChunkParser, hex32, type ReadSession } from './parser.js';
import { CaptureError, type CaptureFileStats, type CaptureSink, LinkType } from './record.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
/** The file header's fields (pcap-savefile(5)): byte offsets; inlined by the compiler. */
const enum Hdr {
  Magic = 0, // 4 bytes
  VersionMajor = 4, // 2 bytes
  VersionMinor = 6, // 2 bytes
  SnapLen = 16, // 4 bytes (8 and 12: thiszone and sigfigs, unused)
  LinkType = 20, // 4 bytes: LINKTYPE_ value, reserved bits, FCS length
  Length = 24,
}
const FILE_HEADER = Hdr.Length;

/** A record header's fields: byte offsets. */
const enum Rec {
  TsSec = 0, // 4 bytes
  TsFrac = 4, // microseconds or nanoseconds: 4 bytes
  CapLen = 8, // 4 bytes
  OrigLen = 12, // 4 bytes
  Length = 16,
  /** The modified format's header: 8 more bytes (interface index, protocol, packet type). */
  ModifiedLength = 24,
}

/**
 * The largest record libpcap accepts for a link type (max_snaplen_for_dlt):
 * 256 KiB, except D-Bus, USBPcap and EBHSCR whose frames can be longer.
 */
export function maxCapLen(linkType: number): number {
  switch (linkType) {
    case 231: // DBUS
      return 128 * 1024 * 1024;
    case 249: // USBPCAP
      return 1024 * 1024;
    case 279: // EBHSCR
      return 8 * 1024 * 1024;
    default:
      return 262144;
  }
}

/** Which pcap magic `b[o..o+4)` is (in either byte order), or 0. */
export function pcapMagic(b: Uint8Array, o = 0): number {
  const be = u32be(b, o);
  const le = u32le(b, o);
  for (const m of [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED]) {
    if (be === m || le === m) return m;
  }
  return 0;
}

export class PcapParser extends ChunkParser {
  private headerDone = false;
  private le = true;
  private nano = false;
  /** Record header length: 16, or 24 for the modified format. */
  private hdrLen: number = Rec.Length;
  /** Versions before 2.3 wrote len before caplen: 0 never swapped, 1 always, 2 when caplen > len (2.3). */
  private swapLens = 0;
  private linkType: number = LinkType.ETHERNET;
  private snaplen = 0;
  private maxCap = 262144;
  private overSnap = 0;
  private overSnapFrame = 0;

  constructor(file: string, sink: CaptureSink, session: ReadSession, stats?: CaptureFileStats) {
    super(file, sink, session, 'pcap', stats);
  }

  protected step(b: Uint8Array, o: number, end: number): number {
    if (!this.headerDone) return this.fileHeader(b, o, end);
    const hl = this.hdrLen;
    if (end - o < hl) return -hl;
    let sec: number;
    let frac: number;
    let cap: number;
    let len: number;
    if (this.le) {
      sec = u32le(b, o + Rec.TsSec);
      frac = u32le(b, o + Rec.TsFrac);
      cap = u32le(b, o + Rec.CapLen);
      len = u32le(b, o + Rec.OrigLen);
    } else {
      sec = u32be(b, o + Rec.TsSec);
      frac = u32be(b, o + Rec.TsFrac);
      cap = u32be(b, o + Rec.CapLen);
      len = u32be(b, o + Rec.OrigLen);
    }
    if (this.swapLens !== 0 && (this.swapLens === 1 || cap > len)) {
      const t = cap;
      cap = len;
      len = t;
    }
    if (cap > this.maxCap) {
      // A header this wrong means the framing is lost: nothing after it can be trusted.
      return this.damaged(
        `record header claims ${cap} captured bytes, more than the maximum of ${this.maxCap}: file damaged here`,
      );
    }
    const total = hl + cap;
    if (end - o < total) return -total;
    let nsec: number;
    if (this.nano) {
      if (frac >= 1_000_000_000) {
        this.invalidTimestamp();
        sec += Math.floor(frac / 1_000_000_000);
        frac %= 1_000_000_000;
      }
      nsec = frac;
    } else {
      if (frac >= 1_000_000) {
        this.invalidTimestamp();
        sec += Math.floor(frac / 1_000_000);
        frac %= 1_000_000;
      }
      nsec = frac * 1000;
    }
    if (cap > this.snaplen && this.overSnap++ === 0) this.overSnapFrame = this.frame + 1;
    this.emit(sec, nsec, cap, len, this.linkType, 0, b, o + hl);
    return total;
  }

  override end(info = {}): void {
    if (this.overSnap > 0) {
      // libpcap reads such records (cutting them to the snaplen); a file header
      // with a too-small snaplen is a known writer bug, so they are kept whole.
      this.warn({
        kind: 'other',
        file: this.file,
        offset: 0,
        message: `${this.overSnap} record(s) longer than the file's snaplen ${this.snaplen} (first: frame ${this.overSnapFrame}); read whole`,
      });
    }
    super.end(info);
  }

  protected truncatedMessage(have: number, need: number): string {
    if (!this.headerDone) {
      throw new CaptureError(
        `${this.file}: truncated pcap file header: ${have} of ${FILE_HEADER} bytes`,
        this.file,
      );
    }
    if (need === this.hdrLen) {
      return `file ends inside a record header (${have} of ${need} bytes)`;
    }
    return `file ends inside a record: ${have} of ${need} bytes present, ${need - have} missing`;
  }

  private fileHeader(b: Uint8Array, o: number, end: number): number {
    if (end - o < FILE_HEADER) return -FILE_HEADER;
    const magic = u32be(b, o + Hdr.Magic);
    let m: number;
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_MODIFIED) {
      this.le = false;
      m = magic;
    } else {
      this.le = true;
      m = u32le(b, o + Hdr.Magic);
    }
    const rd16 = this.le ? u16le : u16be;
    const rd32 = this.le ? u32le : u32be;
    const major = rd16(b, o + Hdr.VersionMajor);
    const minor = rd16(b, o + Hdr.VersionMinor);
    const snaplen = rd32(b, o + Hdr.SnapLen);
    const network = rd32(b, o + Hdr.LinkType);
    if (m !== PCAP_MAGIC_US && m !== PCAP_MAGIC_NS && m !== PCAP_MAGIC_MODIFIED) {
      throw new CaptureError(`${this.file}: not a pcap file: magic ${hex32(magic)}`, this.file);
    }
    // libpcap: "currently only versions 2.[0-4] are supported with the exception of 543.0 for DG/UX tcpdump".
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      throw new CaptureError(`${this.file}: unsupported pcap savefile version ${major}.${minor}`, this.file);
    }
    // The link-type field: bits 0-15 the LINKTYPE_ value, 16-25 reserved (must be 0),
    // 26 "FCS length present", 28-31 the FCS length in 16-bit units (pcap-savefile(5)).
    const reserved = network & 0x03ff0000;
    if (reserved !== 0) {
      throw new CaptureError(
        `${this.file}: savefile linktype reserved field not zero (${hex32(reserved)})`,
        this.file,
      );
    }
    this.linkType = network & 0xffff;
    this.nano = m === PCAP_MAGIC_NS;
    this.hdrLen = m === PCAP_MAGIC_MODIFIED ? Rec.ModifiedLength : Rec.Length;
    this.swapLens = major === 543 || minor < 3 ? 1 : minor === 3 ? 2 : 0;
    this.maxCap = maxCapLen(this.linkType);
    // libpcap's pcapint_adjust_snapshot: 0 or too big means "the maximum".
    this.snaplen = snaplen === 0 || snaplen > this.maxCap ? this.maxCap : snaplen;
    // A modified-pcap capture in cooked mode got a fake 14-byte Ethernet header on top of the snaplen.
    if (m === PCAP_MAGIC_MODIFIED && this.linkType === LinkType.ETHERNET) this.snaplen += 14;
    this.stats.format = this.nano ? 'pcap-ns' : 'pcap';
    this.addLinkType(this.linkType);
    this.headerDone = true;
    return FILE_HEADER;
  }
}
