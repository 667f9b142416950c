/**
 * The decoder against tshark on the whole public corpus (test/corpus,
 * every file of every format and link type except the ones libpcap must
 * reject): for each file, read with the capture stage's readCaptureFile,
 * - the set of TCP 4-tuples we decode equals tshark's `-z conv,tcp`;
 * - per packet, ports, raw seq/ack, the nine flags, payload length (from the
 *   IP header), window, header length, MSS, window scale, SACK-permitted,
 *   timestamps and SACK edges equal tshark's fields (compared through a sha256
 *   of the rows; `node test/decode/gen-tshark-conv.mjs --show FILE` prints
 *   tshark's rows, and a failure here prints ours).
 * tshark's answers are recorded in tshark-conv.json by gen-tshark-conv.mjs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import type { PacketRecord } from '../../src/capture/record.js';
import { formatAddr } from '../../src/decode/addr.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment, type Segment } from '../../src/decode/segment.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { at } from '../../src/model/checked.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Expected {
  tuples: string[];
  fields: { rows: number; sha256: string; skip: number[] };
}
const tshark = JSON.parse(readFileSync(join(here, 'tshark-conv.json'), 'utf8')) as {
  files: Record<string, Expected>;
};

/**
 * Known, understood differences. Each entry: the 4-tuples only one side has,
 * and why.
 */
const EXCEPTIONS: Record<string, { onlyOurs?: string[]; onlyTshark?: string[]; why: string }> = {
  'tcpdump/heapoverflow-tcp_print.pcap': {
    onlyOurs: ['48.48.48.48.12336 <-> 48.48.48.48.12336'],
    why:
      "a fuzzed frame whose 40 bytes of TCP options are cut by the snaplen: tshark's TCP dissector throws on the " +
      'cut option before it reports the conversation (its conv,ip and field output still show the TCP header); ' +
      'tcpdump prints the TCP line as we decode it (tcpdump/heapoverflow-tcp_print.out)',
  },
};

function endpoint(seg: Segment, src: boolean): string {
  return `${formatAddr(seg.ipVersion, src ? seg.src : seg.dst)}.${src ? seg.srcPort : seg.dstPort}`;
}

/** One row of per-packet fields, in gen-tshark-conv.mjs's FIELDS order and form. */
function fieldRow(frame: number, seg: Segment): string {
  const opt = (v: number) => (v < 0 ? '' : String(v));
  const le: number[] = [];
  const re: number[] = [];
  for (let i = 0; i < seg.sackCount; i++) {
    le.push(at(seg.sackBlocks, 2 * i));
    re.push(at(seg.sackBlocks, 2 * i + 1));
  }
  return [
    frame,
    seg.srcPort,
    seg.dstPort,
    seg.seq,
    seg.ack,
    `0x${seg.flags.toString(16).padStart(3, '0')}`,
    seg.payloadLen,
    seg.window,
    seg.headerLen,
    opt(seg.mss),
    opt(seg.wscale),
    seg.sackPermitted ? '1' : '',
    opt(seg.tsVal),
    opt(seg.tsEcr),
    le.join(','),
    re.join(','),
  ].join('\t');
}

async function decodeFile(path: string, skip: Set<number>) {
  const seg = newSegment();
  const tuples = new Set<string>();
  const rows: string[] = [];
  const statuses = new Map<number, number>();
  await readCaptureFile(path, {
    record(r: PacketRecord) {
      const st = decodePacket(r.linkType, r.buf, r.offset, r.capLen, r.origLen, seg);
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
      if (st !== DecodeStatus.Ok) return;
      const a = endpoint(seg, true);
      const b = endpoint(seg, false);
      tuples.add(a < b ? `${a} <-> ${b}` : `${b} <-> ${a}`);
      if (!skip.has(r.frame)) rows.push(fieldRow(r.frame, seg));
    },
    warning() {},
  });
  return { tuples, rows, statuses };
}

const files = Object.entries(tshark.files);

describe('corpus: decoded TCP equals tshark', () => {
  test('every MANIFEST file but the libpcap rejects is covered', () => {
    const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
    const wanted = manifest.map((l) => l.split('\t')).filter((c) => !c[7]?.startsWith('reject test'));
    expect(files.map(([f]) => f).sort()).toEqual(wanted.map((c) => c[0]).sort());
    expect(files.length).toBeGreaterThanOrEqual(110);
  });

  test.each(files)('%s', async (file, expected) => {
    const { tuples, rows } = await decodeFile(join(CORPUS, file), new Set(expected.fields.skip));
    const ex = EXCEPTIONS[file];
    const theirs = new Set(expected.tuples);
    const onlyOurs = [...tuples].filter((t) => !theirs.has(t)).sort();
    const onlyTshark = [...theirs].filter((t) => !tuples.has(t)).sort();
    expect({ onlyOurs, onlyTshark }).toEqual({
      onlyOurs: ex?.onlyOurs ?? [],
      onlyTshark: ex?.onlyTshark ?? [],
    });
    const sha256 = createHash('sha256').update(rows.join('\n')).digest('hex');
    // On a mismatch, diff these rows with `node test/decode/gen-tshark-conv.mjs --show FILE`.
    expect({ rows: rows.length, sha256 }, rows.join('\n')).toEqual({
      rows: expected.fields.rows,
      sha256: expected.fields.sha256,
    });
  });

  test('tcpdump-documented lengths of TSO / BIG TCP frames', async () => {
    // From the corpus's tcpdump .out files: "length 80000" (IPv4 total length 0, and IPv6
    // jumbo option 80040) and "length 1976" (TSO, IPv4 total length 0).
    const cases: [string, number, number][] = [
      ['tcpdump/bigtcp-ipv4.pcap', 4155358606, 80000],
      ['tcpdump/bigtcp-ipv6-hbh.pcap', 592820498, 80000],
      ['tcpdump/ipv4_tcp_http_xml_tso.pcap', 1891338696, 1976],
    ];
    for (const [file, seq, len] of cases) {
      const { rows } = await decodeFile(join(CORPUS, file), new Set());
      const cols = at(rows, 0).split('\t');
      expect([Number(cols[3]), Number(cols[6])], file).toEqual([seq, len]);
    }
  });
});
