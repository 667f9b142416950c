/**
 * Tunnels and link types, on captures made by test/decode/tunnels/wrap.py from
 * the kernel fixtures (one per encapsulation, see its README.md), and on
 * Zeek's public Teredo trace:
 * - the states inside the tunnel are the states of the same traffic unwrapped;
 * - tshark dissects every frame to the TCP header and tunnel id we decode;
 * - wrap.py still makes the committed captures byte for byte;
 * - the tunnel is part of the identity, shown and filtered on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { Defragmenter } from '../../src/decode/defrag.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import { describeTunnels, formatTunnels } from '../../src/decode/tunnel.js';
import type { TunnelInfo } from '../../src/model/report.js';
import type { ConnectionReport } from '../../src/model/report.js';
import { run } from '../../src/cli/main.js';
import { makeIo } from '../cli/harness.js';
import { describeWithTools } from '../helpers/tools.js';
import { Pcapng } from '../capture/helpers.js';
import { concat, ether, ext, ipv4, ipv6, mpls, tcp, u16, u32, udp } from './build.js';
import { at, must } from '../../src/model/checked.js';

const DIR = 'test/decode/tunnels';
const V4 = 'fixtures/normal-close-client.pcap';
const V6 = 'fixtures/ipv6-normal-close.pcap';
const BULK = 'fixtures/bulk-transfer.pcap';

interface Wrapped {
  file: string;
  source: string;
  /** The chain expected on the connection (absent: link-level, no tunnel). */
  tunnel?: TunnelInfo[];
  /** What tshark's frame.protocols must contain for the TCP frames. */
  protocols: string;
  /** A tshark field and the value every TCP frame must have (the tunnel id). */
  field?: [string, string];
}

