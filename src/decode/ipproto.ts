/**
 * What follows an IP header (IPv4 protocol / IPv6 next header, IANA "Assigned
 * Internet Protocol Numbers"): TCP is opened, UDP is looked at for tunnel ports,
 * IP-in-IP, GRE, EtherIP and MPLS-in-IP tunnels are opened, L2TPv3 is counted
 * as a tunnel, everything else is NonTcp. The value is kept in seg.ipProto.
 */
import { type Cursor, Layer, stop } from './cursor.js';
import { DecodeStatus } from './segment.js';
import { enterTunnel, TunnelType } from './tunnel.js';

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
  const seg = c.seg;
  seg.ipProto = proto;
  if (proto === IpProto.TCP) return nonFirstFragment ? stop(c, DecodeStatus.Fragment) : Layer.Tcp;
  switch (proto) {
    case IpProto.UDP:
    case IpProto.IPIP:
    case IpProto.IPv6:
    case IpProto.GRE:
    case IpProto.EtherIP:
    case IpProto.MplsInIp:
      // A tunnel is opened on the whole datagram: its fragments are reassembled
      // first (decode/defrag.ts reads the IP header again at seg.ipOffset).
      if (nonFirstFragment || seg.ipFragmented) return stop(c, DecodeStatus.Reassemble);
      return tunnelLayer(c, proto);
    case IpProto.L2TP:
      return stop(c, DecodeStatus.Tunnel);
    default:
      return stop(c, DecodeStatus.NonTcp);
  }
}

function tunnelLayer(c: Cursor, proto: number): Layer {
  const v4 = c.seg.ipVersion === 4;
  switch (proto) {
    case IpProto.UDP:
      return Layer.Udp;
    case IpProto.GRE:
      return Layer.Gre;
    case IpProto.EtherIP:
      return Layer.EtherIp;
    case IpProto.IPIP:
      if (!enterTunnel(c, v4 ? TunnelType.IpInIp : TunnelType.FourInSix, -1, false, false)) break;
      return Layer.IPv4;
    case IpProto.IPv6:
      if (!enterTunnel(c, v4 ? TunnelType.SixInFour : TunnelType.SixInSix, -1, false, false)) break;
      return Layer.IPv6;
    case IpProto.MplsInIp:
      if (!enterTunnel(c, TunnelType.MplsInIp, -1, false, false)) break;
      return Layer.Mpls;
  }
  return stop(c, DecodeStatus.Tunnel);
}
