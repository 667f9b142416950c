/**
 * decodePacket: one captured frame to one TCP Segment, or the reason it is not one.
 *
 * A loop over a table of layer decoders (gopacket's DecodingLayerParser, see
 * cursor.ts): the link type picks the first layer, each layer returns the next,
 * and an unsupported layer ends the loop with a DecodeStatus. Pure over the
 * bytes, never throws, allocates nothing per packet: the Segment and the Cursor
 * are reused, addresses are copied into seg.src / seg.dst, and the payload is
 * seg.buf with offsets, not a subarray.
 */
import { LinkType } from '../capture/record.js';
import { decodeAyiya } from './ayiya.js';
import { decodeFabricPath, decodePbb, decodeVnTag } from './bridging.js';
import { decodeCiscoHdlc } from './chdlc.js';
import { type Cursor, Layer, type LayerDecoder, stop } from './cursor.js';
import { decodeErspanII, decodeErspanIII } from './erspan.js';
import { decodeEtherIp } from './etherip.js';
import { decodeEthernet } from './ethernet.js';
import { decodeFddi } from './fddi.js';
import { decodeGeneve } from './geneve.js';
import { decodeGre } from './gre.js';
import { decodeGtpU } from './gtp.js';
import { decodeAmsduSubframe, decodeIeee80211, decodeRadiotap } from './ieee80211.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { decodeLlcSnap } from './llc.js';
import { decodeMpls } from './mpls.js';
import { decodeNflog } from './nflog.js';
import { decodeNull } from './null.js';
import { decodePktap } from './pktap.js';
import { decodePpp } from './ppp.js';
import { decodePppoeSession } from './pppoe.js';
import { DecodeStatus, newSegment, resetFields, type Segment, type TunnelHop } from './segment.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './sll.js';
import { decodeTcp } from './tcp.js';
import { decodeTeredo } from './teredo.js';
import { decodeUdp } from './udp.js';
import { decodeVlan } from './vlan.js';
import { decodeVxlan } from './vxlan.js';
import { u8 } from '../capture/bytes.js';
import { at, internalError } from '../model/checked.js';

/** Raw IP: IPv4 or IPv6 by the version nibble. */
function decodeRawIp(c: Cursor): Layer {
  if (c.off >= c.end) return stop(c, DecodeStatus.Truncated);
  const version = u8(c.buf, c.off) >> 4;
  if (version === 4) return Layer.IPv4;
  if (version === 6) return Layer.IPv6;
  return stop(c, DecodeStatus.Malformed);
}

/**
 * LINKTYPE 12 and 14 are DLT_RAW values that older writers stored unmapped; on
 * OpenBSD 12 is DLT_LOOP. An IP version nibble means raw IP, otherwise it is the
 * 4-byte address family of LOOP (whose first byte, big-endian, is 0).
 */
function decodeRawOrLoop(c: Cursor): Layer {
  if (c.off >= c.end) return stop(c, DecodeStatus.Truncated);
  const version = u8(c.buf, c.off) >> 4;
  if (version === 4) return Layer.IPv4;
  if (version === 6) return Layer.IPv6;
  return Layer.Null;
}

/** Never called: the loop stops at Done. Present so the table is total. */
function done(_c: Cursor): Layer {
  return Layer.Done;
}

