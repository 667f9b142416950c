import { describe, expect, it, test } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { ReadSession } from '../../src/capture/parser.js';
import { PcapngParser } from '../../src/capture/pcapng.js';
import { CaptureError, type PacketRecord } from '../../src/capture/record.js';
import { Bytes, collector, hex, Pcapng, payload, readBytes } from './helpers.js';
import {
  chunks,
  connection,
  PcapWriter,
  pcapFrames,
  pcapngBlock,
  pcapngFile,
} from '../helpers/pcap-writer.js';
import { at, must } from '../../src/model/checked.js';

const T = 1700000000n; // 2023-11-14T22:13:20Z

describe('pcapng', () => {
  test.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('%s section, default microsecond resolution, EPB with options', async (_n, le) => {
    const a = payload(60, 1);
    const b = payload(61, 2); // odd length: padded in the block
    const file = new Pcapng()
      .shb(le, 1, 0, [[4, new TextEncoder().encode('test shb_userappl')]])
      .idb(1, { snaplen: 262144, extra: [[2, new TextEncoder().encode('eth0')]] })
      .epb(0, T * 1_000_000n + 123456n, a, 1514, [[1, new TextEncoder().encode('a comment')]])
      .epb(0, T * 1_000_000n + 999999n, b)
      .bytes();
    const { stats, c } = await readBytes(file);
    expect(c.records).toEqual([
      {
        frame: 1,
        tsSec: 1700000000,
        tsNsec: 123456000,
        capLen: 60,
        origLen: 1514,
        linkType: 1,
        iface: 0,
        data: hex(a),
      },
      {
        frame: 2,
        tsSec: 1700000000,
        tsNsec: 999999000,
        capLen: 61,
        origLen: 61,
        linkType: 1,
        iface: 0,
        data: hex(b),
      },
    ]);
    expect(c.warnings).toEqual([]);
    expect(stats).toMatchObject({ format: 'pcapng', packets: 2, linkTypes: [1] });
  });

  test.each([
    ['1e-9 (ns)', 9, T * 1_000_000_000n + 123456789n, 1700000000, 123456789],
    ['1e-9, last ns of a second', 9, T * 1_000_000_000n + 999999999n, 1700000000, 999999999],
    ['1e-3 (ms)', 3, T * 1000n + 7n, 1700000000, 7000000],
    ['1 s', 0, T, 1700000000, 0],
    ['1e-7 (100 ns, Windows)', 7, T * 10_000_000n + 1234567n, 1700000000, 123456700],
    // 64 bits of picoseconds reach only 1970 + 213 days.
    [
      '1e-12 (ps), truncated to ns',
      12,
      18_000_000n * 1_000_000_000_000n + 123456789999n,
      18_000_000,
      123456789,
    ],
    ['2^-30', 0x80 | 30, (T << 30n) + (1n << 29n), 1700000000, 500000000],
    ['2^-30, fraction below 1 ns', 0x80 | 30, (T << 30n) + 3n, 1700000000, 2],
    ['2^-20', 0x80 | 20, (T << 20n) + 1n, 1700000000, 953],
    ['2^-32 (hi word = seconds)', 0x80 | 32, (T << 32n) + 0x80000000n, 1700000000, 500000000],
    ['2^-10 (ms-ish, no BigInt needed)', 0x80 | 10, (T << 10n) + 512n, 1700000000, 500000000],
  ])('if_tsresol %s: timestamps exact to the nanosecond', async (_n, tsresol, ts, sec, nsec) => {
    for (const le of [true, false]) {
      const file = new Pcapng().shb(le).idb(1, { tsresol }).epb(0, ts, payload(10)).bytes();
      const { c } = await readBytes(file);
      expect([at(c.records, 0).tsSec, at(c.records, 0).tsNsec]).toEqual([sec, nsec]);
    }
  });

  test('if_tsoffset (signed seconds) is added', async () => {
    for (const le of [true, false]) {
      const file = new Pcapng()
        .shb(le)
        .idb(1, { tsresol: 9, tsoffset: 1_600_000_000n })
        .idb(1, { tsoffset: -10n })
        .epb(0, 5_000_000_001n, payload(4))
        .epb(1, T * 1_000_000n + 1n, payload(4))
        .bytes();
      const { c } = await readBytes(file);
      expect(c.records.map((r) => [r.tsSec, r.tsNsec, r.iface])).toEqual([
        [1_600_000_005, 1, 0],
        [1_699_999_990, 1000, 1],
      ]);
    }
  });

  test('several interfaces, each with its own link type and resolution', async () => {
    const file = new Pcapng()
      .shb()
      .idb(1)
      .idb(113, { tsresol: 9 })
      .idb(101, { tsresol: 3 })
      .epb(2, T * 1000n + 1n, payload(20, 3))
      .epb(0, T * 1_000_000n + 2000n, payload(20, 1))
      .epb(1, T * 1_000_000_000n + 3_000_000n, payload(20, 2))
      .bytes();
    const { stats, c } = await readBytes(file);
    expect(c.records.map((r) => [r.iface, r.linkType, r.tsNsec, r.data])).toEqual([
      [2, 101, 1_000_000, hex(payload(20, 3))],
      [0, 1, 2_000_000, hex(payload(20, 1))],
      [1, 113, 3_000_000, hex(payload(20, 2))],
    ]);
    expect(stats.linkTypes).toEqual([1, 113, 101]);
    expect(c.warnings).toEqual([]);
  });

  test('several sections, each with its own byte order and interfaces, kept distinct', async () => {
    const file = new Pcapng()
      .shb(true)
      .idb(1)
      .idb(113)
      .epb(1, T * 1_000_000n, payload(8, 1))
      .shb(false, 1, 2) // version 1.2 is read as 1.0 (libpcap)
      .idb(101, { tsresol: 9 })
      .epb(0, T * 1_000_000_000n + 5n, payload(8, 2))
      .shb(true)
      .idb(229)
      .epb(0, (T + 1n) * 1_000_000n, payload(8, 3))
      .bytes();
    const { stats, c } = await readBytes(file, 13);
    expect(c.records.map((r) => [r.frame, r.iface, r.linkType, r.tsSec, r.tsNsec, r.data])).toEqual([
      [1, 1, 113, 1700000000, 0, hex(payload(8, 1))],
      [2, 2, 101, 1700000000, 5, hex(payload(8, 2))],
      [3, 3, 229, 1700000001, 0, hex(payload(8, 3))],
    ]);
    expect(stats.linkTypes).toEqual([1, 113, 101, 229]);
    expect(c.warnings).toEqual([]);
  });

  test('SPB: interface 0, the last timestamp seen, captured length = min(len, data, snaplen)', async () => {
    for (const le of [true, false]) {
      const file = new Pcapng()
        .shb(le)
        .idb(1, { snaplen: 60 })
        .spb(payload(50, 1), 50) // before any timestamp: 0
        .epb(0, T * 1_000_000n + 42n, payload(30))
        .spb(payload(10, 2), 10) // padded to 12 in the block
        .spb(payload(60, 3), 1514) // cut by the snaplen
        .bytes();
      const { c } = await readBytes(file);
      expect(c.records.map((r) => [r.tsSec, r.tsNsec, r.capLen, r.origLen, r.data])).toEqual([
        [0, 0, 50, 50, hex(payload(50, 1))],
        [1700000000, 42000, 30, 30, hex(payload(30))],
        [1700000000, 42000, 10, 10, hex(payload(10, 2))],
        [1700000000, 42000, 60, 1514, hex(payload(60, 3))],
      ]);
    }
  });

  test('obsolete Packet Block (type 2)', async () => {
    for (const le of [true, false]) {
      const file = new Pcapng()
        .shb(le)
        .idb(1)
        .idb(113)
        .pb(1, T * 1_000_000n + 5n, payload(33), 99)
        .bytes();
      const { c } = await readBytes(file);
      expect(c.records).toEqual([
        {
          frame: 1,
          tsSec: 1700000000,
          tsNsec: 5000,
          capLen: 33,
          origLen: 99,
          linkType: 113,
          iface: 1,
          data: hex(payload(33)),
        },
      ]);
    }
  });

  test('unknown and uninteresting blocks are skipped by their length', async () => {
    const file = new Pcapng()
      .shb()
      .block(0x0bad, payload(20)) // custom block
      .idb(1)
      .block(4, new Bytes().u16(1).u16(8).raw([10, 0, 0, 1]).raw([97, 0, 0, 0]).u32(0).bytes()) // NRB
      .block(0x40000bad, payload(8))
      .epb(0, T * 1_000_000n, payload(10))
      .block(5, new Bytes().u32(0).u32(0).u32(0).bytes()) // ISB
      .block(10, payload(100)) // DSB
      .block(0x12345678, new Uint8Array(0))
      .epb(0, T * 1_000_000n + 1n, payload(11))
      .bytes();
    const { c } = await readBytes(file, 9);
    expect(c.records.map((r) => r.capLen)).toEqual([10, 11]);
    expect(c.warnings).toEqual([]);
  });

  test.each([
    [0, 1, 'unsupported pcapng savefile version 0.1'],
    [1, 1, 'unsupported pcapng savefile version 1.1'],
    [2, 0, 'unsupported pcapng savefile version 2.0'],
  ])('first section version %d.%d is refused', async (major, minor, msg) => {
    const file = new Pcapng().shb(true, major, minor).idb(1).epb(0, 1n, payload(4)).bytes();
    await expect(readBytes(file)).rejects.toThrow(msg);
  });

  test('a later section of an unsupported version stops reading with a damaged warning', async () => {
    const file = new Pcapng()
      .shb()
      .idb(1)
      .epb(0, 1n, payload(4))
      .shb(true, 2, 0)
      .idb(1)
      .epb(0, 2n, payload(4))
      .bytes();
    const { stats, c } = await readBytes(file);
    expect(c.records).toHaveLength(1);
    expect(c.warnings).toEqual([
      expect.objectContaining({ kind: 'damaged', message: expect.stringContaining('version 2.0') }),
    ]);
    expect(stats.damaged).toBe(true);
  });

  const good = () => new Pcapng().shb().idb(1).epb(0, 1n, payload(4)).epb(0, 2n, payload(5));

  test.each([
    [
      'trailer disagrees',
      (p: Pcapng) => p.block(6, payload(24), { trailer: 808464432 }),
      'pcapng block total length in header 36 and trailer 808464432 don',
    ],
    ['length < 12', (p: Pcapng) => p.raw(new Bytes().u32(6).u32(8).u32(8).bytes()), 'has a length of 8 < 12'],
    [
      'length not a multiple of 4',
      (p: Pcapng) => p.block(6, payload(22), { len: 34 }),
      'length of 34 that is not a multiple of 4',
    ],
    [
      'length over 16 MiB',
      (p: Pcapng) => p.raw(new Bytes().u32(6).u32(0x7ffffff0).bytes()),
      'pcapng block size 2147483632 > maximum 16777216',
    ],
    [
      'EPB caplen beyond its block',
      (p: Pcapng) => p.block(6, new Bytes().u32(0).u32(0).u32(0).u32(100).u32(100).raw(payload(8)).bytes()),
      'claims 100 captured bytes',
    ],
  ])(
    'damage after the first interface (%s): records before it, then a damaged warning',
    async (_n, spoil, msg) => {
      const head = good().bytes();
      const file = spoil(good()).epb(0, 3n, payload(6)).bytes();
      const { stats, c } = await readBytes(file, 7);
      expect(c.records.map((r) => r.capLen)).toEqual([4, 5]);
      expect(c.warnings).toEqual([
        expect.objectContaining({
          kind: 'damaged',
          offset: head.length,
          message: expect.stringContaining(msg),
        }),
      ]);
      expect(stats).toMatchObject({ damaged: true, truncated: false });
    },
  );

  test('damage before the first interface refuses the file (as libpcap does); the first SHB trailer is not checked', async () => {
    const bad = new Pcapng()
      .shb()
      .block(0x0bad, payload(20), { trailer: 4 })
      .idb(1)
      .epb(0, 1n, payload(4))
      .bytes();
    await expect(readBytes(bad)).rejects.toThrow('block total length in header 32 and trailer 4 don');
    // libpcap reads the first SHB without comparing its trailer; so do we.
    const shb = new Pcapng().shb().bytes();
    shb.set([0x30, 0x30, 0x30, 0x30], shb.length - 4);
    const rest = new Pcapng().shb().idb(1).epb(0, 1n, payload(4)).bytes().subarray(28);
    const { c } = await readBytes(Buffer.concat([shb, rest]));
    expect(c.records).toHaveLength(1);
  });

  test('a packet block naming an undefined interface is skipped, counted in one warning', async () => {
    const file = new Pcapng()
      .shb()
      .idb(1)
      .epb(3, 1n, payload(4))
      .epb(0, 2n, payload(4))
      .epb(7, 3n, payload(4))
      .bytes();
    const { c } = await readBytes(file);
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings).toEqual([
      expect.objectContaining({ kind: 'other', message: expect.stringMatching(/^2 packet block/) }),
    ]);
  });

  test('cut at every offset: SHB cuts are CaptureErrors, later cuts keep whole records and report what is missing', async () => {
    const p = new Pcapng().shb(false);
    const blocks: number[] = [p.bytes().length];
    const add = (f: (x: Pcapng) => Pcapng) => {
      f(p);
      blocks.push(p.bytes().length);
    };
    add((x) => x.idb(1, { tsresol: 9 }));
    add((x) => x.epb(0, 1n, payload(13)));
    add((x) => x.spb(payload(7)));
    add((x) => x.block(0x0bad, payload(8)));
    add((x) => x.pb(0, 2n, payload(3)));
    const file = p.bytes();
    const full = (await readBytes(file)).c.records;
    expect(full).toHaveLength(3);
    for (let cut = 0; cut <= file.length; cut++) {
      const part = file.subarray(0, cut);
      if (cut < at(blocks, 0)) {
        await expect(readBytes(part, 6)).rejects.toBeInstanceOf(CaptureError);
        continue;
      }
      const { stats, c } = await readBytes(part, 6);
      const done = blocks.filter((e) => e <= cut).length; // complete blocks
      const start = at(blocks, done - 1);
      // Records come from blocks 2, 3 and 5 (EPB, SPB, PB).
      const recs = [2, 3, 5].filter((i) => i < done).length;
      expect(c.records).toEqual(full.slice(0, recs));
      if (cut === start) {
        expect(c.warnings).toEqual([]);
      } else {
        const have = cut - start;
        const missing = have < 8 ? 8 - have : at(blocks, done) - at(blocks, done - 1) - have;
        expect(c.warnings).toEqual([expect.objectContaining({ kind: 'truncated', offset: start, missing })]);
        expect(stats.truncated).toBe(true);
      }
    }
  });

  test('any chunking, down to one byte at a time, gives identical records', async () => {
    const file = new Pcapng()
      .shb(false)
      .idb(1, { tsresol: 9 })
      .idb(113)
      .epb(0, T * 1_000_000_000n + 1n, payload(100))
      .spb(payload(70))
      .shb(true)
      .block(99, payload(40))
      .idb(101, { tsresol: 0x80 | 24 })
      .epb(0, (T << 24n) + 77n, payload(2000))
      .pb(0, T << 24n, payload(1))
      .bytes();
    const whole = (await readBytes(file)).c.records;
    expect(whole).toHaveLength(4);
    for (const size of [1, 2, 3, 4, 5, 8, 11, 12, 13, 64, 999]) {
      expect((await readBytes(file, size)).c.records).toEqual(whole);
    }
  });

  test('push parser: an EPB wholly inside a chunk is not copied', () => {
    const file = new Pcapng().shb().idb(1).epb(0, 1n, payload(40)).epb(0, 2n, payload(40)).bytes();
    const bufs: Uint8Array[] = [];
    const p = new PcapngParser(
      'x',
      { record: (r: PacketRecord) => bufs.push(r.buf), warning() {} },
      new ReadSession(),
    );
    p.push(file);
    p.end();
    expect(bufs).toHaveLength(2);
    expect(bufs[0]).toBe(file);
    expect(bufs[1]).toBe(file);
    const c = collector();
    const q = new PcapngParser('y', c, new ReadSession());
    q.push(file.subarray(0, file.length - 1));
    expect(c.records).toHaveLength(1); // the second EPB waits for its last byte
    q.push(file.subarray(file.length - 1));
    expect(c.records).toHaveLength(2);
  });
});