const O4 = { src: '192.0.2.1', dst: '192.0.2.2' };
const O6 = { src: '2001:db8:ffff::1', dst: '2001:db8:ffff::2' };
const WRAPPED: Wrapped[] = [
  {
    file: 'vxlan.pcap',
    source: V4,
    tunnel: [{ type: 'VXLAN', ...O4, srcPort: 51000, dstPort: 4789, vni: 42 }],
    protocols: 'ip:udp:vxlan:eth:ethertype:ip:tcp',
    field: ['vxlan.vni', '42'],
  },
  {
    file: 'geneve.pcap',
    source: V4,
    tunnel: [{ type: 'Geneve', ...O4, srcPort: 49200, dstPort: 6081, vni: 4242 }],
    protocols: 'udp:geneve:eth:ethertype:ip:tcp',
    field: ['geneve.vni', '4242'],
  },
  {
    file: 'gre.pcap',
    source: V4,
    tunnel: [{ type: 'GRE', ...O4, key: 7 }],
    protocols: 'ip:gre:ip:tcp',
    field: ['gre.key', '7'],
  },
  {
    file: 'gre-teb.pcap',
    source: V4,
    tunnel: [{ type: 'GRE', ...O4 }],
    protocols: 'ip:gre:eth:ethertype:ip:tcp',
  },
  {
    file: 'gre-aruba.pcap',
    source: V4,
    tunnel: [{ type: 'GRE', ...O4 }],
    protocols: 'ip:gre:wlan:llc:ip:tcp',
  },
  {
    file: 'gre-udp.pcap',
    source: V4,
    tunnel: [{ type: 'GRE-in-UDP', ...O4, srcPort: 49300, dstPort: 4754 }],
    protocols: 'udp:gre:ip:tcp',
  },
  {
    file: 'erspan2.pcap',
    source: V4,
    tunnel: [{ type: 'ERSPAN II', ...O4, session: 100 }],
    protocols: 'gre:erspan:eth:ethertype:ip:tcp',
    field: ['erspan.spanid', '100'],
  },
  {
    file: 'erspan3.pcap',
    source: V4,
    tunnel: [{ type: 'ERSPAN III', ...O4, session: 200 }],
    protocols: 'gre:erspan:eth:ethertype:ip:tcp',
    field: ['erspan.spanid', '200'],
  },
  {
    file: 'gtpu.pcap',
    source: V4,
    tunnel: [{ type: 'GTP-U', ...O4, srcPort: 2152, dstPort: 2152, teid: 0x1001 }],
    protocols: 'udp:gtp:ip:tcp',
  },
  {
    file: 'teredo.pcap',
    source: V6,
    tunnel: [{ type: 'Teredo', ...O4, srcPort: 3797, dstPort: 3544 }],
    protocols: 'udp:teredo:ipv6:tcp',
  },
  {
    file: 'ayiya.pcap',
    source: V6,
    tunnel: [{ type: 'AYIYA', ...O4, srcPort: 40000, dstPort: 5072 }],
    protocols: 'udp:ayiya:ipv6:tcp',
  },
  { file: 'ipip.pcap', source: V4, tunnel: [{ type: 'IP-in-IP', ...O4 }], protocols: 'ip:ip:tcp' },
  { file: '6in4.pcap', source: V6, tunnel: [{ type: '6in4', ...O4 }], protocols: 'ip:ipv6:tcp' },
  { file: '4in6.pcap', source: V4, tunnel: [{ type: '4in6', ...O6 }], protocols: 'ipv6:ip:tcp' },
  { file: '6in6.pcap', source: V6, tunnel: [{ type: 'IPv6-in-IPv6', ...O6 }], protocols: 'ipv6:ipv6:tcp' },
  {
    file: 'nested-vxlan-in-gre.pcap',
    source: V4,
    tunnel: [
      { type: 'GRE', ...O4, key: 9 },
      { type: 'VXLAN', src: O4.dst, dst: O4.src, srcPort: 51000, dstPort: 4789, vni: 77 },
    ],
    protocols: 'vlan:ethertype:ip:gre:ip:udp:vxlan:eth:ethertype:ip:tcp',
    field: ['vxlan.vni', '77'],
  },
  {
    file: 'nested-ipip-vlan-mpls.pcap',
    source: V4,
    tunnel: [{ type: 'IP-in-IP', ...O4 }],
    protocols: 'vlan:ethertype:mpls:ip:ip:tcp',
  },
  { file: 'fddi.pcap', source: V4, protocols: 'fddi:llc:ip:tcp' },
  { file: 'ieee80211.pcap', source: V4, protocols: 'wlan:llc:ip:tcp' },
  { file: 'radiotap.pcap', source: V4, protocols: 'radiotap:wlan_radio:wlan:llc:ip:tcp' },
  { file: 'pktap.pcap', source: V4, protocols: 'pktap:pcap_pktdata:eth:ethertype:ip:tcp' },
  // tshark lists only `nflog` in frame.protocols but dissects the payload (checked by fields).
  { file: 'nflog.pcap', source: V4, protocols: 'nflog' },
  { file: 'linktype-ipv4.pcap', source: V4, protocols: 'ip:tcp' },
  { file: 'linktype-ipv6.pcap', source: V6, protocols: 'ipv6:tcp' },
  { file: 'pbb.pcap', source: V4, protocols: 'eth:ethertype:ieee8021ah:ethertype:ip:tcp' },
  { file: 'vntag.pcap', source: V4, protocols: 'eth:ethertype:vntag:ethertype:ip:tcp' },
  { file: 'fabricpath.pcap', source: V4, protocols: 'eth:cfp:eth:ethertype:ip:tcp' },
];

/** What must be equal inside and outside the tunnel: everything TCP, nothing about the wrapping. */
function tcpView(c: ConnectionReport, frames = true) {
  const ep = (e: ConnectionReport['client']) => ({
    addr: e.addr,
    port: e.port,
    state: e.state,
    packets: e.packets,
    bytes: e.bytes,
    retransmissions: e.retransmissions,
  });
  return {
    client: ep(c.client),
    server: ep(c.server),
    connState: c.connState,
    history: c.history,
    transitions: c.transitions.map(
      (t) => `${frames ? t.frame : ''} ${t.endpoint} ${t.from}->${t.to} ${t.cause}`,
    ),
    anomalies: c.anomalies,
  };
}

async function report(file: string) {
  return (await analyze(file)).report;
}