/** The decoder of each layer; a Record so that the compiler checks none is missing. */
const BY_LAYER: Record<Layer, LayerDecoder> = {
  [Layer.Done]: done,
  [Layer.Ethernet]: decodeEthernet,
  [Layer.Vlan]: decodeVlan,
  [Layer.Mpls]: decodeMpls,
  [Layer.PppoeSession]: decodePppoeSession,
  [Layer.LinuxSll]: decodeLinuxSll,
  [Layer.LinuxSll2]: decodeLinuxSll2,
  [Layer.Null]: decodeNull,
  [Layer.CiscoHdlc]: decodeCiscoHdlc,
  [Layer.RawIp]: decodeRawIp,
  [Layer.RawOrLoop]: decodeRawOrLoop,
  [Layer.IPv4]: decodeIPv4,
  [Layer.IPv6]: decodeIPv6,
  [Layer.Udp]: decodeUdp,
  [Layer.Tcp]: decodeTcp,
  [Layer.Vxlan]: decodeVxlan,
  [Layer.Geneve]: decodeGeneve,
  [Layer.Gre]: decodeGre,
  [Layer.ErspanII]: decodeErspanII,
  [Layer.ErspanIII]: decodeErspanIII,
  [Layer.GtpU]: decodeGtpU,
  [Layer.Teredo]: decodeTeredo,
  [Layer.Ayiya]: decodeAyiya,
  [Layer.EtherIp]: decodeEtherIp,
  [Layer.Fddi]: decodeFddi,
  [Layer.Ieee80211]: decodeIeee80211,
  [Layer.Radiotap]: decodeRadiotap,
  [Layer.Pktap]: decodePktap,
  [Layer.Nflog]: decodeNflog,
  [Layer.Pbb]: decodePbb,
  [Layer.VnTag]: decodeVnTag,
  [Layer.FabricPath]: decodeFabricPath,
  [Layer.Ppp]: decodePpp,
  [Layer.LlcSnap]: decodeLlcSnap,
  [Layer.AmsduSubframe]: decodeAmsduSubframe,
};
/** The same, as a dense array indexed by layer id for the hot loop. */
const DECODERS: readonly LayerDecoder[] = Object.values(Layer)
  .sort((a, b) => a - b)
  .map((id) => BY_LAYER[id]);

/** libpcap's LT_LINKTYPE: the low 26 bits; the upper bits of a pcap header's field carry FCS information. */
const LINKTYPE_MASK = 0x03ffffff;

/** The first layer of a link type, or Done for a link type we do not decode. */
export function firstLayer(linkType: number): Layer {
  switch (linkType & LINKTYPE_MASK) {
    case LinkType.ETHERNET:
      return Layer.Ethernet;
    case LinkType.RAW:
      return Layer.RawIp;
    case LinkType.RAW_12:
    case LinkType.RAW_14:
      return Layer.RawOrLoop;
    case LinkType.IPV4:
      return Layer.IPv4;
    case LinkType.IPV6:
      return Layer.IPv6;
    case LinkType.NULL:
    case LinkType.LOOP:
      return Layer.Null;
    case LinkType.C_HDLC:
      return Layer.CiscoHdlc;
    case LinkType.LINUX_SLL:
      return Layer.LinuxSll;
    case LinkType.LINUX_SLL2:
      return Layer.LinuxSll2;
    case LinkType.FDDI:
      return Layer.Fddi;
    case LinkType.IEEE802_11:
      return Layer.Ieee80211;
    case LinkType.IEEE802_11_RADIOTAP:
      return Layer.Radiotap;
    case LinkType.PKTAP:
      return Layer.Pktap;
    case LinkType.NFLOG:
      return Layer.Nflog;
    default:
      return Layer.Done;
  }
}

const EMPTY = new Uint8Array(0);
/** Held by the cursor between calls so that it keeps no reference to the caller's Segment or buffer. */
const DETACHED = newSegment();

const cursor: Cursor = {
  buf: EMPTY,
  start: 0,
  off: 0,
  end: 0,
  wireLen: 0,
  ipEnd: 0,
  status: DecodeStatus.Ok,
  seg: DETACHED,
  udpSrc: 0,
  udpDst: 0,
};

/** Every field the decoder sets, back to "absent", so nothing leaks from the previous packet. */
function reset(seg: Segment, buf: Uint8Array): void {
  // Addresses: IPv6 writes all 16 bytes, IPv4 the first 4, so only the tail of
  // a previous IPv6 address needs clearing here; a packet that reaches no IP
  // header gets zero addresses after the loop. No fill() on the common path.
  if (seg.ipVersion === 6) clearAddresses(seg, 4);
  seg.ipVersion = 4;
  seg.srcPort = 0;
  seg.dstPort = 0;
  resetFields(seg, buf);
}

function clearAddresses(seg: Segment, from = 0): void {
  const src = seg.src;
  const dst = seg.dst;
  for (let i = from; i < 16; i++) {
    src[i] = 0;
    dst[i] = 0;
  }
}

