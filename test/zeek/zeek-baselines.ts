/**
 * Zeek's own test baselines (corpus zeek/ *.expect/) as rows to compare our
 * per-connection conn_state / history with, and compareWithZeek() to do it.
 *
 * Reusable: the connection tracker's output can be compared with the same
 * rows, by turning its connections into OurConn values.
 *
 * Each case is one Zeek run on one capture (one baseline file). The table
 * records how Zeek was run where that changes our emulation: the TCP ports of
 * `likely_server_ports` (empty-ish with `zeek -b`, which loads only the
 * scripts the test names), and whether checksums were checked (no -C).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZEEK_DEFAULT_LIKELY_SERVER_PORTS, zeekBarePorts } from '../../src/zeek/settings.js';
import { CORPUS } from '../helpers/corpus.mjs';
import { at, must } from '../../src/model/checked.js';

export { CORPUS };
export const ZEEK_DIR = join(CORPUS, 'zeek');

/** One connection record of a Zeek baseline. */
export interface ZeekRow {
  /** Baseline file, relative to the corpus's zeek/ directory. */
  file: string;
  /** 1-based index among the TCP rows of that file. */
  index: number;
  pcap: string;
  /** Absent when the baseline does not print the connection's id. */
  origH?: string;
  origP?: number;
  respH?: string;
  respP?: number;
  history?: string;
  connState?: string;
  /** c$orig$state / c$resp$state (0 INACTIVE .. 6 RESET), when the baseline prints them. */
  origState?: number;
  respState?: number;
}

/** One of our connections, as the comparison needs it. */
export interface OurConn {
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** Time of the first packet (orders connections of one 4-tuple). */
  start: number;
  history: string;
  connState: string;
  origState: number;
  respState: number;
}

export interface ZeekCase {
  pcap: string;
  /** Baseline rows of this run (TCP only). */
  rows: ZeekRow[];
  likelyServerPorts: ReadonlySet<number>;
  /** Zeek ran without -C: it validated checksums (ZeekOptions.checksums emulates that; the report does not). */
  checksums: boolean;
  /** The capture holds one connection and the baseline does not name it. */
  single: boolean;
}

export interface RowResult {
  row: ZeekRow;
  ours: OurConn | null;
  agree: boolean;
  /** What differs, e.g. "history ShADadFf != ShADaFf". */
  diff: string;
}

export interface Comparison {
  agree: number;
  total: number;
  results: RowResult[];
}

/** IPv6 in one canonical form (RFC 5952, as the WHATWG URL parser prints it). */
export function normAddr(a: string): string {
  if (!a.includes(':')) return a;
  return new URL(`http://[${a}]/`).hostname.slice(1, -1);
}

