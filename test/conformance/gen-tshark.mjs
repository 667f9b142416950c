#!/usr/bin/env node
// Records what tshark says about a handful of captures into tshark.json, so the
// tshark cross-check (tshark.test.ts) needs neither tshark nor its ~1 s a file
// at test time. Re-run after a listed capture changes (the test says which):
//   node test/conformance/gen-tshark.mjs
// For each file (path relative to the repository, or corpus:<path> for the
// public corpus): its sha256, tshark's TCP conversations (`tcp.stream`) with
// their endpoints, first frame and frames per direction, and the frames tshark
// marks `tcp.analysis.retransmission` (fast and spurious ones included).
// Frames with more than one TCP header (ICMP errors quoting TCP, tunnels,
// sFlow samples) are left out.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS } from '../helpers/corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const corpus = CORPUS;

export const FILES = [
  'corpus:zeek/tcp/retransmit-fast009.pcap',
  'corpus:zeek/tcp/ssh-dups.pcap',
  'corpus:zeek/tcp/ctu-64702-888.pcap',
  'corpus:zeek/tcp/qi_internet_SYNACK_curl_jsonip.pcap',
  'corpus:zeek/wikipedia.pcap',
  'corpus:pcapplusplus/one_tcp_stream.pcap',
  'corpus:pcapplusplus/tcp-reassembly.pcap',
  'corpus:suricata-verify/bug-2646-01/input.pcap',
  'corpus:suricata-verify/tcp-fastopen-10-syn-data-ignore/input.pcap',
  'corpus:tcpreplay/test.pcap',
  'fixtures/bulk-transfer.pcap',
  'fixtures/lossy-download.pcap',
  'fixtures/lossy-upload.pcap',
  'fixtures/peer-vanished.pcap',
  'fixtures/syn-dropped.pcap',
  'fixtures/synack-no-ack.pcap',
  'fixtures/zero-window.pcap',
  'fixtures/server-rst-midstream.pcap',
];

export function resolve(name) {
  return name.startsWith('corpus:') ? join(corpus, name.slice(7)) : join(root, name);
}

export function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const FIELDS = [
  'frame.number',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.analysis.retransmission',
];

/** tshark's view of one capture. */
export function tsharkFacts(path) {
  let out;
  try {
    out = execFileSync(
      'tshark',
      [
        '-n',
        '-r',
        path,
        '-Y',
        'tcp',
        '-T',
        'fields',
        '-E',
        'separator=\t',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=,',
        ...FIELDS.flatMap((f) => ['-e', f]),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 },
    );
  } catch (e) {
    out = e.stdout ?? '';
  }
  const streams = new Map();
  const retransmissions = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [frame, stream, src4, src6, sport, dst4, dst6, dport, rtx] = line.split('\t');
    if (stream.includes(',') || sport.includes(',')) continue; // several TCP headers
    const src = `${(src4 || src6).split(',').pop()}/${sport}`;
    const dst = `${(dst4 || dst6).split(',').pop()}/${dport}`;
    let s = streams.get(stream);
    if (!s)
      streams.set(
        stream,
        (s = { stream: Number(stream), a: src, b: dst, first: Number(frame), ab: 0, ba: 0 }),
      );
    if (src === s.a) s.ab++;
    else s.ba++;
    if (rtx !== '') retransmissions.push(Number(frame));
  }
  return { streams: [...streams.values()], retransmissions };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = {};
  for (const name of FILES) {
    const path = resolve(name);
    files[name] = { sha256: sha256(path), ...tsharkFacts(path) };
  }
  const version = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const out = join(here, 'tshark.json');
  writeFileSync(out, `${JSON.stringify({ tshark: version, files }, null, 2)}\n`);
  // The repository's formatter decides the layout (prettier checks test/**).
  execFileSync(join(root, 'node_modules/.bin/prettier'), ['--write', out], { stdio: 'ignore' });
  console.log(`wrote ${Object.keys(files).length} files (${version})`);
}