/**
 * Decodes the frame buf[offset .. offset + capLen) of link type `linkType`
 * (LINKTYPE_* value) into `seg`: every field except frame / tsSec / tsNsec / ts,
 * which the caller sets. Returns DecodeStatus.Ok when seg holds a TCP segment,
 * else the reason it does not (seg then holds what was decoded before the stop:
 * etherType, and the IP addresses and ipProto when the IP header was read).
 * `origLen` is the frame's length on the wire; it gives the length of TSO /
 * BIG TCP datagrams whose IP length field is 0.
 */
export function decodePacket(
  linkType: number,
  buf: Uint8Array,
  offset: number,
  capLen: number,
  origLen: number,
  seg: Segment,
): DecodeStatus {
  reset(seg, buf);
  const layer = firstLayer(linkType);
  if (layer === Layer.Done) {
    clearAddresses(seg);
    return DecodeStatus.UnknownLinkType;
  }
  // Defend against records that disagree with their buffer: read nothing outside it.
  if (!(offset >= 0 && capLen >= 0)) {
    clearAddresses(seg);
    return DecodeStatus.Truncated;
  }
  let end = offset + capLen;
  if (end > buf.length) end = buf.length;
  return run(layer, buf, offset, end, Math.max(origLen, end - offset), seg);
}

function run(
  first: Layer,
  buf: Uint8Array,
  offset: number,
  end: number,
  wireLen: number,
  seg: Segment,
): DecodeStatus {
  let layer = first;
  const c = cursor;
  c.buf = buf;
  c.start = offset;
  c.off = offset;
  c.end = end;
  c.wireLen = wireLen;
  c.ipEnd = end;
  c.status = DecodeStatus.Malformed;
  c.seg = seg;
  // Terminates: every layer but RawIp, RawOrLoop, LlcSnap's callers and the
  // tags consumes header bytes or stops, and those lead only to layers that do.
  while (layer !== Layer.Done) {
    const decode = DECODERS[layer];
    if (decode === undefined) return internalError(`no decoder for layer ${layer}`);
    layer = decode(c);
  }
  if (seg.ipOffset < 0) clearAddresses(seg);
  c.seg = DETACHED;
  c.buf = EMPTY;
  return c.status;
}

/**
 * The next subframe of the 802.11 A-MSDU frame whose previous subframe seg
 * holds (seg.amsduNext >= 0; decode/ieee80211.ts), decoded as a packet of its
 * own inside the tunnels the frame came in. seg.amsduNext then names the one
 * after it, or is -1.
 */
export function decodeNextSubframe(seg: Segment): DecodeStatus {
  const buf = seg.buf;
  const at = seg.amsduNext;
  const end = seg.amsduEnd;
  const depth = seg.amsduDepth;
  const key = seg.amsduKey;
  reset(seg, buf);
  // reset() cleared the depth only: the frame's hops are still in seg.tunnels.
  seg.tunnelDepth = depth;
  seg.tunnelKey = key;
  return run(Layer.AmsduSubframe, buf, at, end, end - at, seg);
}

/** The tunnels a fragment travelled in, kept by the reassembler for the whole datagram. */
export interface TunnelChain {
  key: number;
  hops: TunnelHop[];
}

/** A copy of seg's tunnel chain (rare: once per reassembled datagram). */
export function saveTunnels(seg: Segment): TunnelChain {
  const hops = seg.tunnels
    .slice(0, seg.tunnelDepth)
    .map((h) => ({ ...h, src: h.src.slice(), dst: h.dst.slice() }));
  return { key: seg.tunnelKey, hops };
}

/**
 * Decodes a whole IP datagram rebuilt from fragments (decode/defrag.ts):
 * buf[0 .. buf.length) starts at its IP header; `chain` gives the tunnels its
 * fragments travelled in, which are restored first.
 */
export function decodeDatagram(buf: Uint8Array, chain: TunnelChain, seg: Segment): DecodeStatus {
  reset(seg, buf);
  seg.tunnelKey = chain.key;
  seg.tunnelDepth = chain.hops.length;
  for (const [i, h] of chain.hops.entries()) {
    const t = at(seg.tunnels, i);
    t.type = h.type;
    t.ipVersion = h.ipVersion;
    t.src.set(h.src);
    t.dst.set(h.dst);
    t.srcPort = h.srcPort;
    t.dstPort = h.dstPort;
    t.id = h.id;
  }
  return run(Layer.RawIp, buf, 0, buf.length, buf.length, seg);
}