function tupleKey(h1: string, p1: number, h2: string, p2: number): string {
  const x = `${normAddr(h1)}/${p1}`;
  const y = `${normAddr(h2)}/${p2}`;
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

/**
 * Matches each baseline row with one of our connections (same 4-tuple, the
 * k-th row of a tuple with our k-th connection of it by start time; for a
 * `single` case the capture's only connection) and compares the fields the
 * row has: originator, history, conn_state, endpoint states.
 */
export function compareWithZeek(
  rows: readonly ZeekRow[],
  ours: readonly OurConn[],
  single = false,
): Comparison {
  const byTuple = new Map<string, OurConn[]>();
  for (const c of [...ours].sort((x, y) => x.start - y.start)) {
    const k = tupleKey(c.origH, c.origP, c.respH, c.respP);
    let l = byTuple.get(k);
    if (!l) byTuple.set(k, (l = []));
    l.push(c);
  }
  const used = new Map<string, number>();
  const results: RowResult[] = [];
  for (const row of rows) {
    let c: OurConn | null = null;
    if (row.origH !== undefined && row.respH !== undefined && !single) {
      let k: string | undefined;
      if (row.origP !== undefined)
        k = tupleKey(row.origH, row.origP, row.respH, must(row.respP, 'row.respP'));
      else {
        // A cut without id.orig_p: the tuple whose other end is (orig_h, resp_h:resp_p).
        const oh = normAddr(row.origH);
        const rh = normAddr(row.respH);
        const m = ours.find(
          (o) =>
            (normAddr(o.origH) === oh && normAddr(o.respH) === rh && o.respP === row.respP) ||
            (normAddr(o.respH) === oh && normAddr(o.origH) === rh && o.origP === row.respP),
        );
        if (m) k = tupleKey(m.origH, m.origP, m.respH, m.respP);
      }
      if (k !== undefined) {
        const n = used.get(k) ?? 0;
        used.set(k, n + 1);
        c = byTuple.get(k)?.[n] ?? null;
      }
    } else if (ours.length === 1) {
      c = at(ours, 0);
    }
    const diffs: string[] = [];
    if (c === null) {
      diffs.push(
        ours.length > 1 && single ? `${ours.length} connections, baseline has one` : 'no such connection',
      );
    } else {
      if (
        row.origH !== undefined &&
        (normAddr(row.origH) !== normAddr(c.origH) || (row.origP !== undefined && row.origP !== c.origP))
      ) {
        diffs.push(`originator ${c.origH}:${c.origP} != ${row.origH}:${row.origP}`);
      }
      if (row.history !== undefined && row.history !== c.history) {
        diffs.push(`history ${c.history || '-'} != ${row.history}`);
      }
      if (row.connState !== undefined && row.connState !== c.connState) {
        diffs.push(`conn_state ${c.connState} != ${row.connState}`);
      }
      if (row.origState !== undefined && row.origState !== c.origState) {
        diffs.push(`orig state ${c.origState} != ${row.origState}`);
      }
      if (row.respState !== undefined && row.respState !== c.respState) {
        diffs.push(`resp state ${c.respState} != ${row.respState}`);
      }
    }
    results.push({ row, ours: c, agree: diffs.length === 0, diff: diffs.join('; ') });
  }
  return { agree: results.filter((r) => r.agree).length, total: results.length, results };
}

// ---------------------------------------------------------------------------
// Baseline parsers

/**
 * conn.log in Zeek's ASCII format (#fields header) or zeek-cut / btest-diff-cut
 * output (a plain header line of field names). Only TCP rows are kept (rows of
 * a cut without `proto` are all taken as TCP: the cut files here are TCP only).
 */
export function parseConnLog(text: string, file: string, pcap: string): ZeekRow[] {
  let fields: string[] | null = null;
  const rows: ZeekRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('###')) continue;
    if (line.startsWith('#fields\t')) {
      fields = line.split('\t').slice(1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const cols = line.split('\t');
    if (fields === null) {
      fields = cols; // cut output: first line names the columns
      continue;
    }
    const get = (name: string): string | undefined => {
      const i = must(fields, 'fields').indexOf(name);
      const v = i < 0 ? undefined : cols[i];
      return v === '-' ? '' : v;
    };
    const proto = get('proto');
    if (proto !== undefined && proto !== 'tcp') continue;
    const row: ZeekRow = { file, index: rows.length + 1, pcap };
    const oh = get('id.orig_h');
    const op = get('id.orig_p');
    const rh = get('id.resp_h');
    const rp = get('id.resp_p');
    if (oh !== undefined && rh !== undefined && rp !== undefined) {
      row.origH = oh;
      row.respH = rh;
      row.respP = Number(rp);
      if (op !== undefined) row.origP = Number(op);
    }
    const h = get('history');
    if (h !== undefined) row.history = h;
    const s = get('conn_state');
    if (s !== undefined) row.connState = s;
    rows.push(row);
  }
  return rows;
}

const ID_RE = /orig_h=([^,]+), orig_p=(\d+)\/tcp, resp_h=([^,]+), resp_p=(\d+)\/tcp/;

/** Lines `..., [orig_h=..., ...], <history>` printed by a connection_state_remove handler. */
function parseRemoveLines(text: string, marker: string, file: string, pcap: string): ZeekRow[] {
  const rows: ZeekRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(marker)) continue;
    const m = ID_RE.exec(line);
    if (!m) continue;
    // The conn_id record may hold nested brackets (ctx=[], extra fields).
    let i = line.lastIndexOf('[', m.index);
    for (let depth = 0; i < line.length; i++) {
      if (line[i] === '[') depth++;
      else if (line[i] === ']' && --depth === 0) break;
    }
    const rest = line
      .slice(i + 1)
      .split(',')
      .map((s) => s.trim());
    rows.push({
      file,
      index: rows.length + 1,
      pcap,
      origH: at(m, 1),
      origP: Number(m[2]),
      respH: at(m, 3),
      respP: Number(m[4]),
      history: rest[1] ?? '',
    });
  }
  return rows;
}

