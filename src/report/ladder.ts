/**
 * `tcptrace-ts ladder`: one connection drawn as in RFC 793 section 3.4 / RFC 9293
 * figures 6-14: the client's column on the left, the server's on the right, one
 * line a segment with an arrow in its direction, and each side's state printed in
 * its column on the line where it changed.
 *
 *       time  frame  client 10.0.0.1:48292                        server 10.0.0.2:80
 *                    CLOSED                                       LISTEN
 *   0.000000      1  SYN_SENT     ------ S seq=0 win=64240 len=0 ----->  SYN_RECEIVED
 *   0.000412      2  ESTABLISHED  <---- S. seq=0 ack=1 win=65160 -----
 */
import { formatTunnels } from '../decode/tunnel.js';
import { KIND_BY_NAME } from '../model/kinds.js';
import type { StateName } from '../model/states.js';
import { connectionLabel } from './anomaly-text.js';
import {
  endpointLabel,
  formatCount,
  formatIso,
  padEnd,
  padStart,
  plural,
  trimEndAnsi,
  visibleLength,
  wrap,
} from './format.js';
import { formatDuration } from '../model/duration.js';
import type { LadderReport, LadderRow, Vantage } from '../model/report.js';
import { palette } from './palette.js';
import { sanitize } from './sanitize.js';
import { at } from '../model/checked.js';

export interface LadderOptions {
  color: boolean;
  width: number;
  /** Raw sequence numbers instead of relative ones. */
  absolute: boolean;
}

/** Wide enough for SYN_RECEIVED, the longest state name. */
const STATE_W = 12;
/** Arrows do not grow past this on wide terminals (unless a label needs it). */
const MAX_ARROW = 60;

export interface Elided {
  rows: LadderRow[];
  elided: number;
  /** Rows kept before the gap (where the "not shown" line goes). */
  elidedAfter?: number;
  /** Each side's state after the last row left out. */
  elidedStates?: { client: StateName; server: StateName };
}

/**
 * Keep the first `head` and last `tail` rows (all of them with `all`, or when
 * leaving out fewer than two rows would save nothing).
 */
export function elideRows(rows: LadderRow[], all: boolean, head = 20, tail = 20): Elided {
  if (all || rows.length <= head + tail + 1) return { rows, elided: 0 };
  const last = at(rows, rows.length - tail - 1);
  return {
    rows: [...rows.slice(0, head), ...rows.slice(rows.length - tail)],
    elided: rows.length - head - tail,
    elidedAfter: head,
    elidedStates: { client: last.clientState, server: last.serverState },
  };
}

/** The ladder as data, for `ladder --json`: the connection, its rows, and what was left out. */
export function ladderJson(ladder: LadderReport): LadderReport {
  return { ...ladder };
}

/**
 * `S. seq=0 ack=1 win=65160 len=0`. On narrow terminals `compact` 1 leaves out the
 * window (unless zero), 2 also `len=0`.
 */
function segmentLabel(r: LadderRow, absolute: boolean, compact: number): string {
  const seq = absolute ? r.seq : r.relSeq;
  const ack = absolute ? r.ack : r.relAck;
  const flags = sanitize(r.flags);
  let label = `${flags} seq=${seq}${flags.includes('.') ? ` ack=${ack}` : ''}`;
  // A zero window stays even when windows are left out: it is what the reader looks for.
  if (compact < 1 || (r.win === 0 && !flags.includes('R'))) label += ` win=${r.win}`;
  if (compact < 2 || r.len > 0) label += ` len=${r.len}`;
  return label;
}

/**
 * An arrow `width` wide with the label centred: `--- label -->` client to server,
 * `<-- label ---` server to client. The label sits at the same column either way.
 */
function arrow(label: string, width: number, dir: 'c2s' | 's2c'): string {
  const n = visibleLength(label);
  const a = Math.max(3, Math.floor((width - n) / 2));
  const rightDashes = Math.max(1, width - a - n - 1);
  if (dir === 'c2s') return `${'-'.repeat(a - 1)} ${label} ${'-'.repeat(rightDashes - 1)}>`;
  return `<${'-'.repeat(a - 2)} ${label} ${'-'.repeat(rightDashes)}`;
}

/** The first state of a row's steps, or the row's state. */
function first(steps: StateName[] | undefined, state: StateName | ''): StateName | '' {
  return steps?.[0] ?? state;
}

