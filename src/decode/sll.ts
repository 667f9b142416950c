/**
 * Linux "cooked" captures (tcpdump -i any): https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 *
 * SLL (113), 16 bytes:
 *   packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2)
 * SLL2 (276), 20 bytes:
 *   protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) |
 *   packet type (1) | address length (1) | address (8)
 *
 * The protocol field is an ethertype, except for ARPHRD_NETLINK (netlink
 * family) and values below 0x0600 (Linux's ETH_P_802_3, ETH_P_802_2, CAN, ...),
 * none of which is IP.
 */
import { type Cursor, type Layer, stop, truncated } from './cursor.js';
import { etherTypeLayer } from './ethertype.js';
import { DecodeStatus, LinkDir } from './segment.js';
import { u8, u16be } from '../capture/bytes.js';

const ARPHRD_NETLINK = 824;
/** Packet types (linux/if_packet.h): addressed to this host; sent by (or forwarded out of) it. */
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

/** Which way the packet went past the capturing host; broadcast, multicast and promiscuous copies say nothing. */
function linkDir(packetType: number): LinkDir {
  return packetType === PACKET_HOST
    ? LinkDir.IN
    : packetType === PACKET_OUTGOING
      ? LinkDir.OUT
      : LinkDir.UNKNOWN;
}

/** SLL's fields (16 bytes): byte offsets; inlined by the compiler. */
const enum Sll {
  PacketType = 0, // 2 bytes
  HaType = 2, // ARPHRD type: 2 bytes
  Protocol = 14, // 2 bytes
  Length = 16,
}

/** SLL2's fields (20 bytes). */
const enum Sll2 {
  Protocol = 0, // 2 bytes
  HaType = 8, // 2 bytes
  PacketType = 10,
  Length = 20,
}

function protocolLayer(c: Cursor, hatype: number, proto: number): Layer {
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) {
    c.seg.etherType = proto;
    return stop(c, DecodeStatus.NonIp);
  }
  return etherTypeLayer(c, proto);
}

export function decodeLinuxSll(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + Sll.Length > c.end) return truncated(c);
  c.off = o + Sll.Length;
  c.seg.linkDir = linkDir(u16be(b, o + Sll.PacketType));
  return protocolLayer(c, u16be(b, o + Sll.HaType), u16be(b, o + Sll.Protocol));
}

export function decodeLinuxSll2(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + Sll2.Length > c.end) return truncated(c);
  c.off = o + Sll2.Length;
  c.seg.linkDir = linkDir(u8(b, o + Sll2.PacketType));
  return protocolLayer(c, u16be(b, o + Sll2.HaType), u16be(b, o + Sll2.Protocol));
}