/** `[size=0, state=5, ...]` lines: c$orig then c$resp. */
function parseEndpointStates(text: string, file: string, pcap: string): ZeekRow[] {
  const states = [...text.matchAll(/\[size=\d+, state=(\d)/g)].map((m) => Number(m[1]));
  if (states.length < 2) return [];
  const row: ZeekRow = { file, index: 1, pcap, origState: at(states, 0), respState: at(states, 1) };
  const m = ID_RE.exec(text);
  if (m) Object.assign(row, { origH: m[1], origP: Number(m[2]), respH: m[3], respP: Number(m[4]) });
  return [row];
}

/** The conn_state-RST-behavior `out`: line n is `history, conn_state` of the n-th capture of the test. */
function parseHistoryStateLine(text: string, n: number, file: string, pcap: string): ZeekRow[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('###'));
  const [history, connState] = at(lines, n)
    .split(',')
    .map((s) => s.trim());
  return [
    { file, index: 1, pcap, history: must(history, 'history'), connState: must(connState, 'connState') },
  ];
}

// ---------------------------------------------------------------------------
// The runs

type Parse = (text: string, file: string, pcap: string) => ZeekRow[];

interface CaseSpec {
  pcap: string;
  file: string;
  parse?: Parse;
  ports: ReadonlySet<number>;
  checksums?: boolean;
  single?: boolean;
}

const FULL = ZEEK_DEFAULT_LIKELY_SERVER_PORTS;
const BARE = zeekBarePorts();
const RST_OUT = 'scripts.base.protocols.conn.conn_state-RST-behavior/out';

const SPECS: CaseSpec[] = [
  // zeek -b, ignore_checksums_nets covering the capture's addresses (= -C for it)
  {
    pcap: 'chksums/localhost-bad-chksum.pcap',
    file: 'core.checksums_ignore_nets/conn-worked.log',
    ports: BARE,
  },
  {
    pcap: 'chksums/localhost-bad-chksum.pcap',
    file: 'core.checksums_ignore_nets/conn-worked-multi-subnets.log',
    ports: BARE,
  },
  // the same capture without -C
  {
    pcap: 'chksums/localhost-bad-chksum.pcap',
    file: 'core.checksums_ignore_nets/conn-failed.log',
    ports: BARE,
    checksums: true,
  },
  {
    pcap: 'ftp/ipv6.pcap',
    file: 'scripts.base.protocols.ftp.ftp-ipv6/conn.log',
    ports: zeekBarePorts('ftp'),
    checksums: true,
  },
  {
    pcap: 'http/connect-with-header.pcap',
    file: 'scripts.base.protocols.http.http-connect-with-header/conn.log',
    ports: zeekBarePorts('http', 'ssl'),
  },
  {
    pcap: 'http/get-to-ssh-server.pcap',
    file: 'scripts.policy.frameworks.analyzer.detect-protocols-violation/conn.log',
    ports: FULL,
  },
  { pcap: 'mixed-vlan-mpls.pcap', file: 'core.vlan-mpls/conn.log', ports: zeekBarePorts('http') },
  {
    pcap: 'modbus/modbus-and-non-modbus-p502.pcap',
    file: 'scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502/conn.log',
    ports: FULL,
    checksums: true,
  },
  {
    pcap: 'pop3/pop3.pcap',
    file: 'scripts.base.protocols.pop3.basic/conn.log',
    ports: zeekBarePorts('pop3'),
    checksums: true,
  },
  {
    pcap: 'ssh/ssh.client-side-half-duplex.pcap',
    file: 'scripts.base.protocols.ssh.half-duplex-client/conn.log',
    ports: FULL,
    checksums: true,
  },
  {
    pcap: 'ssh/ssh.server-side-half-duplex.pcap',
    file: 'scripts.base.protocols.ssh.half-duplex-server/conn.log',
    ports: FULL,
    checksums: true,
  },
  { pcap: 'tcp/ctu-64702-888.pcap', file: 'core.conn-size-flip/conn.log.ctu', ports: BARE },
  { pcap: 'tcp/one-sided-2745.pcap', file: 'core.conn-size-flip/conn.log.one-sided', ports: BARE },
  {
    pcap: 'tcp/fin_retransmission.pcap',
    file: 'core.tcp.fin-retransmit/out',
    parse: parseEndpointStates,
    ports: BARE,
    checksums: true,
    single: true,
  },
  {
    pcap: 'tcp/rst-inject-rae.pcap',
    file: 'core.tcp.rst-after-syn/.stdout',
    parse: parseEndpointStates,
    ports: BARE,
    checksums: true,
  },
  {
    pcap: 'tcp/handshake-reorder.pcap',
    file: 'core.connection_flipped/out',
    parse: (t, f, p) => parseRemoveLines(t, 'connection_state_remove', f, p),
    ports: BARE,
    checksums: true,
  },
  {
    pcap: 'tcp/ssh-dups.pcap',
    file: 'core.tcp.tcp-dups/out',
    parse: (t, f, p) => parseRemoveLines(t, 'REMOVE:', f, p),
    ports: BARE,
  },
  {
    pcap: 'tcp/http-on-irc-port-missing-syn.pcapng',
    file: 'core.tcp.flip-without-syn/conn.log',
    ports: FULL,
    checksums: true,
  },
  {
    pcap: 'tcp/miss_end_data.pcap',
    file: 'core.tcp.miss-end-data/conn.log',
    ports: zeekBarePorts('http'),
    checksums: true,
  },
  { pcap: 'tcp/missing-syn.pcap', file: 'core.tcp.missing-syn/conn.log', ports: zeekBarePorts('http') },
  { pcap: 'tcp/missing-syn.pcap', file: 'core.history-flip/conn.log', ports: zeekBarePorts('http') },
  {
    pcap: 'tcp/syn-bad.pcap',
    file: 'core.tcp.bad-checksum-syn/conn.log',
    ports: BARE,
    checksums: true,
    single: true,
  },
  ...(['single-rst', 'syn-then-rst', 'syn-then-ack-then-rst', 'syn-then-stuff-then-rst'] as const).map(
    (name, n): CaseSpec => ({
      pcap: `tcp/${name}.pcap`,
      file: RST_OUT,
      parse: (t, f, p) => parseHistoryStateLine(t, n, f, p),
      ports: BARE,
      single: true,
    }),
  ),
  { pcap: 'tcp/retransmit-fast009.pcap', file: 'core.tcp.rxmit-history/conn-1.log', ports: FULL },
  { pcap: 'wikipedia.pcap', file: 'core.tcp.rxmit-history/conn-2.log', ports: FULL },
  // max_timer_expires=0: every timer runs when due
  { pcap: 'tcp/retransmit-timeout.pcapng', file: 'core.expire-all-timers/conn-all.log', ports: BARE },
  // the test schedules 300 dummy timers so that the inactivity timeout is held back
  { pcap: 'tcp/retransmit-timeout.pcapng', file: 'core.expire-all-timers/conn-limited.log', ports: BARE },
  {
    pcap: 'tunnels/Teredo.pcap',
    file: 'core.tunnels.teredo/conn.log',
    ports: zeekBarePorts('http', 'dns'),
    checksums: true,
  },
  {
    pcap: 'tls/irc-starttls.pcap',
    file: 'scripts.base.protocols.irc.starttls/conn.log',
    ports: zeekBarePorts('ssl', 'irc'),
  },
  {
    pcap: 'tls/pop3-starttls.pcap',
    file: 'scripts.base.protocols.pop3.starttls/conn.log',
    ports: zeekBarePorts('ssl', 'pop3'),
  },
];

