/**
 * The human report (`tcptrace-ts <capture>`): capture summary, endpoint states,
 * anomalies by kind with their hint, and a table of connections.
 *
 * Made to be read in one screen: with many connections (tens of thousands) it
 * keeps to about DEFAULT_MAX_LINES lines (worst anomalies and connections first,
 * the rest counted); with few it shows everything. `all` lifts every limit.
 *
 * The only module that imports cli-table3, so the CLI can load it lazily.
 */
import Table from 'cli-table3';
import { formatTunnelsShort } from '../decode/tunnel.js';
import { KIND_BY_NAME } from '../detect/kinds.js';
import { anomalyWhere, compareWorst, kindSeverity } from './anomaly-text.js';
import {
  endpointLabel,
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatIso,
  padEnd,
  padStart,
  plural,
  SEVERITY_RANK,
  sameUtcDay,
  stateCounts,
  truncate,
  trimEndAnsi,
  visibleLength,
  wrap,
} from './format.js';
import type { AnomalyReport, ConnectionReport, Report, Severity } from './model.js';
import { type Palette, palette } from './palette.js';
import { sanitize } from './sanitize.js';

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
  const withAnomalies = conns.filter((c) => c.anomalies.length > 0).length;
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
      out.push(
        ...wrap(`✗ ${sanitize(r.name)}: ${sanitize(r.message)}`, ctx.width - LABEL_W - 2).map(
          (l) => ' '.repeat(LABEL_W) + p.bad(l),
        ),
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
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.total - a.total ||
      (a.kind < b.kind ? -1 : 1),
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

  const hint = sanitize(group.items.find((a) => a.hint)?.hint ?? info?.hint ?? '');
  if (hint) out.push(...wrap(`hint: ${hint}`, avail).map((l) => indent + p.dim(l)));

  const sorted = [...group.items].sort(compareWorst);
  const shown = sorted.slice(0, examples);
  for (const a of shown) {
    const where = anomalyWhere(a, a.connection === null ? undefined : ctx.connById.get(a.connection));
    const prefix = `${where}  ${formatClock(a.t, ctx.withDate)}  `;
    const text = prefix + sanitize(a.message);
    const wrapped = wrap(text, avail - 2, avail);
    out.push(indent + wrapped[0]!);
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
  /** Dropped (in ascending order) when the table does not fit. 0 = never. */
  drop: number;
  align?: 'left' | 'right';
  /** Left out when no shown row has a value. */
  hideEmpty?: boolean;
  cell: (c: ConnectionReport, ctx: Ctx) => string;
}

const COLUMNS: Column[] = [
  { head: 'id', drop: 0, align: 'right', cell: (c) => `${c.id}${c.roleInferred ? '?' : ''}` },
  { head: 'client', drop: 0, cell: (c) => sanitize(endpointLabel(c.client.addr, c.client.port)) },
  { head: 'server', drop: 0, cell: (c) => sanitize(endpointLabel(c.server.addr, c.server.port)) },
  { head: 'client state', drop: 0, cell: (c) => c.client.state },
  { head: 'server state', drop: 0, cell: (c) => c.server.state },
  { head: 'duration', drop: 4, align: 'right', cell: (c) => formatDuration(c.duration) },
  {
    head: 'pkts c/s',
    drop: 2,
    align: 'right',
    cell: (c) => `${formatCount(c.client.packets)}/${formatCount(c.server.packets)}`,
  },
  {
    head: 'bytes c/s',
    drop: 3,
    align: 'right',
    cell: (c) => `${formatBytes(c.client.bytes)} / ${formatBytes(c.server.bytes)}`,
  },
  {
    head: 'retx c/s',
    drop: 1,
    hideEmpty: true,
    align: 'right',
    cell: (c) =>
      c.client.retransmissions + c.server.retransmissions === 0
        ? ''
        : `${formatCount(c.client.retransmissions)}/${formatCount(c.server.retransmissions)}`,
  },
  {
    // Tunnelled connections only: two tenants may share an inner 4-tuple.
    head: 'via',
    drop: 5,
    hideEmpty: true,
    cell: (c) => (c.tunnel ? sanitize(formatTunnelsShort(c.tunnel)) : ''),
  },
  {
    head: 'anomalies',
    drop: 0,
    hideEmpty: true,
    cell: (c, ctx) =>
      c.anomalies.map((k) => ctx.p.severity(kindSeverity(k, ctx.severities), sanitize(k))).join(', '),
  },
];

const GAP = 2;
const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' '.repeat(GAP),
};

/** Past this many rows the table is laid out without cli-table3, whose layout gets slow (seconds for a few thousand rows). */
export const FAST_TABLE_ROWS = 200;

type Align = 'left' | 'right';

/**
 * The table's lines: header first, a line per row (more where `wrapCol` wraps).
 * Borderless, columns `GAP` apart, cells cut to their width with `…`. Uses
 * cli-table3, or for long tables (`--all` on a big capture) the same layout done
 * here in linear time; a test checks that both give the same text.
 */
