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
import { u16be, u8 } from '../capture/bytes.js';

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
  if (o + 16 > c.end) return truncated(c);
  c.off = o + 16;
  c.seg.linkDir = linkDir(u16be(b, o));
  return protocolLayer(c, u16be(b, o + 2), u16be(b, o + 14));
}

export function decodeLinuxSll2(c: Cursor): Layer {
  const b = c.buf;
  const o = c.off;
  if (o + 20 > c.end) return truncated(c);
  c.off = o + 20;
  c.seg.linkDir = linkDir(u8(b, o + 10));
  return protocolLayer(c, u16be(b, o + 8), u16be(b, o));
}