/** Where the capture point sits, as the ladder's notes say it (ConnectionReport.vantage). */
const VANTAGE_NOTE: Record<Vantage, string> = {
  client: 'captured next to the client',
  server: 'captured next to the server',
  path: 'captured between the endpoints',
  local: 'both endpoints on the capturing host',
  unknown: 'capture point not known',
};

/** State of each side at the capture's first segment (before it) from the transitions. */
function initialStates(ladder: LadderReport): { client: StateName; server: StateName } {
  const conn = ladder.connection;
  const first = ladder.rows[0];
  const before = (side: 'client' | 'server'): StateName => {
    const t = conn.transitions.find((x) => x.endpoint === side);
    if (t) return t.from;
    if (first) return side === 'client' ? first.clientState : first.serverState;
    return conn[side].state;
  };
  return { client: before('client'), server: before('server') };
}

/** Each side's state just before `row`, for the line after an elision. */
function statesBefore(ladder: LadderReport, row: LadderRow): { client: StateName; server: StateName } {
  const init = initialStates(ladder);
  const side = (s: 'client' | 'server'): StateName => {
    const changed = s === 'client' ? row.clientChanged : row.serverChanged;
    if (!changed) return s === 'client' ? row.clientState : row.serverState;
    let state = init[s];
    for (const t of ladder.connection.transitions) {
      if (t.endpoint === s && (t.frame < row.frame || (t.frame === row.frame && t.t < row.t))) state = t.to;
    }
    return state;
  };
  return { client: side('client'), server: side('server') };
}

/**
 * The ladder as text, ending with a newline. Rows are drawn as given (see
 * `elideRows`); when `ladder.elided` > 0 a "not shown" line marks the gap.
 */