export function layoutTable(
  head: string[],
  rows: string[][],
  widths: number[],
  aligns: Align[],
  wrapCol: number | null,
  engine: 'cli-table3' | 'fast' = rows.length > FAST_TABLE_ROWS ? 'fast' : 'cli-table3',
): string[] {
  if (engine === 'fast') {
    const gap = ' '.repeat(GAP);
    const line = (cells: string[]) =>
      cells
        .map((c, j) => (aligns[j] === 'right' ? padStart(c, widths[j]!) : padEnd(c, widths[j]!)))
        .join(gap);
    const out = [line(head.map((h, j) => truncate(h, widths[j]!)))];
    for (const row of rows) {
      const parts = row.map((c, j) => (j === wrapCol ? wrapWords(c, widths[j]!) : [truncate(c, widths[j]!)]));
      const height = Math.max(...parts.map((p) => p.length));
      for (let k = 0; k < height; k++) out.push(line(parts.map((p) => p[k] ?? '')));
    }
    return out;
  }
  const table = new Table({
    head,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colWidths: widths,
    colAligns: aligns,
    truncate: '…',
  });
  for (const row of rows) {
    table.push(
      row.map((c, j) => (j === wrapCol ? { content: c, wordWrap: true, wrapOnWordBoundary: true } : c)),
    );
  }
  return table.toString().split('\n');
}

/** Greedy word wrap of a (possibly coloured) cell on spaces; a word longer than the width is cut. */
function wrapWords(cell: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of cell.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (visibleLength(candidate) <= width) line = candidate;
    else {
      if (line !== '') lines.push(line);
      line = truncate(word, width);
    }
  }
  lines.push(line);
  return lines;
}

/** Worst severity among a connection's anomaly kinds (3 when none). */
function connRank(c: ConnectionReport, ctx: Ctx): number {
  let r = 3;
  for (const k of c.anomalies) r = Math.min(r, SEVERITY_RANK[kindSeverity(k, ctx.severities)]);
  return r;
}

/** Column widths that fit `width`: shrink the anomalies column, drop optional columns, then shrink addresses. */
function fitColumns(cells: string[][], ctx: Ctx): { cols: number[]; widths: number[] } {
  let cols = COLUMNS.map((_, i) => i).filter((i) => !COLUMNS[i]!.hideEmpty || cells.some((r) => r[i] !== ''));
  const natural = COLUMNS.map((col, i) =>
    Math.max(visibleLength(col.head), ...cells.map((row) => visibleLength(row[i]!))),
  );
  const widths = [...natural];
  const total = () => cols.reduce((s, i) => s + widths[i]!, 0) + GAP * (cols.length - 1);
  const anomalies = COLUMNS.length - 1;
  const shrink = (i: number, min: number) => {
    const over = total() - ctx.width;
    if (over > 0) widths[i] = Math.max(Math.min(min, natural[i]!), widths[i]! - over);
  };
  shrink(anomalies, 24);
  for (const level of [1, 2, 3, 4]) {
    if (total() <= ctx.width) break;
    cols = cols.filter((i) => COLUMNS[i]!.drop !== level);
  }
  shrink(anomalies, 12);
  // Addresses last: shrink the wider of the two first.
  while (total() > ctx.width) {
    const i = widths[1]! >= widths[2]! ? 1 : 2;
    if (widths[i]! <= 12) break;
    widths[i]!--;
  }
  return { cols, widths };
}

function connectionsSection(report: Report, ctx: Ctx, budget: number): string[] {
  const { p } = ctx;
  const conns = report.connections;
  if (conns.length === 0) return [p.bold('Connections') + p.dim('  none')];

  let shown: ConnectionReport[];
  let title = `${p.bold('Connections')}  ${formatCount(conns.length)}`;
  if (ctx.all || conns.length <= FULL_TABLE_MAX) {
    shown = [...conns].sort((a, b) => a.id - b.id);
  } else {
    const limit = Math.max(5, Math.min(FULL_TABLE_MAX, budget));
    shown = [...conns].sort((a, b) => connRank(a, ctx) - connRank(b, ctx) || a.id - b.id).slice(0, limit);
    title += p.dim(`  (showing ${shown.length}: with anomalies first, errors first)`);
  }

  const cells = shown.map((c) => COLUMNS.map((col) => col.cell(c, ctx)));
  const { cols, widths } = fitColumns(cells, ctx);
  const wrapAnomalies = ctx.all || conns.length <= FULL_TABLE_MAX;
  const tableLines = layoutTable(
    cols.map((i) => COLUMNS[i]!.head),
    cells.map((row) => cols.map((i) => row[i]!)),
    cols.map((i) => widths[i]!),
    cols.map((i) => COLUMNS[i]!.align ?? 'left'),
    wrapAnomalies && cols.includes(COLUMNS.length - 1) ? cols.indexOf(COLUMNS.length - 1) : null,
  );
  tableLines[0] = p.bold(tableLines[0]!);

  const out = [title, ...tableLines];
  const hidden = conns.length - shown.length;
  if (hidden > 0) {
    out.push(p.dim(`… ${plural(hidden, 'more connection')} not shown (--all to show all)`));
  }
  if (shown.some((c) => c.roleInferred)) out.push(p.dim('? roles inferred: no SYN seen'));
  return out;
}
