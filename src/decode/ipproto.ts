/**
 * What follows an IP header (IPv4 protocol / IPv6 next header, IANA "Assigned
 * Internet Protocol Numbers"): TCP is opened, UDP is looked at for tunnel ports,
 * tunnels are counted, everything else is NonTcp. The value is kept in seg.ipProto.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';

export const IpProto = {
  HopByHop: 0,
  ICMP: 1,
  /** IPv4 in IP (RFC 2003). */
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  /** IPv6 in IP (RFC 4213, 6in4). */
  IPv6: 41,
  Routing: 43,
  Fragment: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPv6: 58,
  NoNext: 59,
  DestOpts: 60,
  /** EtherIP (RFC 3378). */
  EtherIP: 97,
  /** L2TPv3 over IP (RFC 3931). */
  L2TP: 115,
  /** MPLS in IP (RFC 4023). */
  MplsInIp: 137,
} as const;

/**
 * `nonFirstFragment`: the datagram is a fragment with a non-zero offset, so no
 * transport header is here. Only TCP fragments are reported as Fragment (their
 * TCP header is in the first fragment); other protocols keep their own reason.
 */
export function transportLayer(c: Cursor, proto: number, nonFirstFragment: boolean): Layer {
  c.seg.ipProto = proto;
  switch (proto) {
    case IpProto.TCP:
      return nonFirstFragment ? stop(c, DecodeStatus.Fragment) : Layer.Tcp;
    case IpProto.UDP:
      return nonFirstFragment ? stop(c, DecodeStatus.NonTcp) : Layer.Udp;
    case IpProto.IPIP:
    case IpProto.IPv6:
    case IpProto.GRE:
    case IpProto.EtherIP:
    case IpProto.L2TP:
    case IpProto.MplsInIp:
      return stop(c, DecodeStatus.Tunnel);
    default:
      return stop(c, DecodeStatus.NonTcp);
  }
}
