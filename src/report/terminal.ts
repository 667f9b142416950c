/**
 * The human report (`tcptrace-ts <capture>`): capture summary, endpoint states,
 * anomalies by kind with their hint, and a table of connections.
 *
 * Made to be read in one screen: with many connections (tens of thousands) it
 * keeps to about DEFAULT_MAX_LINES lines (worst anomalies and connections first,
 * the rest counted); with few it shows everything. `all` lifts every limit.
 *
 * With text-table.ts, the only modules that import cli-table3, so the CLI can load them lazily.
 */
import { formatTunnelsShort } from '../decode/tunnel.js';
import { formatDuration } from '../model/duration.js';
import { KIND_BY_NAME } from '../model/kinds.js';
import { bySeverity, SEVERITY_RANK } from '../model/severity.js';
import { anomalyWhere, compareWorst, kindSeverity } from './anomaly-text.js';
import {
  endpointLabel,
  formatBytes,
  formatClock,
  formatCount,
  formatIso,
  padEnd,
  plural,
  sameUtcDay,
  stateCounts,
  stripAnsi,
  truncate,
  trimEndAnsi,
  visibleLength,
  wrap,
} from './format.js';
import type { AnomalyReport, ConnectionReport, Report, Severity } from '../model/report.js';
import { type Palette, palette } from './palette.js';
import { sanitize } from './sanitize.js';
import { at } from '../model/checked.js';
import { GAP, layoutTable } from './text-table.js';

export interface TerminalOptions {
  color: boolean;
  /** Terminal width in columns (80 when unknown). */
  width: number;
  /** Show every connection, anomaly example, host and warning. */
  all: boolean;
  /** Line budget for large reports (default DEFAULT_MAX_LINES); ignored with `all`. */
  maxLines?: number;
}

export const DEFAULT_MAX_LINES = 60;
/** Up to this many connections, the table shows them all. */
export const FULL_TABLE_MAX = 25;
const MIN_WIDTH = 40;
const LABEL_W = 10;
const MAX_FILES = 3;
const MAX_WARNINGS = 5;
const MAX_HOSTS = 5;
const ANOMALY_BUDGET = 26;

interface Ctx {
  p: Palette;
  width: number;
  all: boolean;
  withDate: boolean;
  connById: Map<number, ConnectionReport>;
  severities: Map<string, Severity>;
}

export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width) || 80);
  const maxLines = opts.maxLines ?? DEFAULT_MAX_LINES;
  const severities = new Map<string, Severity>();
  for (const a of report.anomalies) if (!severities.has(a.kind)) severities.set(a.kind, a.severity);
  const ctx: Ctx = {
    p: palette(opts.color),
    width,
    all: opts.all,
    withDate: !sameUtcDay(report.capture.start, report.capture.end),
    connById: new Map(report.connections.map((c) => [c.id, c])),
    severities,
  };

  const lines: string[] = [];
  lines.push(...summarySection(report, ctx), '');
  lines.push(...statesSection(report, ctx), '');
  if (report.anomalies.length > 0) lines.push(...anomaliesSection(report, ctx), '');
  // The table gets what the line budget leaves.
  const left = maxLines - lines.length - 4;
  lines.push(...connectionsSection(report, ctx, left));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // Every section fits the width by itself; the cut is a last resort for very narrow
  // terminals, where the connections table cannot shrink further.
  return `${lines.map((l) => truncate(trimEndAnsi(l), width)).join('\n')}\n`;
}

// --- Capture summary -------------------------------------------------------------------

function label(ctx: Ctx, name: string): string {
  return ctx.p.bold(padEnd(name, LABEL_W));
}

/** A labelled line whose text wraps under the label. */
function labelled(ctx: Ctx, name: string, text: string): string[] {
  const avail = ctx.width - LABEL_W;
  return wrap(text, avail).map((l, i) => (i === 0 ? label(ctx, name) : ' '.repeat(LABEL_W)) + l);
}