/** Where a baseline lives: <pcap>.expect/<test>/<file>, or a sibling capture's .expect for shared tests. */
function baselinePath(spec: CaseSpec): string {
  const own = join(ZEEK_DIR, `${spec.pcap}.expect`, spec.file);
  if (existsSync(own)) return own;
  const shared = join(ZEEK_DIR, 'tcp/single-rst.pcap.expect', spec.file);
  if (spec.file === RST_OUT && existsSync(shared)) return shared;
  // The corpus is in the repository: a case whose files are gone is an error, not a case less.
  throw new Error(`Zeek baseline missing from test/corpus: ${own}`);
}

/** Every Zeek run of the corpus with per-connection TCP results (SPECS, all of them). */
export function loadZeekCases(): ZeekCase[] {
  const cases: ZeekCase[] = [];
  for (const spec of SPECS) {
    const path = baselinePath(spec);
    if (!existsSync(join(ZEEK_DIR, spec.pcap)))
      throw new Error(`capture missing from test/corpus: ${spec.pcap}`);
    const rel = path.slice(ZEEK_DIR.length + 1);
    const parse = spec.parse ?? parseConnLog;
    cases.push({
      pcap: join(ZEEK_DIR, spec.pcap),
      rows: parse(readFileSync(path, 'utf8'), rel, spec.pcap),
      likelyServerPorts: spec.ports,
      checksums: spec.checksums ?? false,
      single: spec.single ?? false,
    });
  }
  return cases;
}
