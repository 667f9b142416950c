#!/usr/bin/env node
// Records what tshark decodes in every corpus capture into tshark-conv.json,
// so the corpus test compares against tshark without running it (~110 files)
// at test time. Re-run after the corpus changes:
//   node test/decode/gen-tshark-conv.mjs [corpusDir]
//   node test/decode/gen-tshark-conv.mjs --show FILE   (tshark's rows for one file, to diff)
// For each file:
// - `tuples`: the TCP 4-tuples of `tshark -q -n -z conv,tcp -r FILE`, each as
//   "addr.port <-> addr.port" (the two endpoints sorted), deduplicated;
// - `fields`: a digest of tshark's per-packet TCP fields (fieldRow below): a
//   sha256 of the rows and their count, and the frames left out because tshark
//   found several TCP headers in them (ICMP errors, sFlow samples, tunnels).
// Files that libpcap must refuse to open (MANIFEST expectation "reject test")
// are left out: there is nothing to decode in them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS } from '../helpers/corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const showIndex = process.argv.indexOf('--show');
const show = showIndex >= 0 ? process.argv[showIndex + 1] : undefined;
const corpus =
  process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--show') ?? CORPUS;

/**
 * Files where tshark must be told what Zeek and tcptrace-ts find by content:
 * Zeek's Teredo trace runs Teredo to a relay on port 32900, not 3544 (Zeek's
 * Teredo protocol detection, and decode/udp.ts, recognise it on any port).
 */
const DECODE_AS = {
  'zeek/tunnels/Teredo.pcap': ['-d', 'udp.port==32900,teredo'],
};
let extra = [];

function tshark(args) {
  try {
    return execFileSync('tshark', [...extra, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 28,
    });
  } catch (e) {
    // tshark exits non-zero on a damaged file (e.g. a cut last record) but still prints what it read.
    return e.stdout ?? '';
  }
}

/** tshark prints "addr:port" (IPv6 unbracketed): the port is after the last colon. */
function endpoint(s) {
  const i = s.lastIndexOf(':');
  return `${s.slice(0, i)}.${s.slice(i + 1)}`;
}

function tuples(file) {
  const out = tshark(['-q', '-n', '-z', 'conv,tcp', '-r', file]);
  const set = new Set();
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+<->\s+(\S+)\s/.exec(line);
    if (!m) continue;
    const a = endpoint(m[1]);
    const b = endpoint(m[2]);
    set.add(a < b ? `${a} <-> ${b}` : `${b} <-> ${a}`);
  }
  return [...set].sort();
}

// The same columns, in the same form, as fieldRow() in corpus.test.ts.
const FIELDS = [
  'frame.number',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.len',
  'tcp.window_size_value',
  'tcp.hdr_len',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
];

function fieldRows(file) {
  const args = ['-n', '-r', file, '-o', 'tcp.relative_sequence_numbers:FALSE', '-Y', 'tcp', '-T', 'fields'];
  args.push('-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of FIELDS) args.push('-e', f);
  const rows = [];
  const skip = [];
  for (const line of tshark(args).split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    if (c[1].includes(',')) {
      skip.push(Number(c[0]));
      continue;
    }
    // Our flags are the nine defined bits; tshark's tcp.flags also holds the reserved bits.
    c[5] = `0x${(Number(c[5]) & 0x1ff).toString(16).padStart(3, '0')}`;
    if (c[11]) c[11] = '1';
    rows.push(c.join('\t'));
  }
  return { rows, skip };
}

const manifest = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
if (show) {
  extra = DECODE_AS[show] ?? [];
  console.log(fieldRows(join(corpus, show)).rows.join('\n'));
  process.exit(0);
}
const version = tshark(['--version']).split('\n')[0];
const files = {};
for (const row of manifest) {
  const cols = row.split('\t');
  const path = cols[0];
  if (cols[7]?.startsWith('reject test')) continue;
  const full = join(corpus, path);
  extra = DECODE_AS[path] ?? [];
  const { rows, skip } = fieldRows(full);
  const sha256 = createHash('sha256').update(rows.join('\n')).digest('hex');
  files[path] = { tuples: tuples(full), fields: { rows: rows.length, sha256, skip } };
  extra = [];
}
const result = {
  comment:
    'What tshark decodes in each corpus file: TCP 4-tuples of `tshark -q -n -z conv,tcp` and a digest of per-packet TCP fields; made by gen-tshark-conv.mjs',
  tshark: version,
  fields: FIELDS,
  files,
};
writeFileSync(join(here, 'tshark-conv.json'), `${JSON.stringify(result, null, 1)}\n`);
console.log(`${Object.keys(files).length} files`);
