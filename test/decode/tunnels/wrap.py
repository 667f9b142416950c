#!/usr/bin/env python3
"""
Wraps real kernel traffic (the fixtures in fixtures/*.pcap, captured on Linux
veth pairs by fixtures/generate) in each encapsulation tcptrace-ts decodes, and
writes one small capture per encapsulation beside this script:

    python3 test/decode/tunnels/wrap.py [DIR]    # rewrites test/decode/tunnels/*.pcap (or writes them to DIR)

Nothing but the wrapping is made up: every inner frame is a fixture frame,
byte for byte, with its timestamp. The outer headers are built here from the
RFCs (checksums computed, so tshark and tcpdump dissect them without
complaint); test/decode/tunnels.test.ts checks each capture against
`tshark -V` and checks that the states inside equal the fixture's own.

Outer endpoints: the client's side of the tunnel is 192.0.2.1 (2001:db8:ffff::1),
the server's 192.0.2.2 (2001:db8:ffff::2); the client's packets travel 1 -> 2.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
FIX = os.path.join(ROOT, 'fixtures')

A4, B4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
A6 = bytes.fromhex('20010db8ffff0000000000000000 0001'.replace(' ', ''))
B6 = bytes.fromhex('20010db8ffff0000000000000000 0002'.replace(' ', ''))
MAC_A, MAC_B = bytes.fromhex('020000000001'), bytes.fromhex('020000000002')


# ---------------------------------------------------------------- pcap


def read_pcap(path):
    with open(path, 'rb') as f:
        b = f.read()
    magic, = struct.unpack('<I', b[:4])
    assert magic == 0xA1B2C3D4, f'{path}: little-endian microsecond pcap expected'
    linktype, = struct.unpack('<I', b[20:24])
    pkts, o = [], 24
    while o + 16 <= len(b):
        sec, usec, cap, _orig = struct.unpack('<IIII', b[o:o + 16])
        pkts.append((sec, usec, b[o + 16:o + 16 + cap]))
        o += 16 + cap
    return linktype, pkts


def write_pcap(name, linktype, pkts, snaplen=262144):
    """pkts: (sec, usec, frame, missing): the last `missing` bytes of the frame were not captured."""
    out = [struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for sec, usec, data, missing in pkts:
        cap = data[:len(data) - missing]
        out.append(struct.pack('<IIII', sec, usec, len(cap), len(data)) + cap)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(b''.join(out))


# ---------------------------------------------------------------- headers


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0, flags=0, frag=0, total=None):
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tl, ident, (flags << 13) | (frag >> 3), 64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None):
    return struct.pack('!IHBB16s16s', 6 << 28, len(payload) if plen is None else plen, nh, 64, src, dst) + payload


def udp(sp, dp, payload, src, dst):
    ln = 8 + len(payload)
    h = struct.pack('!HHHH', sp, dp, ln, 0)
    if len(src) == 4:
        pseudo = src + dst + struct.pack('!BBH', 0, 17, ln)
    else:
        pseudo = src + dst + struct.pack('!IxxxB', ln, 17)
    c = csum(pseudo + h + payload) or 0xFFFF
    return struct.pack('!HHHH', sp, dp, ln, c) + payload


def eth(etype, payload, dst=MAC_B, src=MAC_A):
    return dst + src + struct.pack('!H', etype) + payload


def gre(proto, payload, key=None, seq=None):
    flags = (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0)
    h = struct.pack('!HH', flags, proto)
    if key is not None:
        h += struct.pack('!I', key)
    if seq is not None:
        h += struct.pack('!I', seq)
    return h + payload


# ---------------------------------------------------------------- the traffic


class Flow:
    """
    A fixture's frames, with each frame's direction (True: from the client).
    The fixtures were captured with a snaplen: a frame's IP datagram is padded
    back to its length with zeros here, the outer headers are built for the
    whole of it, and the same number of bytes is cut from the end of the
    wrapped frame again (`missing`), so the tunnel capture is cut where the
    fixture was.
    """

    def __init__(self, fixture):
        lt, pkts = read_pcap(os.path.join(FIX, fixture))
        assert lt == 1
        self.frames = []
        client = None
        for sec, usec, f in pkts:
            etype = struct.unpack('!H', f[12:14])[0]
            ip = f[14:]
            if etype == 0x0800:
                total = struct.unpack('!H', ip[2:4])[0]
                src = ip[12:16]
            elif etype == 0x86DD:
                total = 40 + struct.unpack('!H', ip[4:6])[0]
                src = ip[8:24]
            else:
                continue
            missing = max(0, total - len(ip))
            ip = ip[:total] + bytes(missing)
            if client is None:
                client = src
            self.frames.append((sec, usec, f[:14] + ip, ip, src == client, missing))

    def wrap(self, fn):
        return [(sec, usec, fn(i, e, ip, c2s), m) for i, (sec, usec, e, ip, c2s, m) in enumerate(self.frames)]


def ends4(c2s):
    return (A4, B4) if c2s else (B4, A4)


def ends6(c2s):
    return (A6, B6) if c2s else (B6, A6)


def ip4_of(ip):
    return 4 if ip[0] >> 4 == 4 else 41


def over_udp4(c2s, sport_c, sport_s, dport, payload):
    s, d = ends4(c2s)
    return eth(0x0800, ipv4(s, d, 17, udp(sport_c if c2s else sport_s, dport, payload, s, d)))


def vxlan(vni, e):
    return struct.pack('!BxxxI', 0x08, vni << 8) + e


def geneve(vni, e):
    # One option: class 0x0102 (Linux), type 0x80, 4 bytes of data.
    opt = struct.pack('!HBB', 0x0102, 0x80, 1) + b'\x00\x00\x00\x2a'
    return struct.pack('!BBHI', len(opt) // 4, 0, 0x6558, vni << 8) + opt + e


def gtpu(teid, ip, seq):
    # E and S set: sequence number, N-PDU number, then one PDU session container
    # extension header (type 0x85, 1 word: PDU type 1 (UL), QFI 9).
    ext = bytes([1, 0x10, 0x09, 0])
    body = struct.pack('!HBB', seq, 0, 0x85) + ext + ip
    return struct.pack('!BBHI', 0x36, 0xFF, len(body), teid) + body


def teredo(ip, c2s):
    # The relay's packets to the client carry an origin indication (RFC 4380 5.1.1).
    if c2s:
        return ip
    return struct.pack('!HH4s', 0, 3544 ^ 0xFFFF, bytes(x ^ 0xFF for x in B4)) + ip


def ayiya(ip, nh):
    ident = bytes(range(16))  # identity length 2^4, type 1 (integer)
    sig = bytes(20)  # SHA-1 sized
    return struct.pack('!BBBBI', 0x41, 0x52, 0x11, nh, 1700000000) + ident + sig + ip


def erspan2(session, seq_unused, e):
    return struct.pack('!HHI', (1 << 12) | 0, session & 0x3FF, 7) + e


def erspan3(session, e):
    # O flag set: the 8-byte platform-specific subheader follows (platform id 3).
    return struct.pack('!HHIHH', (2 << 12) | 0, session & 0x3FF, 123456, 0, 0x0001) + struct.pack('!II', 3 << 26, 0) + e


def frags4(s, d, proto, payload, ident, mtu):
    """IPv4 fragments of one datagram, each carrying at most mtu - 20 bytes (a multiple of 8)."""
    step = (mtu - 20) // 8 * 8
    out = []
    for off in range(0, len(payload), step):
        more = off + step < len(payload)
        out.append(ipv4(s, d, proto, payload[off:off + step], ident=ident, flags=1 if more else 0, frag=off))
    return out


def frags6(s, d, nh, payload, ident, mtu):
    step = (mtu - 48) // 8 * 8
    out = []
    for off in range(0, len(payload), step):
        more = off + step < len(payload)
        fh = struct.pack('!BxHI', nh, off | (1 if more else 0), ident)
        out.append(ipv6(s, d, 44, fh + payload[off:off + step]))
    return out


def fragmented(flow, make, mtu):
    """
    Like flow.wrap, but the outer datagram is cut into fragments: several frames
    per inner frame. A fragment cut short by a snaplen cannot be reassembled, so
    here the payload bytes the fixture did not capture stay as the zeros they
    were padded with (TCP's states do not depend on payload bytes).
    """
    out = []
    for i, (sec, usec, e, ip, c2s, _missing) in enumerate(flow.frames):
        for frame in make(i, e, ip, c2s, mtu):
            out.append((sec, usec, frame, 0))
    return out


def main():
    v4 = Flow('normal-close-client.pcap')
    v6 = Flow('ipv6-normal-close.pcap')
    bulk = Flow('bulk-transfer.pcap')

    w = write_pcap
    # Source ports from 51000: tcpdump reads UDP from 49152 as Broadcom LI shim, not VXLAN.
    w('vxlan.pcap', 1, v4.wrap(lambda i, e, ip, c: over_udp4(c, 51000 + i % 7, 50000 + i % 5, 4789, vxlan(42, e))))
    # Two tenants, the same inner 4-tuple, VNI 1 and VNI 2, interleaved frame by frame.
    two = []
    for vni in (1, 2):
        two += [(sec, usec + vni, f, m) for sec, usec, f, m in v4.wrap(lambda i, e, ip, c: over_udp4(c, 51000, 51001, 4789, vxlan(vni, e)))]
    two.sort(key=lambda p: (p[0], p[1]))
    w('vxlan-two-tenants.pcap', 1, two)
    w('geneve.pcap', 1, v4.wrap(lambda i, e, ip, c: over_udp4(c, 49200, 49201, 6081, geneve(4242, e))))
    w('gre.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 47, gre(0x0800, ip, key=7, seq=i)))))
    w('gre-teb.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 47, gre(0x6558, e)))))
    w('gre-udp.pcap', 1, v4.wrap(lambda i, e, ip, c: over_udp4(c, 49300, 49301, 4754, gre(0x0800, ip))))
    w('erspan2.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(A4, B4, 47, gre(0x88BE, erspan2(100, i, e), seq=i)))))
    w('erspan3.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(A4, B4, 47, gre(0x22EB, erspan3(200, e), seq=i)))))
    w('gtpu.pcap', 1, v4.wrap(lambda i, e, ip, c: over_udp4(c, 2152, 2152, 2152, gtpu(0x1001 if c else 0x2002, ip, i))))
    w('teredo.pcap', 1, v6.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 17, udp(*((3797, 3544) if c else (3544, 3797)), teredo(ip, c), *ends4(c))))))
    w('ayiya.pcap', 1, v6.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 17, udp(*((40000, 5072) if c else (5072, 40000)), ayiya(ip, 41), *ends4(c))))))
    w('ipip.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 4, ip))))
    w('6in4.pcap', 1, v6.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 41, ip))))
    w('4in6.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x86DD, ipv6(*ends6(c), 4, ip))))
    w('6in6.pcap', 1, v6.wrap(lambda i, e, ip, c: eth(0x86DD, ipv6(*ends6(c), 41, ip))))
    # Nested: VXLAN inside GRE (key 9) behind a VLAN tag; IP-in-IP behind VLAN + MPLS.
    w('nested-vxlan-in-gre.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x8100, struct.pack('!HH', 100, 0x0800) + ipv4(*ends4(c), 47, gre(0x0800, ipv4(*(ends4(c)[::-1]), 17, udp(51000, 4789, vxlan(77, e), *(ends4(c)[::-1]))), key=9)))))
    w('nested-ipip-vlan-mpls.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x8100, struct.pack('!HH', 200, 0x8847) + struct.pack('!I', (1000 << 12) | 0x100 | 64) + ipv4(*ends4(c), 4, ip))))
    # Outer fragments: VXLAN over IPv4 with a 600-byte MTU, 4in6 over IPv6 with 700.
    def vx_frag(i, e, ip, c, mtu):
        s, d = ends4(c)
        return [eth(0x0800, f) for f in frags4(s, d, 17, udp(51000, 4789, vxlan(5, e), s, d), 0x100 + i, mtu)]
    w('vxlan-fragmented.pcap', 1, fragmented(bulk, vx_frag, 600))
    def six_frag(i, e, ip, c, mtu):
        return [eth(0x86DD, f) for f in frags6(*ends6(c), 4, ip, 0x200 + i, mtu)]
    w('4in6-fragmented.pcap', 1, fragmented(bulk, six_frag, 700))

    # Link types and link-level tags.
    w('fddi.pcap', 10, v4.wrap(lambda i, e, ip, c: bytes([0x50]) + e[0:12] + bytes([0xAA, 0xAA, 3, 0, 0, 0]) + e[12:14] + ip))
    def wlan(e, ip, c):
        # QoS data, To DS (client -> AP) or From DS (AP -> client), then LLC/SNAP.
        fc = bytes([0x88, 0x01 if c else 0x02])
        return fc + b'\x00\x00' + e[0:6] + e[6:12] + e[0:6] + b'\x10\x00' + b'\x00\x00' + bytes([0xAA, 0xAA, 3, 0, 0, 0]) + e[12:14] + ip
    w('ieee80211.pcap', 105, v4.wrap(lambda i, e, ip, c: wlan(e, ip, c)))
    # Aruba access points send their clients' 802.11 frames to the controller in GRE, protocol 0x8200-0x8299.
    w('gre-aruba.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x0800, ipv4(*ends4(c), 47, gre(0x8210, wlan(e, ip, c))))))
    # Radiotap: version 0, length 12, present = flags (bit 1) + rate (bit 2).
    rt = struct.pack('<BBHI', 0, 0, 12, 0x00000006) + bytes([0x00, 0x0C, 0, 0])
    w('radiotap.pcap', 127, v4.wrap(lambda i, e, ip, c: rt + wlan(e, ip, c)))
    def pktap(e):
        # struct pktap_header (macOS, little-endian): length 108, record type 1, DLT 1, ifname "en0".
        h = struct.pack('<III', 108, 1, 1) + b'en0'.ljust(24, b'\0')
        h += struct.pack('<IIIi', 0, 0, 0, 1234) + b'curl'.ljust(20, b'\0')
        h = h.ljust(108, b'\0')
        return h + e
    w('pktap.pcap', 258, v4.wrap(lambda i, e, ip, c: pktap(e)))
    def nflog(ip):
        prefix = b'tcptrace\0'
        tlv = lambda t, v: struct.pack('<HH', 4 + len(v), t) + v + b'\0' * (-(4 + len(v)) % 4)
        return bytes([2, 0]) + struct.pack('!H', 5) + tlv(1, struct.pack('!HBx', 0x0800, 3)) + tlv(10, prefix) + tlv(9, ip)
    w('nflog.pcap', 239, v4.wrap(lambda i, e, ip, c: nflog(ip)))
    w('linktype-ipv4.pcap', 228, v4.wrap(lambda i, e, ip, c: ip))
    w('linktype-ipv6.pcap', 229, v6.wrap(lambda i, e, ip, c: ip))
    w('pbb.pcap', 1, v4.wrap(lambda i, e, ip, c: eth(0x88E7, struct.pack('!I', 0x00010000 | 5000) + e, dst=bytes.fromhex('0200000000b2'), src=bytes.fromhex('0200000000b1'))))
    w('vntag.pcap', 1, v4.wrap(lambda i, e, ip, c: e[0:12] + struct.pack('!HI', 0x8926, 0x00050003) + e[12:14] + ip))
    w('fabricpath.pcap', 1, v4.wrap(lambda i, e, ip, c: bytes.fromhex('020000000fa2020000000fa1') + struct.pack('!HH', 0x8903, 0x0141) + e))


if __name__ == '__main__':
    sys.exit(main())
