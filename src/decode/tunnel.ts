/**
 * Tunnels: what each tunnel decoder calls when it opens one, and the chain as
 * the report shows it.
 *
 * When a tunnel decoder is reached, seg.src / seg.dst still hold the outer IP
 * header's addresses (the inner IP header will overwrite them): enterTunnel()
 * copies them into the next preallocated hop of seg.tunnels and folds the hop
 * into seg.tunnelKey. Untunnelled traffic never comes here, so its tunnelKey
 * stays 0 and the hot path does nothing more than before.
 *
 * What goes into the key (and so into the connection's identity) is what stays
 * the same in both directions of one tenant's connection:
 * - the tunnel type and the outer addresses, combined commutatively (the
 *   reply travels from the far tunnel end back, and an ERSPAN or mirror
 *   session carries both directions one way);
 * - VXLAN / Geneve VNI, GRE key (NVGRE's VSID), ERSPAN session id: they name
 *   the tenant or session;
 * - not the UDP ports (VXLAN, Geneve and GRE-in-UDP senders pick the source
 *   port from a hash of the inner flow, each end its own: RFC 7348 section 5,
 *   RFC 8086 section 3.2), and not the GTP-U TEID, which the receiving end
 *   allocates, so the uplink and downlink of one bearer carry different TEIDs
 *   (3GPP TS 29.281 section 5.1).
 */
import { formatAddr } from './addr.js';
import { type Cursor } from './cursor.js';
import type { TunnelInfo } from '../model/report.js';
import { MAX_TUNNEL_DEPTH, type Segment, type TunnelHop } from './segment.js';
import { u32be } from '../capture/bytes.js';

export const TunnelType = {
  Vxlan: 1,
  Geneve: 2,
  Gre: 3,
  /** GRE in UDP, port 4754 (RFC 8086). */
  GreUdp: 4,
  ErspanII: 5,
  ErspanIII: 6,
  GtpU: 7,
  Teredo: 8,
  Ayiya: 9,
  /** IPv4 in IPv4 (RFC 2003). */
  IpInIp: 10,
  /** IPv6 in IPv4 (RFC 4213). */
  SixInFour: 11,
  /** IPv4 in IPv6 (RFC 2473). */
  FourInSix: 12,
  /** IPv6 in IPv6 (RFC 2473). */
  SixInSix: 13,
  /** EtherIP (RFC 3378). */
  EtherIp: 14,
  /** MPLS in IP (RFC 4023). */
  MplsInIp: 15,
  /** ERSPAN type I: GRE 0x88be without a sequence number, no ERSPAN header. */
  ErspanI: 16,
} as const;
export type TunnelType = (typeof TunnelType)[keyof typeof TunnelType];

/** The names used in the report (JSON `tunnel[].type`, "via VXLAN ..."). */
export const TUNNEL_NAMES: Record<number, string> = {
  [TunnelType.Vxlan]: 'VXLAN',
  [TunnelType.Geneve]: 'Geneve',
  [TunnelType.Gre]: 'GRE',
  [TunnelType.GreUdp]: 'GRE-in-UDP',
  [TunnelType.ErspanI]: 'ERSPAN I',
  [TunnelType.ErspanII]: 'ERSPAN II',
  [TunnelType.ErspanIII]: 'ERSPAN III',
  [TunnelType.GtpU]: 'GTP-U',
  [TunnelType.Teredo]: 'Teredo',
  [TunnelType.Ayiya]: 'AYIYA',
  [TunnelType.IpInIp]: 'IP-in-IP',
  [TunnelType.SixInFour]: '6in4',
  [TunnelType.FourInSix]: '4in6',
  [TunnelType.SixInSix]: 'IPv6-in-IPv6',
  [TunnelType.EtherIp]: 'EtherIP',
  [TunnelType.MplsInIp]: 'MPLS-in-IP',
};

/** The report field that holds a tunnel's id, by type. */
const ID_FIELD: Record<number, 'vni' | 'key' | 'session' | 'teid'> = {
  [TunnelType.Vxlan]: 'vni',
  [TunnelType.Geneve]: 'vni',
  [TunnelType.Gre]: 'key',
  [TunnelType.GreUdp]: 'key',
  [TunnelType.ErspanII]: 'session',
  [TunnelType.ErspanIII]: 'session',
  [TunnelType.GtpU]: 'teid',
};

/** A hash of an outer address (4 or 16 bytes) to an int32. */
function addrHash(v4: boolean, a: Uint8Array): number {
  let h = u32be(a, 0) | 0;
  if (!v4) {
    for (let i = 4; i < 16; i += 4) {
      h = (Math.imul(h, 0x01000193) ^ u32be(a, i)) | 0;
    }
  }
  return h;
}