describe('states inside a tunnel equal the states of the same traffic unwrapped', () => {
  it.each(WRAPPED.map((w) => [w.file, w] as const))('%s', async (_f, w) => {
    const inner = await report(join(DIR, w.file));
    const plain = await report(w.source);
    expect(inner.connections.map((c) => tcpView(c))).toEqual(plain.connections.map((c) => tcpView(c)));
    expect(inner.capture.tcpPackets).toBe(plain.capture.tcpPackets);
    expect(inner.connections.map((c) => c.tunnel)).toEqual(plain.connections.map(() => w.tunnel));
    expect(inner.states).toEqual(plain.states);
  });

  it('outer IPv4 fragments (VXLAN at a 600-byte MTU) and IPv6 fragments (4in6 at 700) are reassembled first', async () => {
    const plain = await report(BULK);
    for (const f of ['vxlan-fragmented.pcap', '4in6-fragmented.pcap']) {
      const r = await report(join(DIR, f));
      // The fragmented captures carry zeros where the fixture's payload was not captured.
      // Frame numbers differ: a datagram is counted at its last fragment. The
      // payload the fixture did not capture is here (as zeros), so Zeek's
      // content-gap letters (g, G) are not in the history.
      const view = (c: ConnectionReport) => ({
        ...tcpView(c, false),
        history: c.history.replace(/[gG]/g, ''),
      });
      expect(r.connections.map(view)).toEqual(plain.connections.map(view));
      expect(r.capture.tcpPackets).toBe(plain.capture.tcpPackets);
      // Every frame counted once: whole datagrams (TCP or not) plus the fragments before their last.
      const skipped = r.capture.skipped;
      expect(skipped['ip-fragment']).toBeGreaterThan(100);
      expect(r.capture.tcpPackets + Object.values(skipped).reduce((a, b) => a + b, 0)).toBe(
        r.capture.packets,
      );
    }
  });

  it('two tenants with the same inner 4-tuple in VNI 1 and VNI 2 are two connections', async () => {
    const r = await report(join(DIR, 'vxlan-two-tenants.pcap'));
    const plain = await report(V4);
    expect(r.connections).toHaveLength(2);
    const one = tcpView(at(plain.connections, 0), false);
    expect(r.connections.map((c) => tcpView(c, false))).toEqual([one, one]);
    expect(r.connections.map((c) => at(must(c.tunnel, 'c.tunnel'), 0).vni).sort()).toEqual([1, 2]);
  });
});

// ---------------------------------------------------------------- tshark

/** Our decode of every frame of a pcap: TCP header fields, or null when not TCP. */
function ourFrames(file: string) {
  const b = readFileSync(file);
  const lt = b.readUInt32LE(20);
  const seg = newSegment();
  const out: ({
    sport: number;
    dport: number;
    seq: number;
    ack: number;
    flags: number;
    id: number;
    cut: boolean;
  } | null)[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const cap = b.readUInt32LE(o + 8);
    const st = decodePacket(lt, b, o + 16, cap, b.readUInt32LE(o + 12), seg);
    const chain = describeTunnels(seg, false);
    const last = chain.at(-1);
    out.push(
      st === DecodeStatus.Ok
        ? {
            sport: seg.srcPort,
            dport: seg.dstPort,
            seq: seg.seq,
            ack: seg.ack,
            flags: seg.flags,
            id: last?.vni ?? last?.key ?? last?.session ?? -1,
            cut: cap < b.readUInt32LE(o + 12),
          }
        : null,
    );
    o += 16 + cap;
  }
  return out;
}