export function renderLadder(ladder: LadderReport, opts: LadderOptions): string {
  const p = palette(opts.color);
  const width = Math.max(60, Math.floor(opts.width) || 100);
  const conn = ladder.connection;
  const rows = ladder.rows;

  const times = rows.map((r) => r.rel.toFixed(6));
  const timeW = Math.max(4, ...times.map((s) => s.length));
  const frameW = Math.max(5, ...rows.map((r) => String(r.frame).length));
  const prefixW = timeW + 2 + frameW + 2;
  const fixed = prefixW + STATE_W + 1 + 1 + STATE_W;
  // Notes (retransmission, anomaly tags) go after the server column; they may run past
  // the width rather than squeeze the arrows below their labels.
  const notesW = Math.max(
    0,
    ...rows.map((r) => (r.retransmission ? 17 : 0) + r.anomalies.reduce((s, k) => s + k.length + 3, 0)),
  );
  const avail = Math.min(MAX_ARROW, width - fixed - (notesW > 0 ? Math.min(notesW, 20) + 1 : 0));
  let labels: string[] = [];
  let compact = 0;
  for (; compact <= 2; compact++) {
    labels = rows.map((r) => segmentLabel(r, opts.absolute, compact));
    if (Math.max(0, ...labels.map((l) => l.length + 8)) <= avail) break;
  }
  const arrowW = Math.max(24, avail, ...labels.map((l) => l.length + 8));
  const serverCol = prefixW + STATE_W + 1 + arrowW + 1;

  // An inferred change (not shown by the capture directly) carries a '*'.
  const stateCell = (s: StateName | '', changed: boolean, inferred = false) =>
    padEnd(changed ? p.bold(inferred ? `${s}*` : s) : s, STATE_W);
  /** A line with no arrow: just the two states (initial, after a gap, final). */
  const statesLine = (time: string, client: string, server: string) =>
    `${padStart(time, timeW)}  ${' '.repeat(frameW)}  ${padEnd(client, STATE_W)} ${' '.repeat(arrowW)} ${server}`;
  const header = (left: string, client: string, server: string) =>
    `${padEnd(`${left}${client}`, serverCol)}${server}`;

  const out: string[] = [];
  out.push(`${p.bold(`Connection #${conn.id}`)}  ${connectionLabel(conn)}`);
  if (conn.tunnel) out.push(...wrap(`via ${sanitize(formatTunnels(conn.tunnel))}`, width));
  const about = [
    `${plural(rows.length + ladder.elided, 'segment')} in ${formatDuration(conn.duration)} from ${formatIso(conn.start)}`,
    `Zeek conn_state ${sanitize(conn.connState)}, history ${sanitize(conn.history)}`,
  ];
  out.push(...wrap(about.join('; '), width));
  const notesLine = [
    opts.absolute ? 'absolute sequence numbers' : 'relative sequence numbers (--absolute for raw)',
    ...(rows.length === 0 || compact === 0 ? [] : ['windows left out to fit the width']),
    'time in seconds since the first segment',
  ];
  if (conn.roleInferred) notesLine.push('roles inferred: no SYN seen');
  if (conn.midstream) notesLine.push('picked up mid-stream: states inferred');
  notesLine.push(VANTAGE_NOTE[conn.vantage ?? 'unknown']);
  if (rows.some((r) => r.clientInferred || r.serverInferred))
    notesLine.push('* inferred: not shown by the capture directly');
  if (conn.oneWay) notesLine.push('one direction captured only');
  out.push(...wrap(notesLine.join('; '), width).map((l) => p.dim(l)));
  if (conn.anomalies.length > 0) {
    const list = conn.anomalies.map((k) => p.severity(KIND_BY_NAME.get(k)?.severity ?? 'info', sanitize(k)));
    out.push(`anomalies: ${list.join(', ')}`);
  }
  out.push('');

  out.push(p.bold(header(`${padStart('time', timeW)}  ${padStart('frame', frameW)}  `, 'client', 'server')));
  out.push(
    header(
      ' '.repeat(prefixW),
      sanitize(endpointLabel(conn.client.addr, conn.client.port)),
      sanitize(endpointLabel(conn.server.addr, conn.server.port)),
    ),
  );
  const init = initialStates(ladder);
  out.push(p.dim(statesLine('', init.client, init.server)));

  const gapAt = ladder.elided > 0 ? (ladder.elidedAfter ?? Math.ceil(rows.length / 2)) : -1;
  rows.forEach((r, i) => {
    if (i === gapAt) {
      out.push(
        p.dim(
          `${' '.repeat(prefixW)}... ${formatCount(ladder.elided)} segments not shown (--all to show every segment) ...`,
        ),
      );
      const st = ladder.elidedStates ?? statesBefore(ladder, r);
      out.push(p.dim(statesLine('', st.client, st.server)));
    }
    const colour = r.flags.includes('R') ? p.rst : r.dir === 'c2s' ? p.c2s : p.s2c;
    const line =
      `${padStart(at(times, i), timeW)}  ${padStart(String(r.frame), frameW)}  ` +
      `${stateCell(first(r.clientSteps, r.clientChanged ? r.clientState : ''), r.clientChanged, !r.clientSteps && r.clientInferred)} ` +
      `${colour(arrow(at(labels, i), arrowW, r.dir))} ` +
      `${stateCell(first(r.serverSteps, r.serverChanged ? r.serverState : ''), r.serverChanged, !r.serverSteps && r.serverInferred)}`;
    const tags = [
      ...(r.retransmission ? [p.warn('[retransmission]')] : []),
      ...(r.duplicate ? [p.dim('[duplicate]')] : []),
      ...r.anomalies.map((k) => p.severity(KIND_BY_NAME.get(k)?.severity ?? 'info', `[${sanitize(k)}]`)),
    ];
    out.push(tags.length > 0 ? `${line}  ${tags.join(' ')}` : line);
    // The states a side passed through before the row's last one, one per line.
    const cSteps = r.clientSteps ?? [];
    const sSteps = r.serverSteps ?? [];
    const extra = Math.max(cSteps.length, sSteps.length) - 1;
    for (let k = 0; k < extra; k++) {
      const cs = cSteps.length > 1 ? (cSteps[k + 1] ?? '') : '';
      const ss = sSteps.length > 1 ? (sSteps[k + 1] ?? '') : '';
      out.push(
        `${' '.repeat(timeW)}  ${' '.repeat(frameW)}  ${stateCell(cs, cs !== '', cs !== '' && k + 1 === cSteps.length - 1 && r.clientInferred)} ${' '.repeat(arrowW)} ${stateCell(ss, ss !== '', ss !== '' && k + 1 === sSteps.length - 1 && r.serverInferred)}`,
      );
    }
  });
  if (rows.length === 0) out.push(p.dim(`${' '.repeat(prefixW)}(no segments)`));

  // Each side's state at the end of the capture (TIME_WAIT may have expired by then, RFC 9293 3.6.1).
  out.push(p.dim(statesLine('end', conn.client.state, conn.server.state)));
  return `${out.map((l) => trimEndAnsi(l)).join('\n')}\n`;
}