describe('a damaged byte-order magic (issue 24, defect 8)', () => {
  test.each([
    ['one byte changed', 8, 0x4e],
    ['zeroed', 9, 0],
  ])('%s: named as a pcapng with a damaged byte-order magic, not as text', async (_n, at, v) => {
    const file = Buffer.from(
      new Pcapng()
        .shb()
        .idb(1)
        .epb(0, T * 1_000_000n, payload(60))
        .bytes(),
    );
    file[at] = v;
    for (const size of [1, 11, 4096]) {
      const err = await readBytes(file, size).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureError);
      expect((err as Error).message).toMatch(
        /^test\.cap: not a capture: pcapng with a damaged byte-order magic \(0x/,
      );
    }
  });

  test('text that starts with "\\n\\r\\r\\n" is still text', async () => {
    const { stats } = await readBytes(Buffer.from('\n\r\r\nhello\nworld\n'), 3);
    expect(stats.text).toBe(true);
  });
});

describe('interface statistics (ISB): packets the capture dropped', () => {
  /** An ISB for interface 0 with isb_ifdrop and isb_osdrop. */
  function isb(ifdrop: number, osdrop: number): Uint8Array {
    const body = new Uint8Array(12 + 12 + 12 + 4);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0, true); // interface id
    let o = 12;
    for (const [code, v] of [
      [4, ifdrop],
      [7, osdrop],
    ] as const) {
      dv.setUint16(o, code, true);
      dv.setUint16(o + 2, 8, true);
      dv.setBigUint64(o + 4, BigInt(v), true);
      o += 12;
    }
    return pcapngBlock(5, body); // end of options: the zero padding
  }

  it('reports the latest counters of each interface as capture.quality.interfaceDrops', async () => {
    const w = new PcapWriter();
    connection(w, { t: 1_763_726_400 });
    const frames = pcapFrames(w.bytes());
    const file = pcapngFile(frames);
    const withStats = new Uint8Array([...file, ...isb(3, 4), ...isb(10, 5)]);
    const { report } = await analyze(chunks(withStats));
    expect(must(report.capture.quality, 'report.capture.quality').interfaceDrops).toBe(15);
    const { report: none } = await analyze(chunks(file));
    expect(must(none.capture.quality, 'none.capture.quality').interfaceDrops).toBeNull();
  });
});