function summarySection(report: Report, ctx: Ctx): string[] {
  const { p } = ctx;
  const cap = report.capture;
  const out: string[] = [];

  const files = cap.files.map(sanitize);
  const shown = ctx.all ? files : files.slice(0, MAX_FILES);
  const more = files.length - shown.length;
  const fileText = (shown.length > 0 ? shown.join(', ') : '(none)') + (more > 0 ? ` (+${more} more)` : '');
  const fmt = [sanitize(cap.format) + (cap.gzip ? ', gzip' : '')];
  if (cap.linkTypes.length > 0) fmt.push(`link ${cap.linkTypes.map(sanitize).join(', ')}`);
  out.push(...labelled(ctx, 'Capture', `${fileText}  [${fmt.join('; ')}]`));

  const skippedTotal = Object.values(cap.skipped).reduce((s, n) => s + n, 0);
  let packets = `${plural(cap.packets, 'packet')}, ${plural(cap.tcpPackets, 'TCP segment')}`;
  if (skippedTotal > 0) {
    const reasons = Object.entries(cap.skipped)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${formatCount(n)} ${sanitize(r)}`)
      .join(', ');
    packets += `; skipped ${formatCount(skippedTotal)} (${reasons})`;
  }
  out.push(...labelled(ctx, 'Packets', packets));

  if (cap.start !== null && cap.end !== null) {
    out.push(
      ...labelled(
        ctx,
        'Time',
        `${formatIso(cap.start)} → ${formatIso(cap.end)}  (${formatDuration(cap.end - cap.start)})`,
      ),
    );
  } else {
    out.push(label(ctx, 'Time') + p.dim('no timestamps (no packets)'));
  }

  const conns = report.connections;
  // Info kinds (capture-ended-open, port reuse, keep-alive, ...) are facts, not problems: not counted here.
  const withAnomalies = conns.filter((c) =>
    c.anomalies.some((k) => kindSeverity(k, ctx.severities) !== 'info'),
  ).length;
  let connText = plural(conns.length, 'connection');
  if (withAnomalies > 0) connText += ` (${formatCount(withAnomalies)} with anomalies)`;
  if (report.summarised.connections > 0) {
    connText += `; ${formatCount(report.summarised.connections)} more summarised as counts only`;
  }
  out.push(...labelled(ctx, 'Conns', connText));

  const quality = qualityText(report);
  if (quality) out.push(...labelled(ctx, 'Quality', quality).map((l) => p.warn(l)));

  if (cap.truncated) {
    out.push(
      ...labelled(ctx, 'Warning', 'the capture is truncated: analysed up to the cut').map((l) => p.warn(l)),
    );
  }
  if (cap.damaged) {
    const text =
      'the capture is damaged: reading stopped at an impossible header, what came before was analysed';
    out.push(...labelled(ctx, 'Warning', text).map((l) => p.warn(l)));
  }
  const warnings = cap.warnings.map(sanitize);
  const shownWarnings = ctx.all ? warnings : warnings.slice(0, MAX_WARNINGS);
  for (const w of shownWarnings) out.push(...labelled(ctx, 'Warning', w).map((l) => p.warn(l)));
  if (warnings.length > shownWarnings.length) {
    out.push(
      ' '.repeat(LABEL_W) +
        p.dim(`… ${formatCount(warnings.length - shownWarnings.length)} more warnings (--all)`),
    );
  }
  if (cap.unavailable && cap.unavailable.length > 0) {
    out.push(
      ...labelled(ctx, 'Missing', `not in this input: ${cap.unavailable.map(sanitize).join(', ')}`).map((l) =>
        p.dim(l),
      ),
    );
  }

  if (report.gate) {
    const failed = report.gate.rules.filter((r) => !r.passed);
    const verdict = report.gate.passed
      ? p.good(`passed (${plural(report.gate.rules.length, 'rule')})`)
      : p.bad(`FAILED ${failed.length} of ${plural(report.gate.rules.length, 'rule')}`);
    out.push(label(ctx, 'Gate') + verdict);
    for (const r of failed) {
      // The message names its rule already (`fail-on error: 3 anomalies ...`, `mid-stream-rst: 3 > max 0`).
      const named = [r.name, r.target].some((n) => n !== undefined && r.message.startsWith(`${n}: `));
      const text = named ? r.message : `${r.name}: ${r.message}`;
      out.push(
        ...wrap(`✗ ${sanitize(text)}`, ctx.width - LABEL_W - 2).map((l) => ' '.repeat(LABEL_W) + p.bad(l)),
      );
    }
  }
  return out;
}

/**
 * What the capture itself missed or doubled (SPEC.md "Evidence, vantage point
 * and capture quality"), and where it was taken, in one line; null when there
 * is nothing to say.
 */
function qualityText(report: Report): string | null {
  const q = report.capture.quality;
  if (!q) return null;
  const parts: string[] = [];
  if (q.captureGaps > 0)
    parts.push(
      `the capture missed ~${formatCount(q.captureGaps)} segment${q.captureGaps === 1 ? '' : 's'} in ${plural(q.connectionsWithGaps, 'connection')}`,
    );
  if (q.oneWayConnections > 0) parts.push(`${plural(q.oneWayConnections, 'connection')} seen one way only`);
  if (q.duplicates > 0)
    parts.push(`${plural(q.duplicates, 'duplicate frame')} (captured twice, not retransmissions)`);
  if (q.interfaceDrops !== null && q.interfaceDrops > 0)
    parts.push(`the interface dropped ${plural(q.interfaceDrops, 'packet')}`);
  if (parts.length === 0) return null;
  return `${parts.join('; ')}: diagnoses that rest on a missing segment are withheld where this explains it`;
}

// --- Endpoint states -------------------------------------------------------------------

function statesSection(report: Report, ctx: Ctx): string[] {
  const { p } = ctx;
  const st = report.states;
  const out = [p.bold('Endpoint states at the end of the capture')];
  out.push(
    ...wrap(`client  ${stateCounts(st.client, st.oldest?.client, report.capture.end)}`, ctx.width - 2).map(
      (l, i) => (i ? '          ' : '  ') + l,
    ),
  );
  out.push(
    ...wrap(`server  ${stateCounts(st.server, st.oldest?.server, report.capture.end)}`, ctx.width - 2).map(
      (l, i) => (i ? '          ' : '  ') + l,
    ),
  );

  // Host lines, except in a small capture where a side has a single host: the side's
  // line and the table already say all of it.
  const hostsPerSide = { client: 0, server: 0 };
  for (const h of st.hosts) hostsPerSide[h.side]++;
  const small = report.connections.length <= FULL_TABLE_MAX;
  const hosts = st.hosts.filter((h) => !small || hostsPerSide[h.side] > 1).sort((a, b) => b.total - a.total);
  const shown = ctx.all ? hosts : hosts.slice(0, MAX_HOSTS);
  if (shown.length > 0) {
    out.push(p.dim(`  busiest hosts:`));
    for (const h of shown) {
      out.push(truncate(`    ${h.side} ${sanitize(h.host)}: ${stateCounts(h.states)}`, ctx.width));
    }
    if (hosts.length > shown.length)
      out.push(p.dim(`    … ${plural(hosts.length - shown.length, 'more host')}`));
  }
  if (report.summarised.connections > 0) {
    out.push(
      truncate(
        `  summarised (${formatCount(report.summarised.connections)} connections): ${stateCounts(report.summarised.states)}`,
        ctx.width,
      ),
    );
  }
  return out;
}

// --- Anomalies -------------------------------------------------------------------------

interface KindGroup {
  kind: string;
  severity: Severity;
  items: AnomalyReport[];
  /** Raised in all: items.length, or more when the report lists only some (Report.anomalyCounts). */
  total: number;
  connections: number;
}

function groupAnomalies(anomalies: AnomalyReport[], counts?: Record<string, number>): KindGroup[] {
  const byKind = new Map<string, AnomalyReport[]>();
  for (const a of anomalies) {
    let list = byKind.get(a.kind);
    if (!list) byKind.set(a.kind, (list = []));
    list.push(a);
  }
  const groups: KindGroup[] = [];
  for (const [kind, items] of byKind) {
    const severity = items.reduce<Severity>(
      (w, a) => (SEVERITY_RANK[a.severity] < SEVERITY_RANK[w] ? a.severity : w),
      'info',
    );
    const conns = new Set(items.map((a) => a.connection).filter((c) => c !== null));
    const total = Math.max(items.length, counts?.[kind] ?? 0);
    groups.push({ kind, severity, items, total, connections: conns.size });
  }
  groups.sort(
    (a, b) => bySeverity(a.severity, b.severity) || b.total - a.total || (a.kind < b.kind ? -1 : 1),
  );
  return groups;
}

const SEV_LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'info' };
const SEV_W = 9;

function kindBlock(group: KindGroup, ctx: Ctx, examples: number): string[] {
  const { p } = ctx;
  const indent = ' '.repeat(2 + SEV_W);
  const avail = ctx.width - indent.length;
  const info = KIND_BY_NAME.get(group.kind);
  const kind = sanitize(group.kind);
  let count = `×${formatCount(group.total)}`;
  if (
    group.connections > 0 &&
    group.connections !== group.items.length &&
    group.total === group.items.length
  ) {
    count += ` on ${plural(group.connections, 'connection')}`;
  }
  const head = `  ${p.severity(group.severity, padEnd(SEV_LABEL[group.severity], SEV_W))}${p.bold(kind)} ${count}`;
  const title = info ? `  ${info.title}` : '';
  const out = [truncate(head + (visibleLength(head + title) <= ctx.width ? p.dim(title) : ''), ctx.width)];
  // An info kind is one line (routine port reuse can come by the ten thousand); --all shows its examples.
  if (group.severity === 'info' && !ctx.all) return out;

  const hint = sanitize(group.items.find((a) => a.hint)?.hint ?? info?.hint ?? '');
  if (hint) out.push(...wrap(`hint: ${hint}`, avail).map((l) => indent + p.dim(l)));

  // The worst examples are chosen, then listed in capture order (#1 before #2), as the table lists them.
  const sorted = [...group.items].sort(compareWorst);
  const shown = sorted
    .slice(0, examples)
    .sort((a, b) => (a.connection ?? 0) - (b.connection ?? 0) || a.t - b.t);
  for (const a of shown) {
    const where = anomalyWhere(a, a.connection === null ? undefined : ctx.connById.get(a.connection));
    const prefix = `${where}  ${formatClock(a.t, ctx.withDate)}  `;
    const text = prefix + sanitize(a.message);
    const wrapped = wrap(text, avail - 2, avail);
    out.push(indent + at(wrapped, 0));
    for (const l of wrapped.slice(1)) out.push(`${indent}  ${l}`);
  }
  if (group.total > shown.length)
    out.push(indent + p.dim(`… ${formatCount(group.total - shown.length)} more`));
  return out;
}

function anomaliesSection(report: Report, ctx: Ctx): string[] {
  const { p } = ctx;
  const groups = groupAnomalies(report.anomalies, report.anomalyCounts);
  const bySev: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const g of groups) bySev[g.severity] += g.total;
  const counts = (['error', 'warning', 'info'] as const)
    .filter((s) => bySev[s] > 0)
    .map((s) => p.severity(s, plural(bySev[s], s === 'info' ? 'info' : s, s === 'info' ? 'info' : `${s}s`)));
  const out = [`${p.bold('Anomalies')}  ${counts.join(', ')}  (${plural(groups.length, 'kind')})`];

  if (ctx.all) {
    for (const g of groups) out.push(...kindBlock(g, ctx, Number.POSITIVE_INFINITY));
    return out;
  }
  // Fewer examples per kind when there are many kinds; kinds that do not fit the
  // budget are listed on one line (errors come first, so they are the ones shown).
  const examples = groups.length <= 2 ? 3 : groups.length <= 4 ? 2 : 1;
  const rest: KindGroup[] = [];
  for (const g of groups) {
    const block = kindBlock(g, ctx, examples);
    if (rest.length === 0 && (out.length === 1 || out.length + block.length <= ANOMALY_BUDGET))
      out.push(...block);
    else rest.push(g);
  }
  if (rest.length > 0) {
    const list = rest.map((g) => p.severity(g.severity, `${sanitize(g.kind)} ×${formatCount(g.total)}`));
    out.push(...wrapColoured(`  also: `, list, ', ', ' (--all for details)', ctx.width));
  }
  return out;
}

/** Join coloured items with wrapping on item boundaries. */
function wrapColoured(prefix: string, items: string[], sep: string, suffix: string, width: number): string[] {
  const lines: string[] = [];
  let line = prefix;
  const indent = ' '.repeat(visibleLength(prefix));
  items.forEach((item, i) => {
    const piece = item + (i < items.length - 1 ? sep : suffix);
    if (visibleLength(line) + visibleLength(piece) > width && visibleLength(line) > indent.length) {
      lines.push(line);
      line = indent;
    }
    line += piece;
  });
  lines.push(line);
  return lines;
}

// --- Connections table -----------------------------------------------------------------

interface Column {
  head: string;
  align?: 'left' | 'right';
  /** Left out when no shown row has a value (what the data has, not the width, decides). */
  hideEmpty?: boolean;
  cell: (c: ConnectionReport, ctx: Ctx) => string;
}

/**
 * An endpoint's state. Room for how long it has been in it: when the model
 * carries `since` (SPEC.md "Evidence, vantage point and capture quality"),
 * that goes here, after the state name.
 */
function stateCell(state: string): string {
  return state;
}

/**
 * The table's columns: the same at any width (issue 21). Endpoints are never
 * cut; when a row does not fit on one line, the figures (duration to retx) move
 * to a line of their own under it, then the two endpoints stack in one column
 * (fitLayout).
 */
const COLUMNS: Column[] = [
  { head: 'id', align: 'right', cell: (c) => `${c.id}${c.roleInferred ? '?' : ''}` },
  { head: 'client', cell: (c) => sanitize(endpointLabel(c.client.addr, c.client.port)) },
  { head: 'server', cell: (c) => sanitize(endpointLabel(c.server.addr, c.server.port)) },
  { head: 'client state', cell: (c) => stateCell(c.client.state) },
  { head: 'server state', cell: (c) => stateCell(c.server.state) },
  { head: 'duration', align: 'right', cell: (c) => formatDuration(c.duration) },
  {
    head: 'pkts c/s',
    align: 'right',
    cell: (c) => `${formatCount(c.client.packets)}/${formatCount(c.server.packets)}`,
  },
  {
    head: 'bytes c/s',
    align: 'right',
    cell: (c) => `${formatBytes(c.client.bytes)} / ${formatBytes(c.server.bytes)}`,
  },
  {
    head: 'retx c/s',
    align: 'right',
    hideEmpty: true,
    cell: (c) =>
      c.client.retransmissions + c.server.retransmissions === 0
        ? ''
        : `${formatCount(c.client.retransmissions)}/${formatCount(c.server.retransmissions)}`,
  },
  {
    // Tunnelled connections only: two tenants may share an inner 4-tuple.
    head: 'via',
    hideEmpty: true,
    cell: (c) => (c.tunnel ? sanitize(formatTunnelsShort(c.tunnel)) : ''),
  },
  {
    head: 'anomalies',
    hideEmpty: true,
    // Kinds joined by ", " wrap at their boundaries; no kind is ever cut.
    cell: (c, ctx) =>
      c.anomalies.map((k) => ctx.p.severity(kindSeverity(k, ctx.severities), sanitize(k))).join(', '),
  },
];

const C = {
  id: 0,
  client: 1,
  server: 2,
  clientState: 3,
  serverState: 4,
  duration: 5,
  packets: 6,
  bytes: 7,
  retx: 8,
  via: 9,
  anomalies: 10,
} as const;
/** The figures that move under the row when it does not fit on one line (and the tunnel, if any). */
const FIGURES = [C.duration, C.packets, C.bytes, C.retx, C.via];

/** Worst severity among a connection's anomaly kinds (3 when none). */
function connRank(c: ConnectionReport, ctx: Ctx): number {
  let r = 3;
  for (const k of c.anomalies) r = Math.min(r, SEVERITY_RANK[kindSeverity(k, ctx.severities)]);
  return r;
}

/**
 * How the table fits `width`, widest first:
 * - `one-line`: every column on the row's line, anomalies wrapped;
 * - `figures-below`: duration, packets, bytes and retransmissions on a line under the row;
 * - `anomalies-below`: the anomalies on that line too;
 * - `stacked`: figures below, the server under the client in one column, anomalies beside;
 * - `stacked-anomalies-below`: stacked, and the anomalies below.
 * Endpoints and kind names keep their full width in every layout.
 */
type Layout = 'one-line' | 'figures-below' | 'anomalies-below' | 'stacked' | 'stacked-anomalies-below';

interface Fit {
  layout: Layout;
  /** The columns on the row's line: indexes into COLUMNS, or -1 for the stacked endpoints. */
  cols: number[];
  widths: number[];
}

const ENDPOINTS = -1;
const ENDPOINTS_HEAD = 'client → server';

function fitLayout(cells: string[][], ctx: Ctx): Fit {
  const natural = COLUMNS.map((col, i) =>
    Math.max(visibleLength(col.head), ...cells.map((row) => visibleLength(at(row, i)))),
  );
  // The anomalies column shrinks down to its longest kind name, never below.
  const longestKind = Math.max(
    visibleLength(at(COLUMNS, C.anomalies).head),
    // A kind that is followed by another carries its comma on its line.
    ...cells.flatMap((row) =>
      stripAnsi(at(row, C.anomalies))
        .split(', ')
        .map((k, i, all) => visibleLength(k) + (i < all.length - 1 ? 1 : 0)),
    ),
  );
  const endpoints = Math.max(at(natural, C.client), 2 + at(natural, C.server), visibleLength(ENDPOINTS_HEAD));
  const width = (i: number) => (i === ENDPOINTS ? endpoints : at(natural, i));
  const total = (cols: number[], anomalies: number) =>
    cols.reduce((s, i) => s + (i === C.anomalies ? anomalies : width(i)), 0) + GAP * (cols.length - 1);
  const present = (i: number) => !at(COLUMNS, i).hideEmpty || cells.some((row) => row[i] !== '');
  const anomalies = present(C.anomalies);
  const candidates: [Layout, number[]][] = [
    ['one-line', COLUMNS.map((_, i) => i).filter(present)],
    ['figures-below', [C.id, C.client, C.server, C.clientState, C.serverState, C.anomalies]],
    ['anomalies-below', [C.id, C.client, C.server, C.clientState, C.serverState]],
    ['stacked', [C.id, ENDPOINTS, C.clientState, C.serverState, C.anomalies]],
    ['stacked-anomalies-below', [C.id, ENDPOINTS, C.clientState, C.serverState]],
  ].filter(([, cols]) => anomalies || !(cols as number[]).includes(C.anomalies)) as [Layout, number[]][];
  let pick = at(candidates, candidates.length - 1);
  for (const cand of candidates) {
    if (total(cand[1], longestKind) <= ctx.width) {
      pick = cand;
      break;
    }
  }
  const [layout, cols] = pick;
  const widths = cols.map(width);
  const a = cols.indexOf(C.anomalies);
  if (a >= 0) {
    // The anomalies column takes what is left, up to its natural width.
    const rest = total(cols, 0);
    widths[a] = Math.max(longestKind, Math.min(at(natural, C.anomalies), ctx.width - rest));
  }
  return { layout, cols, widths };
}

/** The lines under a row with what its line has no room for: `duration 8.2 ms  pkts c/s 6/4 ...`, `anomalies ...`. */
function belowLines(row: string[], fit: Fit): string[] {
  const figures = FIGURES.filter((i) => row[i] !== '').map((i) => `${at(COLUMNS, i).head} ${row[i]}`);
  const out = [figures.join('  ')];
  if (!fit.cols.includes(C.anomalies) && row[C.anomalies] !== '') out.push(`anomalies: ${row[C.anomalies]}`);
  return out;
}

/** Rows always shown when the table is cut to the line budget. */
const MIN_ROWS = 3;

function connectionsSection(report: Report, ctx: Ctx, budget: number): string[] {
  const { p } = ctx;
  const conns = report.connections;
  if (conns.length === 0) return [p.bold('Connections') + p.dim('  none')];

  const everything = ctx.all || conns.length <= FULL_TABLE_MAX;
  let shown = everything
    ? [...conns].sort((a, b) => a.id - b.id)
    : [...conns].sort((a, b) => connRank(a, ctx) - connRank(b, ctx) || a.id - b.id).slice(0, FULL_TABLE_MAX);

  let cells = shown.map((c) => COLUMNS.map((col) => col.cell(c, ctx)));
  const fit = fitLayout(cells, ctx);
  const head = fit.cols.map((i) => (i === ENDPOINTS ? ENDPOINTS_HEAD : at(COLUMNS, i).head));
  const aligns = fit.cols.map((i) => (i === ENDPOINTS ? 'left' : (at(COLUMNS, i).align ?? 'left')));
  const wrapCol = fit.cols.includes(C.anomalies) ? fit.cols.indexOf(C.anomalies) : null;
  const rowCells = (row: string[]) =>
    fit.cols.map((i) => (i === ENDPOINTS ? `${row[C.client]}\n→ ${row[C.server]}` : at(row, i)));
  // A row's lines, then what its line has no room for under it, indented past the id.
  const indent = ' '.repeat(at(fit.widths, 0) + GAP);
  const rowLines = (row: string[]): string[] => {
    const out = layoutTable(head, [rowCells(row)], fit.widths, aligns, wrapCol, 'fast').slice(1);
    if (fit.layout !== 'one-line') {
      for (const below of belowLines(row, fit)) {
        out.push(...wrap(below, ctx.width - indent.length).map((l) => indent + l));
      }
    }
    return out;
  };

  let title = `${p.bold('Connections')}  ${formatCount(conns.length)}`;
  let tableLines: string[];
  if (everything && fit.layout === 'one-line') {
    tableLines = layoutTable(head, cells.map(rowCells), fit.widths, aligns, wrapCol);
  } else {
    const groups = cells.map(rowLines);
    if (!everything) {
      // As many of the worst connections as the line budget holds (rows can take several lines).
      let n = 0;
      let used = 0;
      while (n < groups.length && (n < MIN_ROWS || used + at(groups, n).length <= budget))
        used += at(groups, n++).length;
      shown = shown.slice(0, n);
      cells = cells.slice(0, n);
      groups.length = n;
      title += p.dim(`  (showing ${shown.length}: with anomalies first, errors first)`);
    }
    tableLines = [at(layoutTable(head, [], fit.widths, aligns, wrapCol, 'fast'), 0), ...groups.flat()];
  }
  tableLines[0] = p.bold(at(tableLines, 0));

  const out = [title, ...tableLines];
  const hidden = conns.length - shown.length;
  if (hidden > 0) {
    out.push(p.dim(`… ${plural(hidden, 'more connection')} not shown (--all to show all)`));
  }
  if (shown.some((c) => c.roleInferred)) out.push(p.dim('? roles inferred: no SYN seen'));
  return out;
}