/**
 * Records the tunnel the cursor is entering (its outer IP header already
 * decoded into seg.src / seg.dst). `keyed`: the id names the tenant or session
 * and is part of the identity. Returns false when the nesting is deeper than
 * MAX_TUNNEL_DEPTH: the caller stops (counted as `tunnel`).
 */
export function enterTunnel(c: Cursor, type: TunnelType, id: number, keyed: boolean, udp: boolean): boolean {
  const seg = c.seg;
  const v6 = seg.ipVersion === 6;
  if (
    !pushTunnel(seg, type, seg.ipVersion, seg.src, seg.dst, udp ? c.udpSrc : 0, udp ? c.udpDst : 0, id, keyed)
  )
    return false;
  // The inner header may be IPv4 and write only 4 bytes: the rest of an outer
  // IPv6 address must not stay behind (decode/packet.ts keeps bytes 4..15 zero
  // for IPv4).
  if (v6) {
    for (let i = 4; i < 16; i++) {
      seg.src[i] = 0;
      seg.dst[i] = 0;
    }
  }
  return true;
}

/**
 * Appends a hop to seg's chain and folds it into seg.tunnelKey: what
 * enterTunnel does for the binary decoders, and what the tcpdump text parser
 * calls with the outer addresses it read. False when the chain is full.
 */
export function pushTunnel(
  seg: Segment,
  type: TunnelType,
  ipVersion: 4 | 6,
  src: Uint8Array,
  dst: Uint8Array,
  srcPort: number,
  dstPort: number,
  id: number,
  keyed: boolean,
): boolean {
  const d = seg.tunnelDepth;
  const hop = seg.tunnels[d];
  // seg.tunnels holds MAX_TUNNEL_DEPTH hops made up front: past them the chain is too deep.
  if (d >= MAX_TUNNEL_DEPTH || hop === undefined) return false;
  const v4 = ipVersion === 4;
  hop.type = type;
  hop.ipVersion = ipVersion;
  hop.src.set(src);
  hop.dst.set(dst);
  hop.srcPort = srcPort;
  hop.dstPort = dstPort;
  hop.id = id;
  seg.tunnelDepth = d + 1;
  // Commutative over the two outer addresses: both directions get one key.
  const a = addrHash(v4, src);
  const b = addrHash(v4, dst);
  let k = (Math.imul(seg.tunnelKey ^ type, 0x9e3779b1) + ((a ^ b) + a + b)) | 0;
  if (keyed) k = (Math.imul(k, 31) + id) | 0;
  k &= 0x3fffffff;
  seg.tunnelKey = k === 0 ? 1 : k;
  return true;
}

/**
 * The chain of seg (outermost first) for the report, built once per connection
 * (not per packet). `reverse`: seg travels from server to client, so the outer
 * endpoints are swapped to read from the client's side.
 */
export function describeTunnels(seg: Segment, reverse: boolean): TunnelInfo[] {
  return seg.tunnels.slice(0, seg.tunnelDepth).map((h) => hopInfo(h, reverse));
}

function hopInfo(h: TunnelHop, reverse: boolean): TunnelInfo {
  const s = formatAddr(h.ipVersion, h.src);
  const d = formatAddr(h.ipVersion, h.dst);
  const info: TunnelInfo = {
    type: TUNNEL_NAMES[h.type] ?? `tunnel ${h.type}`,
    src: reverse ? d : s,
    dst: reverse ? s : d,
  };
  if (h.srcPort !== 0 || h.dstPort !== 0) {
    info.srcPort = reverse ? h.dstPort : h.srcPort;
    info.dstPort = reverse ? h.srcPort : h.dstPort;
  }
  const field = ID_FIELD[h.type];
  if (field !== undefined && h.id >= 0) info[field] = h.id;
  return info;
}

function idText(t: TunnelInfo): string {
  if (t.vni !== undefined) return `VNI ${t.vni}`;
  if (t.key !== undefined) return `key ${t.key}`;
  if (t.session !== undefined) return `session ${t.session}`;
  if (t.teid !== undefined) return `TEID 0x${t.teid.toString(16)}`;
  return '';
}

/** "VXLAN 10.0.0.1 -> 10.0.0.2, VNI 42", hops joined by " in " from the innermost out. */
export function formatTunnels(chain: readonly TunnelInfo[]): string {
  return chain
    .map((t) => {
      const id = idText(t);
      return `${t.type} ${t.src} -> ${t.dst}${id ? `, ${id}` : ''}`;
    })
    .reverse()
    .join(' in ');
}

/** The same, short, for a table cell: "VXLAN VNI 42", "IP-in-IP 10.0.0.1-10.0.0.2". */
export function formatTunnelsShort(chain: readonly TunnelInfo[]): string {
  return chain
    .map((t) => `${t.type} ${idText(t) || `${t.src}-${t.dst}`}`)
    .reverse()
    .join(' in ');
}
