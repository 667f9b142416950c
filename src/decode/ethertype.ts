/**
 * Ethertype dispatch, shared by every link layer whose protocol field is an
 * ethertype (Ethernet, 802.1Q tags, Linux SLL/SLL2, Cisco HDLC, LLC/SNAP, GRE,
 * Geneve).
 * Values: https://www.iana.org/assignments/ieee-802-numbers
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';

export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q customer VLAN tag. */
  Vlan: 0x8100,
  /** IEEE 802.1ad service VLAN tag (QinQ outer tag). */
  QinQ: 0x88a8,
  /** Pre-standard QinQ outer tags used by some switches. */
  QinQ9100: 0x9100,
  QinQ9200: 0x9200,
  IPv6: 0x86dd,
  MplsUnicast: 0x8847,
  MplsMulticast: 0x8848,
  PppoeSession: 0x8864,
  /** IEEE 802.1ah provider backbone bridging: the I-TAG, then the customer's frame. */
  Pbb: 0x88e7,
  /** Cisco VN-Tag (802.1Qbh's predecessor): 4 bytes, then an ethertype. */
  VnTag: 0x8926,
  /** Cisco FabricPath tag: 2 bytes (FTag, TTL), then the classical Ethernet frame. */
  FabricPath: 0x8903,
} as const;

/** The layer an ethertype leads to; anything else stops the loop as NonIp, recorded in seg.etherType. */
export function etherTypeLayer(c: Cursor, type: number): Layer {
  c.seg.etherType = type;
  switch (type) {
    case EtherType.IPv4:
      return Layer.IPv4;
    case EtherType.IPv6:
      return Layer.IPv6;
    case EtherType.Vlan:
    case EtherType.QinQ:
    case EtherType.QinQ9100:
    case EtherType.QinQ9200:
      return Layer.Vlan;
    case EtherType.MplsUnicast:
    case EtherType.MplsMulticast:
      return Layer.Mpls;
    case EtherType.PppoeSession:
      return Layer.PppoeSession;
    case EtherType.Pbb:
      return Layer.Pbb;
    case EtherType.VnTag:
      return Layer.VnTag;
    case EtherType.FabricPath:
      return Layer.FabricPath;
    default:
      return stop(c, DecodeStatus.NonIp);
  }
}