describeWithTools(['tshark'], 'tshark dissects each capture to the TCP header we decode', () => {
  it.each(WRAPPED.map((w) => [w.file, w] as const))('%s', (_f, w) => {
    const file = join(DIR, w.file);
    const fields = [
      'frame.protocols',
      'tcp.srcport',
      'tcp.dstport',
      'tcp.seq_raw',
      'tcp.ack_raw',
      'tcp.flags',
    ];
    if (w.field) fields.push(w.field[0]);
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ours = ourFrames(file);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(ours.length);
    let tcpFrames = 0;
    lines.forEach((line, i) => {
      const [protocols, sport, dport, seq, ack, flags, id] = line.split('\t');
      const our = ours[i];
      if (!sport) {
        // tshark's NFLOG dissector gives up on a payload TLV cut by the snaplen; we read the headers that are there.
        if (!(w.file === 'nflog.pcap' && our?.cut))
          expect(our, `frame ${i + 1}: tshark sees no TCP`).toBeNull();
        return;
      }
      tcpFrames++;
      expect(protocols).toContain(w.protocols);
      expect(our, `frame ${i + 1}`).not.toBeNull();
      expect([
        must(our, 'our').sport,
        must(our, 'our').dport,
        must(our, 'our').seq,
        must(our, 'our').ack,
        must(our, 'our').flags,
      ]).toEqual([Number(sport), Number(dport), Number(seq), Number(ack), Number(flags)]);
      // tshark prints ids in hex or decimal; one per hop, the innermost last.
      if (w.field) {
        expect(Number(must(id, 'id').split(',').at(-1))).toBe(Number(w.field[1]));
        expect(must(our, 'our').id).toBe(Number(w.field[1]));
      }
    });
    expect(tcpFrames).toBe(ours.filter((x) => x !== null && !(w.file === 'nflog.pcap' && x.cut)).length);
  });

  it('tshark finds the same TCP packets in the fragmented captures after its own reassembly', async () => {
    for (const f of ['vxlan-fragmented.pcap', '4in6-fragmented.pcap']) {
      const file = join(DIR, f);
      const out = execFileSync('tshark', ['-r', file, '-Y', 'tcp', '-T', 'fields', '-e', 'tcp.seq_raw'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const r = await report(file);
      expect(out.trimEnd().split('\n')).toHaveLength(r.capture.tcpPackets);
    }
  });
});

// ---------------------------------------------------------------- tcpdump text

describeWithTools(
  ['tcpdump'],
  'tcpdump text of a tunnel printed on one line: the same connections and tunnel',
  () => {
    // tcpdump prints VXLAN's inner frame on a line of its own, and does not dissect ERSPAN, GTP-U or AYIYA on
    // their ports: those stay out of reach of text input.
    const SAME_LINE = [
      'gre.pcap',
      'gre-teb.pcap',
      'ipip.pcap',
      '6in4.pcap',
      '4in6.pcap',
      '6in6.pcap',
      'geneve.pcap',
    ];
    it.each(SAME_LINE)('%s', async (f) => {
      const text = execFileSync('tcpdump', ['-n', '-r', join(DIR, f)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const binary = await report(join(DIR, f));
      const fromText = (
        await analyze(bytesOf(new TextEncoder().encode(text)), {
          textDate: Math.floor(must(binary.capture.start, 'binary.capture.start') / 86400) * 86400,
        })
      ).report;
      expect(fromText.capture.tcpPackets).toBe(binary.capture.tcpPackets);
      expect(fromText.connections.map((c) => tcpView(c))).toEqual(binary.connections.map((c) => tcpView(c)));
      expect(fromText.connections.map((c) => c.tunnel)).toEqual(binary.connections.map((c) => c.tunnel));
    });
  },
);

// ---------------------------------------------------------------- the writer

describeWithTools(['python3'], 'wrap.py', () => {
  it('makes the committed captures, byte for byte', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'wrap-'));
    try {
      execFileSync('python3', [join(DIR, 'wrap.py'), tmp]);
      const made = readdirSync(tmp).sort();
      expect(made).toEqual(
        readdirSync(DIR)
          .filter((f) => f.endsWith('.pcap'))
          .sort(),
      );
      for (const f of made)
        expect(readFileSync(join(tmp, f)).equals(readFileSync(join(DIR, f))), f).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- public trace

describe("Zeek's Teredo trace (public/Teredo.pcap)", () => {
  const pcap = join(DIR, 'public', 'Teredo.pcap');

  it('opens the Teredo tunnel to a relay on port 32900, as Zeek does', async () => {
    const r = await report(pcap);
    const c = must(
      r.connections.find((x) => x.client.port === 1286),
      'r.connections.find((x) => x.client.port === 1286)',
    );
    expect(c.client.addr).toBe('2001:0:4137:9e50:8000:f12a:b9c8:2815');
    expect(c.server.addr).toBe('2001:4860:0:2001::68');
    expect(c.tunnel).toEqual([
      { type: 'Teredo', src: '192.168.2.16', dst: '83.170.1.38', srcPort: 3797, dstPort: 32900 },
    ]);
    // Zeek's conn.log row for it (public/Teredo.conn.log): S1, ShADad, 10 and 12 packets.
    const zeek = must(
      readFileSync(join(DIR, 'public', 'Teredo.conn.log'), 'utf8')
        .split('\n')
        .find((l) => l.includes('\t1286\t')),
      "readFileSync(join(DIR, 'public', 'Teredo.conn.l...",
    ).split('\t');
    expect([c.connState, c.history, c.client.packets, c.server.packets]).toEqual([
      zeek[11],
      zeek[15],
      Number(zeek[16]),
      Number(zeek[18]),
    ]);
    expect(zeek[20]).not.toBe('-'); // Zeek names a tunnel parent
  });

  it('--zeek keys by the 5-tuple as Zeek does: two tenants are one row with two tunnel parents', async () => {
    const { io, stdout } = makeIo();
    expect(await run([join(DIR, 'vxlan-two-tenants.pcap'), '--zeek'], io)).toBe(0);
    const rows = stdout.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rows).toHaveLength(1);
    // The outer UDP connections are Zeek's parents: the client's side sends from port
    // 51000, the server's from 51001, for both tenants alike, so two parents.
    expect(must(at(rows, 0).split('\t').at(-1), "at(rows, 0).split('\\t').at(-1)").split(',')).toHaveLength(
      2,
    );
    // One Zeek connection holds both tenants' segments: the second copy is retransmissions.
    expect(at(rows, 0).split('\t')[11]).toContain('T');
  });

  it('--zeek fills tunnel_parents for the tunnelled row only', async () => {
    const { io, stdout } = makeIo();
    expect(await run([pcap, '--zeek'], io)).toBe(0);
    const rows = stdout.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const parents = rows.map((l) => l.split('\t').at(-1));
    expect(parents.filter((p) => p !== '-')).toHaveLength(1);
    expect(
      must(
        rows.find((l) => l.includes('\t1286\t')),
        "rows .find((l) => l.includes('\\t1286\\t'))",
      )
        .split('\t')
        .at(-1),
    ).toMatch(/^C\w+$/);
  });
});

// ---------------------------------------------------------------- CLI

describe('the CLI', () => {
  it('names the tunnel in the terminal report and the ladder, and --tunnel-host filters on it', async () => {
    const file = join(DIR, 'nested-vxlan-in-gre.pcap');
    let io = makeIo();
    expect(await run([file], io.io)).toBe(0);
    expect(io.stdout.text).toContain('VXLAN VNI 77 in GRE key 9');
    io = makeIo();
    expect(await run(['ladder', file, '--conn', '1'], io.io)).toBe(0);
    expect(io.stdout.text).toContain(
      'via VXLAN 192.0.2.2 -> 192.0.2.1, VNI 77 in GRE 192.0.2.1 -> 192.0.2.2, key 9',
    );
    for (const [host, n] of [
      ['192.0.2.1', 1],
      ['192.0.2.3', 0],
    ] as const) {
      io = makeIo();
      expect(await run([file, '--json', '--tunnel-host', host], io.io)).toBe(0);
      expect(JSON.parse(io.stdout.text).connections).toHaveLength(n);
    }
    // --host is the inner endpoints: the tunnel ends are not.
    io = makeIo();
    expect(await run([file, '--json', '--host', '192.0.2.1'], io.io)).toBe(0);
    expect(JSON.parse(io.stdout.text).connections).toHaveLength(0);
    io = makeIo();
    expect(await run([file, '--json', '--host', '10.77.0.2'], io.io)).toBe(0);
    expect(JSON.parse(io.stdout.text).connections).toHaveLength(1);
  });

  it('--json: connections[].tunnel as schema/report.schema.json has it (written by the JSON writer, not JSON.stringify)', async () => {
    const schema = JSON.parse(readFileSync('schema/report.schema.json', 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    for (const f of ['nested-vxlan-in-gre.pcap', 'gtpu.pcap', 'erspan3.pcap']) {
      const { io, stdout } = makeIo();
      expect(await run([join(DIR, f), '--json'], io)).toBe(0);
      const r = JSON.parse(stdout.text);
      expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
      expect(r.connections[0].tunnel).toEqual(
        must(
          WRAPPED.find((w) => w.file === f),
          'WRAPPED.find((w) => w.file === f)',
        ).tunnel,
      );
    }
  });

  it('a pcapng interface of an unknown link type is skipped, named; the rest is analysed', async () => {
    const frames: Uint8Array[] = [];
    const b = readFileSync(V4);
    for (let o = 24; o + 16 <= b.length;) {
      const cap = b.readUInt32LE(o + 8);
      frames.push(b.subarray(o + 16, o + 16 + cap));
      o += 16 + cap;
    }
    const w = new Pcapng().shb().idb(1).idb(147);
    frames.forEach((f, i) => {
      w.epb(0, BigInt(1_763_726_400_000_000 + i), f);
      w.epb(1, BigInt(1_763_726_400_000_000 + i), new Uint8Array(40).fill(7));
    });
    const r = (await analyze(bytesOf(w.bytes()))).report;
    expect(r.connections).toHaveLength(1);
    expect(r.capture.skipped['unknown-link-type:LINKTYPE_147']).toBe(frames.length);
  });
});

async function* bytesOf(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

// ---------------------------------------------------------------- edge cases

const SYN = () => ipv4({ src: '10.9.0.1', dst: '10.9.0.2', payload: tcp({ flags: 'S' }) });
const outer = (proto: number, payload: ArrayLike<number>) => ipv4({ proto, payload });
const E = ether({ payload: SYN() });
/** [name, link type, bytes, status, the chain as the report words it]. */
const EDGES: [string, number, Uint8Array, number, string][] = [
  [
    'ERSPAN type I (GRE 0x88be, no sequence number)',
    101,
    outer(47, concat(u16(0), u16(0x88be), E)),
    0,
    'ERSPAN I 10.0.0.1 -> 10.0.0.2',
  ],
  [
    'PPTP enhanced GRE (version 1, key = call ID, ack) carrying PPP with address/control',
    101,
    outer(
      47,
      concat([0x30, 0x81], u16(0x880b), u16(44), u16(7), u32(1), u32(1), [0xff, 0x03], u16(0x21), SYN()),
    ),
    0,
    'GRE 10.0.0.1 -> 10.0.0.2, key 7',
  ],
  [
    'PPTP with a compressed (1-byte) PPP protocol',
    101,
    outer(47, concat([0x20, 0x01], u16(0x880b), u16(44), u16(7), [0x21], SYN())),
    0,
    'GRE 10.0.0.1 -> 10.0.0.2, key 7',
  ],
  ['EtherIP (protocol 97)', 101, outer(97, concat([0x30, 0], E)), 0, 'EtherIP 10.0.0.1 -> 10.0.0.2'],
  ['MPLS in IP (protocol 137)', 101, outer(137, mpls([100], SYN())), 0, 'MPLS-in-IP 10.0.0.1 -> 10.0.0.2'],
  [
    '4in6 inside 6in4 (nested IP tunnels)',
    101,
    outer(41, ipv6({ nh: 4, payload: SYN() })),
    0,
    '4in6 2001:db8::1 -> 2001:db8::2 in 6in4 10.0.0.1 -> 10.0.0.2',
  ],
  [
    'GRE with RFC 1701 source routing is not opened',
    101,
    outer(47, concat([0x40, 0], u16(0x0800), u32(0), SYN())),
    DecodeStatus.Tunnel,
    '',
  ],
  ['GRE version 2 is not GRE', 101, outer(47, concat([0, 2], u16(0x0800), SYN())), DecodeStatus.Tunnel, ''],
  ['L2TPv3 over IP is counted as a tunnel', 101, outer(115, new Array(40).fill(0)), DecodeStatus.Tunnel, ''],
  [
    'VXLAN without the I flag is not VXLAN',
    101,
    outer(17, udp(5000, 4789, concat([0, 0, 0, 0, 0, 0, 42, 0], E))),
    DecodeStatus.NonTcp,
    '',
  ],
  [
    'Geneve OAM frame is not tenant traffic',
    101,
    outer(17, udp(5000, 6081, concat([0, 0x80], u16(0x6558), [0, 0, 1, 0], E))),
    DecodeStatus.NonTcp,
    '',
  ],
  [
    'Geneve carrying IPv4 directly (protocol type 0x0800)',
    101,
    outer(17, udp(5000, 6081, concat([0, 0], u16(0x0800), [0, 0, 1, 0], SYN()))),
    0,
    'Geneve 10.0.0.1 -> 10.0.0.2, VNI 1',
  ],
  [
    'GTP-U echo request is signalling',
    101,
    outer(17, udp(2152, 2152, concat([0x32, 1], u16(4), u32(0), u16(1), [0, 0]))),
    DecodeStatus.NonTcp,
    '',
  ],
  [
    'GTP-U G-PDU without optional fields',
    101,
    outer(17, udp(2152, 2152, concat([0x30, 0xff], u16(SYN().length), u32(0xabcdef), SYN()))),
    0,
    'GTP-U 10.0.0.1 -> 10.0.0.2, TEID 0xabcdef',
  ],
  [
    'UDP 3544 whose IPv6 length does not fill the datagram is not Teredo',
    101,
    outer(17, udp(3544, 5000, concat(ipv6({ payload: tcp() }), [0]))),
    DecodeStatus.NonTcp,
    '',
  ],
  [
    'Teredo with an authentication indicator and an origin indication',
    101,
    outer(
      17,
      udp(
        3544,
        5000,
        concat(
          [0, 1, 2, 1, 9, 9, 9],
          new Array(9).fill(0),
          [0, 0, 0xf2, 0x27, 0x3f, 0xff, 0xfd, 0xfe],
          ipv6({ payload: tcp() }),
        ),
      ),
    ),
    0,
    'Teredo 10.0.0.1 -> 10.0.0.2',
  ],
  [
    'AYIYA that is not a forward (opcode 2, echo request)',
    101,
    outer(
      17,
      udp(
        5072,
        5072,
        concat([0x40, 0x00, 0x02, 41], u32(0), new Array(16).fill(0), ipv6({ payload: tcp() })),
      ),
    ),
    DecodeStatus.NonTcp,
    '',
  ],
  [
    'AYIYA carrying IPv4 (next header 4)',
    101,
    outer(17, udp(5072, 5072, concat([0x00, 0x00, 0x01, 4], u32(0), [0], SYN()))),
    0,
    'AYIYA 10.0.0.1 -> 10.0.0.2',
  ],
  [
    '802.11 protected data frame (encrypted) is not IP',
    105,
    concat([0x08, 0x41], new Array(22).fill(0), [0xaa, 0xaa, 3, 0, 0, 0, 8, 0], SYN()),
    DecodeStatus.NonIp,
    '',
  ],
  [
    '802.11 4-address (WDS) data frame',
    105,
    concat([0x08, 0x03], new Array(28).fill(0), [0xaa, 0xaa, 3, 0, 0, 0, 8, 0], SYN()),
    0,
    '',
  ],
  [
    'FDDI SMT frame is not IP',
    10,
    concat([0x41], new Array(12).fill(0), new Array(40).fill(0)),
    DecodeStatus.NonIp,
    '',
  ],
  [
    'NFLOG without a payload TLV',
    239,
    concat([2, 0, 0, 1], [8, 0, 1, 0, 8, 0, 3, 0]),
    DecodeStatus.NonIp,
    '',
  ],
  ['NFLOG with big-endian TLVs', 239, concat([2, 0, 0, 1], u16(4 + SYN().length), u16(9), SYN()), 0, ''],
  [
    'PKTAP written big-endian, DLT_RAW',
    258,
    concat(u32(108), u32(1), u32(12), new Array(96).fill(0), SYN()),
    0,
    '',
  ],
];

describe('edge cases of the tunnel and link decoders', () => {
  it.each(EDGES)('%s', (_name, link, bytes, status, chain) => {
    const seg = newSegment();
    expect(decodePacket(link, bytes, 0, bytes.length, bytes.length, seg)).toBe(status);
    if (status === DecodeStatus.Ok) {
      expect(formatTunnels(describeTunnels(seg, false))).toBe(chain);
      expect([seg.srcPort, seg.dstPort]).toEqual([40000, 80]);
    }
  });
});

// ---------------------------------------------------------------- robustness

describe('the tunnel decoders never throw and never read outside the frame', () => {
  it('every prefix, and random bytes changed, of a data segment of every capture', () => {
    const seg = newSegment();
    let seed = 1;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const w of WRAPPED) {
      const b = readFileSync(join(DIR, w.file));
      const lt = b.readUInt32LE(20);
      // Frame 4: the client's request, with payload.
      let o = 24;
      for (let i = 0; i < 3; i++) o += 16 + b.readUInt32LE(o + 8);
      const frame = Uint8Array.from(b.subarray(o + 16, o + 16 + b.readUInt32LE(o + 8)));
      const check = (f: Uint8Array, cap: number) => {
        const st = decodePacket(lt, f, 0, cap, f.length, seg);
        if (st === DecodeStatus.Ok) {
          expect(seg.tcpOffset + 20).toBeLessThanOrEqual(cap);
          expect(seg.tunnelDepth).toBeLessThanOrEqual(4);
          expect(seg.tunnelKey === 0).toBe(seg.tunnelDepth === 0);
        }
      };
      for (let cap = 0; cap <= frame.length; cap++) check(frame, cap);
      for (let run = 0; run < 1500; run++) {
        const f = Uint8Array.from(frame);
        for (let k = 1 + rnd(4); k > 0; k--) f[rnd(Math.min(f.length, 120))] = rnd(256);
        check(f, f.length - rnd(20));
      }
    }
  });
});

// ---------------------------------------------------------------- limits

describe('limits', () => {
  it('tunnels nested deeper than MAX_TUNNEL_DEPTH are counted as tunnel, not opened', () => {
    let p: Uint8Array = ipv4({ payload: tcp({ flags: 'S' }) });
    const seg = newSegment();
    for (let depth = 1; depth <= 5; depth++) {
      p = ipv4({ proto: 4, payload: p });
      const st = decodePacket(101, p, 0, p.length, p.length, seg);
      expect(st, `depth ${depth}`).toBe(depth <= 4 ? DecodeStatus.Ok : DecodeStatus.Tunnel);
    }
  });

  it('a fragment tunnelled in a fragmented tunnel: both reassembled, each frame counted once', async () => {
    // The inner datagram: IPv4 SYN with 600 bytes of data in IPv6 (4in6), cut into two IPv6 fragments;
    // each fragment travels in VXLAN over IPv4, whose datagram is cut into two IPv4 fragments.
    const inner = ipv4({
      src: '10.9.0.1',
      dst: '10.9.0.2',
      payload: tcp({ flags: 'S', payload: new Array(600).fill(5) }),
    });
    const frames: Uint8Array[] = [];
    [
      [0, true, inner.subarray(0, 320)],
      [320, false, inner.subarray(320)],
    ].forEach(([off, more, part], i) => {
      const v6 = ipv6({
        nh: 4,
        exts: [ext.fragment(off as number, more as boolean, 99)],
        payload: part as Uint8Array,
      });
      const dgram = udp(50000 + i, 4789, concat([8, 0, 0, 0, 0, 0, 3, 0], ether({ payload: v6 })));
      frames.push(
        ether({ payload: ipv4({ proto: 17, id: 10 + i, mf: true, payload: dgram.subarray(0, 200) }) }),
        ether({ payload: ipv4({ proto: 17, id: 10 + i, fragOffset: 200, payload: dgram.subarray(200) }) }),
      );
    });
    const w = new Pcapng().shb().idb(1);
    frames.forEach((f, i) => w.epb(0, BigInt(1_763_726_400_000_000 + i), f));
    const r = (await analyze(bytesOf(w.bytes()))).report;
    expect(r.capture.tcpPackets).toBe(1);
    expect(r.capture.skipped).toEqual({ 'ip-fragment': 3 });
    expect(formatTunnels(must(at(r.connections, 0).tunnel, 'at(r.connections, 0).tunnel'))).toBe(
      '4in6 2001:db8::1 -> 2001:db8::2 in VXLAN 10.0.0.1 -> 10.0.0.2, VNI 3',
    );
    // The 600 bytes of the SYN's data came through both reassemblies.
    expect(at(r.connections, 0).client.bytes).toBe(600);
  });

  it('the reassembler gives up after its timeout and keeps no more datagrams than its limit', () => {
    const d = new Defragmenter({ maxDatagrams: 2, maxBytes: 1 << 20, timeout: 30 });
    const seg = newSegment();
    const frag = (id: number, more: boolean) => {
      const p = ipv4({ proto: 17, id, mf: more, fragOffset: more ? 0 : 8, payload: new Array(8).fill(1) });
      expect(decodePacket(101, p, 0, p.length, p.length, seg)).toBe(DecodeStatus.Reassemble);
      return p;
    };
    for (const id of [1, 2, 3]) {
      const p = frag(id, true);
      expect(d.add(p, p.length, seg, 0)).toBeNull();
    }
    // Datagram 1 was dropped for datagram 3 (at most 2 at once).
    expect(d.counts.dropped).toBe(1);
    const late = frag(2, false);
    // 31 s after its first fragment: datagram 2 (and 3) timed out before this one arrived.
    expect(d.add(late, late.length, seg, 31)).toBeNull();
    expect(d.counts.timedOut).toBe(2);
    const p3 = frag(3, true);
    expect(d.add(p3, p3.length, seg, 31)).toBeNull();
    const l3 = frag(3, false);
    const whole = d.add(l3, l3.length, seg, 31);
    const dg = must(whole, 'whole').datagram;
    expect(dg.length).toBe(36);
    expect([...dg.subarray(20)]).toEqual(new Array(16).fill(1));
    // Total length of the whole, MF and offset cleared.
    expect([dg[2], dg[3], at(dg, 6) & 0x3f, dg[7]]).toEqual([0, 36, 0, 0]);
    expect(d.counts.reassembled).toBe(1);
  });
});
