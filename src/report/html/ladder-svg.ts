/**
 * The ladder diagram as SVG, in the style of RFC 793 section 3.4 and the
 * textbooks: the client's timeline on the left, the server's on the right,
 * time running down, one sloping arrow a segment from its departure to its
 * arrival, and each side's state written beside its timeline where it changes
 * (after a segment it sent, or at the arrival of the one it received). Each
 * timeline is drawn in the colour of the state it is in.
 *
 * Departures and arrivals are estimates (flight.ts): the capture saw each
 * segment once, at the capture point. Time runs down by event, not to scale:
 * every departure or arrival gets its own step (two events closer than a few
 * per cent of the one-way delay share one), so that a 60 s TIME_WAIT does not
 * squash a handshake of 200 µs; long pauses are drawn as a break with their
 * length. Crossing arrows therefore mean what they mean in the textbook: each
 * segment left before the other arrived (a simultaneous close's FINs).
 *
 * Pure: returns a string, so it runs in Node (`ladder --svg`) and in the page.
 */
import { estimateFlights } from './flight.js';
import { stateColor } from './state-colors.js';
import {
  esc,
  seqSpace,
  shortDuration,
  type ViewConn,
  type ViewDetail,
  type ViewRow,
  type ViewTransition,
} from './types.js';
import { at, must } from '../../model/checked.js';

export interface LadderSvgOptions {
  /** Rows drawn at most; the middle of longer connections is left out (default 70). */
  maxRows?: number;
  /** Keep the `<?xml ?>` prolog and namespace for a standalone file. */
  standalone?: boolean;
}

type Side = 'client' | 'server';

interface Ev {
  t: number;
  ord: number;
  /** Where the event sits. */
  side: Side | 'both';
  row?: number;
  arrive?: boolean;
  /** Transitions written at this event. */
  labels: ViewTransition[];
  /** The gap where rows were left out. */
  gap?: number;
  level: number;
}

const W = 860;
const X_CLIENT = 250;
const X_SERVER = 650;
const TOP = 168;
const STEP = 26;
const LABEL_H = 15;
const BREAK_H = 26;
const CHAR_W = 6.4;
/** Arrows steeper than this (degrees) get a level label at their departure. */
const STEEP = 14;

const FLAG_WORDS: [string, string][] = [
  ['S', 'SYN'],
  ['F', 'FIN'],
  ['R', 'RST'],
  ['P', 'PSH'],
  ['U', 'URG'],
  ['E', 'ECE'],
  ['W', 'CWR'],
  ['.', 'ACK'],
];

/** `SYN,ACK seq=0 ack=1`, as the textbooks write a segment. */
export function segmentText(r: ViewRow): string {
  const words = FLAG_WORDS.filter(([c]) => r.flags.includes(c)).map(([, w]) => w);
  let s = `${words.join(',') || 'none'} seq=${r.relSeq}`;
  if (r.flags.includes('.')) s += ` ack=${r.relAck}`;
  if (r.len > 0) s += ` len=${r.len}`;
  if (r.win === 0 && !r.flags.includes('R')) s += ' win=0';
  return s;
}

function sender(r: ViewRow): Side {
  return r.dir === 'c2s' ? 'client' : 'server';
}

/** The rows drawn: all, or the first and last ones around a gap. */
function keepRows(n: number, max: number): { idx: number[]; gapAfter: number; gap: number } {
  if (n <= max) return { idx: [...Array(n).keys()], gapAfter: -1, gap: 0 };
  const head = Math.ceil(max * 0.6);
  const tail = max - head;
  const idx = [...Array(head).keys(), ...Array.from({ length: tail }, (_, k) => n - tail + k)];
  return { idx, gapAfter: head, gap: n - head - tail };
}

/** The event (departure or arrival) a transition is written at, or null to place it by its time. */
function placeTransition(
  tr: ViewTransition,
  rows: ViewRow[],
  rowByFrame: Map<number, number>,
  sendEv: Map<number, Ev>,
  arriveEv: Map<number, Ev>,
): Ev | null {
  const i = rowByFrame.get(tr.frame);
  if (i === undefined) return null;
  const r = at(rows, i);
  const own = sender(r) === tr.endpoint;
  if (/^(sent|retransmitted) /.test(tr.cause)) return own ? (sendEv.get(i) ?? null) : null;
  if (!tr.cause.startsWith('received ')) return own ? (sendEv.get(i) ?? null) : (arriveEv.get(i) ?? null);
  if (!own) return arriveEv.get(i) ?? null;
  // Its own segment proved it had received something earlier. An ACK of its SYN
  // or FIN: the first peer segment that acknowledged it.
  const ackOf = /received ACK of its (SYN|FIN)/.exec(tr.cause)?.[1]?.[0];
  if (ackOf !== undefined) {
    let k = i;
    while (k >= 0 && !(sender(at(rows, k)) === tr.endpoint && at(rows, k).flags.includes(ackOf))) k--;
    if (k >= 0) {
      const end = at(rows, k).relSeq + seqSpace(at(rows, k));
      for (let j = k + 1; j < i; j++) {
        const q = at(rows, j);
        if (sender(q) !== tr.endpoint && q.flags.includes('.') && q.relAck >= end)
          return arriveEv.get(j) ?? null;
      }
    }
  }
  // Else the latest segment from the peer of the kind it received.
  const want = /received (FIN|SYN|RST)/.exec(tr.cause)?.[1]?.[0] ?? '';
  for (let j = i - 1; j >= 0; j--) {
    const q = at(rows, j);
    if (sender(q) === tr.endpoint) continue;
    if (want === '' || q.flags.includes(want)) return arriveEv.get(j) ?? null;
  }
  return sendEv.get(i) ?? null;
}

/** The state of each side before its first transition. */
function initialState(conn: ViewConn, side: Side): string {
  const t = conn.transitions.find((x) => x.endpoint === side);
  return t ? t.from : conn[side].state;
}

/** The ladder as an SVG document (or an inline `<svg>` element). */
export function ladderSvg(detail: ViewDetail, opts: LadderSvgOptions = {}): string {
  const { conn, rows } = detail;
  const flights = estimateFlights(conn, rows);
  const { idx, gapAfter, gap } = keepRows(rows.length, opts.maxRows ?? 70);
  const rowByFrame = new Map<number, number>();
  for (const i of idx) if (!rowByFrame.has(at(rows, i).frame)) rowByFrame.set(at(rows, i).frame, i);

  // Events: departures and arrivals of the drawn rows, the gap, and transitions placed by time.
  const events: Ev[] = [];
  const sendEv = new Map<number, Ev>();
  const arriveEv = new Map<number, Ev>();
  idx.forEach((i, k) => {
    if (k === gapAfter) {
      const prev = at(flights.flights, at(idx, k - 1));
      events.push({ t: prev.arrive, ord: 4 * i - 1, side: 'both', labels: [], gap, level: 0 });
    }
    const r = at(rows, i);
    const f = at(flights.flights, i);
    const s: Ev = { t: f.send, ord: 4 * i, side: sender(r), row: i, labels: [], level: 0 };
    const a: Ev = {
      t: f.arrive,
      ord: 4 * i + 2,
      side: sender(r) === 'client' ? 'server' : 'client',
      row: i,
      arrive: true,
      labels: [],
      level: 0,
    };
    sendEv.set(i, s);
    arriveEv.set(i, a);
    events.push(s, a);
  });
  // Frames strictly inside the gap: their transitions are summed up at the gap.
  const gapLo = gap > 0 ? at(rows, at(idx, gapAfter - 1)).frame : 0;
  const gapHi = gap > 0 ? at(rows, at(idx, gapAfter)).frame : 0;
  const inGap = (frame: number) => gap > 0 && frame > gapLo && frame < gapHi;
  const placed: [ViewTransition, Ev][] = [];
  for (const tr of conn.transitions) {
    let ev = placeTransition(tr, rows, rowByFrame, sendEv, arriveEv);
    if (ev === null) {
      if (inGap(tr.frame)) continue;
      // Not at a drawn segment (a timer such as 2 x MSL): at its time.
      ev = { t: tr.t - conn.start, ord: Number.MAX_SAFE_INTEGER, side: tr.endpoint, labels: [], level: 0 };
      events.push(ev);
    }
    ev.labels.push(tr);
    placed.push([tr, ev]);
  }
  // Each side changes state in the order its transitions say. Where the flight
  // estimates disagree (an RTT far off for one segment: SYNs that crossed in a
  // simultaneous open although the smallest RTT says they could not have), the
  // estimate gives way: the event moves to just after the previous change.
  for (const side of ['client', 'server'] as const) {
    let prev = Number.NEGATIVE_INFINITY;
    for (const [tr, ev] of placed) {
      if (tr.endpoint !== side) continue;
      if (ev.t < prev) {
        ev.t = prev + 1e-9;
        if (!ev.arrive && ev.row !== undefined) {
          const a = must(arriveEv.get(ev.row), 'the arrival of a departure');
          if (a.t <= ev.t) a.t = ev.t + 1e-9;
        }
      }
      prev = ev.t;
    }
  }
  events.sort((a, b) => a.t - b.t || a.ord - b.ord);

  // Levels: a new step when time moved on, when this side already has an event on
  // the step, or for an arrival whose departure is on the step.
  const tol = Math.max(1e-6, flights.owd * 0.05);
  let level = -1;
  let levelT = Number.NEGATIVE_INFINITY;
  let used = new Set<string>();
  const levelT0: number[] = [];
  for (const e of events) {
    const sides = e.side === 'both' ? ['client', 'server'] : [e.side];
    const clash =
      sides.some((s) => used.has(s)) ||
      (e.arrive === true &&
        must(sendEv.get(must(e.row, 'the row of an arrival')), 'the departure of an arrival').level ===
          level) ||
      e.gap !== undefined ||
      used.has('gap');
    if (level < 0 || e.t - levelT > tol || clash) {
      level++;
      levelT = e.t;
      used = new Set();
      levelT0.push(e.t);
    }
    e.level = level;
    for (const s of sides) used.add(s);
    if (e.gap !== undefined) used.add('gap');
  }
  const nLevels = level + 1;
  // Heights: room for the state labels written on each step.
  const labelsAt: [number, number][] = Array.from({ length: nLevels }, () => [0, 0]);
  for (const e of events)
    for (const tr of e.labels) at(labelsAt, e.level)[tr.endpoint === 'client' ? 0 : 1]++;
  const longPause = Math.max(1, flights.owd * 20);
  const levelY: number[] = [];
  let y = TOP;
  for (let k = 0; k < nLevels; k++) {
    if (k > 0) {
      const n = Math.max(at(labelsAt, k - 1)[0], at(labelsAt, k - 1)[1]);
      y += Math.max(STEP, n * LABEL_H + 10);
      if (at(levelT0, k) - at(levelT0, k - 1) > longPause) y += BREAK_H;
    }
    levelY.push(y);
  }
  const bottom = y + 40;
  const height = bottom + 70;

  const out: string[] = [];
  const x = (s: Side) => (s === 'client' ? X_CLIENT : X_SERVER);
  // Each side's timeline, in the colour of its state, dashed where the state was inferred.
  const stateTimeline = (side: Side) => {
    let state = initialState(conn, side);
    let from = TOP - 12;
    let inferred = false;
    const segs: string[] = [];
    const seg = (y1: number, y2: number) => {
      if (y2 <= y1) return;
      const dash = inferred ? ' stroke-dasharray="5 4"' : '';
      segs.push(
        `<line x1="${x(side)}" y1="${y1.toFixed(1)}" x2="${x(side)}" y2="${y2.toFixed(1)}" stroke="${stateColor(state)}" stroke-width="5"${dash}><title>${esc(state)}</title></line>`,
      );
    };
    for (const e of events) {
      for (const tr of e.labels) {
        if (tr.endpoint !== side) continue;
        const yy = at(levelY, e.level);
        seg(from, yy);
        from = yy;
        state = tr.to;
        inferred = tr.inferred === true;
      }
      if (e.gap !== undefined) {
        // The rows left out may hold transitions: the state after them is taken from the list.
        for (const tr of conn.transitions) {
          if (tr.endpoint === side && inGap(tr.frame)) {
            state = tr.to;
            inferred = tr.inferred === true;
          }
        }
      }
    }
    seg(from, bottom);
    return segs.join('');
  };

  // Caption.
  const cl = `${conn.client.addr}:${conn.client.port}`;
  const sv = `${conn.server.addr}:${conn.server.port}`;
  const vantageText: Record<string, string> = {
    client: 'capture taken next to the client',
    server: 'capture taken next to the server',
    path: 'capture taken on the path between them',
    local: 'both endpoints on the capturing host: no time in flight',
    unknown: 'capture point unknown',
  };
  const flightText =
    flights.basis === 'none' || flights.vantage === 'local'
      ? `${flights.vantage === 'local' ? 'arrows' : 'no RTT measured: arrows'} drawn with a nominal slope`
      : `in-flight times estimated from the ${flights.basis === 'handshake' ? 'handshake' : 'smallest data'} RTT (one-way ≈ ${shortDuration(flights.owd)})`;
  const notes = [
    `${vantageText[flights.vantage]}${conn.vantage === undefined ? ' (not reported)' : ''}`,
    flightText,
    'time runs down by event, not to scale',
  ];
  if (conn.roleInferred) notes.push('roles inferred: no SYN seen');
  if (conn.midstream) notes.push('picked up mid-stream');
  if (conn.oneWay) notes.push('one direction captured only');
  if (conn.captureGaps) notes.push(`${conn.captureGaps} segment(s) the capture missed`);
  if (detail.omitted > 0) notes.push(`${detail.omitted} later segments not recorded`);
  const lines = [
    ...notes.map((n) => esc(n)),
    `${esc(`Zeek conn_state ${conn.connState}, history ${conn.history}`)}${conn.anomalies.length ? `; <tspan class="anom">anomalies: ${esc(conn.anomalies.join(', '))}</tspan>` : ''}`,
  ];
  // Two notes a line (the caption must fit the width).
  const captionLines: string[] = [];
  for (let k = 0; k < lines.length; k += 2) captionLines.push(lines.slice(k, k + 2).join('; '));
  out.push(`<text x="16" y="24" class="title">Connection #${conn.id}  ${esc(cl)} → ${esc(sv)}</text>`);
  captionLines
    .slice(0, 4)
    .forEach((l, k) => out.push(`<text x="16" y="${44 + 15 * k}" class="note">${l}</text>`));
  // Column heads and the states before the first segment.
  for (const side of ['client', 'server'] as const) {
    out.push(
      `<text x="${x(side)}" y="${TOP - 62}" class="head" text-anchor="middle">${side}</text>`,
      `<text x="${x(side)}" y="${TOP - 47}" class="addr" text-anchor="middle">${esc(side === 'client' ? cl : sv)}</text>`,
      stateBox(x(side), TOP - 24, initialState(conn, side)),
    );
  }
  out.push(`<text x="16" y="${TOP - 24}" class="note">time (s, est.)</text>`);
  out.push(stateTimeline('client'), stateTimeline('server'));

  // Long pauses: a break across both timelines with the time that passed.
  for (let k = 1; k < nLevels; k++) {
    const dt = at(levelT0, k) - at(levelT0, k - 1);
    if (dt <= longPause) continue;
    const yb = at(levelY, k) - BREAK_H / 2 - 4;
    out.push(
      `<text x="${(X_CLIENT + X_SERVER) / 2}" y="${yb + 4}" class="pause" text-anchor="middle">${esc(`… ${shortDuration(dt)} later …`)}</text>`,
    );
  }
  // Step times on the left.
  let lastTimeY = -100;
  for (let k = 0; k < nLevels; k++) {
    const yy = at(levelY, k);
    if (yy - lastTimeY < 13) continue;
    lastTimeY = yy;
    out.push(`<text x="16" y="${yy + 4}" class="time">${at(levelT0, k).toFixed(6)}</text>`);
  }

  // Arrows.
  for (const e of events) {
    if (e.gap !== undefined) {
      const yy = at(levelY, e.level);
      out.push(
        `<text x="${(X_CLIENT + X_SERVER) / 2}" y="${yy + 4}" class="pause" text-anchor="middle">${esc(`… ${e.gap} segments not shown …`)}</text>`,
      );
    }
    if (e.row === undefined || e.arrive) continue;
    const i = e.row;
    const r = at(rows, i);
    const f = at(flights.flights, i);
    const x1 = x(sender(r));
    const x2 = x(sender(r) === 'client' ? 'server' : 'client');
    const y1 = at(levelY, e.level);
    const y2 = at(levelY, must(arriveEv.get(i), 'the arrival of a departure').level);
    const cls = r.flags.includes('R') ? 'rst' : r.retransmission ? 'retx' : r.dir;
    const lostAt = 0.55;
    const xe = f.lost ? x1 + (x2 - x1) * lostAt : x2;
    const ye = f.lost ? y1 + (y2 - y1) * lostAt : y2;
    const title = `frame ${r.frame} at ${r.rel.toFixed(6)} s: ${segmentText(r)}${r.retransmission ? ' (retransmission)' : ''}${f.lost ? ' (lost, presumed: resent before any ACK)' : ''}`;
    out.push(
      `<g class="seg ${cls}" data-frame="${r.frame}"><title>${esc(title)}</title>`,
      `<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${xe.toFixed(1)}" y2="${ye.toFixed(1)}"${f.lost ? ' stroke-dasharray="6 4"' : ''}${f.lost ? '' : ' marker-end="url(#arrow)"'}/>`,
    );
    if (f.lost) {
      out.push(
        `<path d="M${xe - 6},${ye - 6}L${xe + 6},${ye + 6}M${xe - 6},${ye + 6}L${xe + 6},${ye - 6}" class="cross"/>`,
      );
    }
    // The label along the arrow, near its sender (crossing arrows keep their labels apart).
    const dx = x2 - x1;
    const dy = y2 - y1;
    const ang = (Math.atan2(dx > 0 ? dy : -dy, Math.abs(dx)) * 180) / Math.PI;
    let text = segmentText(r);
    if (r.retransmission) text = `retransmission: ${text}`;
    if (f.lost) text += ' — lost?';
    const tags = r.anomalies.length ? ` <tspan class="anom">⚠ ${esc(r.anomalies.join(', '))}</tspan>` : '';
    if (Math.abs(ang) > STEEP) {
      // Many segments in flight make steep, close arrows whose slanted labels would
      // run into each other: written level at the departure instead (one a step).
      const hx = x1 + (dx > 0 ? 8 : -8);
      out.push(
        `<text class="lbl" x="${hx}" y="${y1.toFixed(1)}" dy="-4" text-anchor="${dx > 0 ? 'start' : 'end'}">${esc(text)}${tags}</text></g>`,
      );
      continue;
    }
    const frac = Math.min(0.32, Math.max(0.2, (text.length * CHAR_W) / 2 / Math.abs(dx) + 0.03));
    const lx = x1 + dx * frac;
    const ly = y1 + dy * frac;
    out.push(
      `<text class="lbl" x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" dy="-5" text-anchor="middle" transform="rotate(${ang.toFixed(2)} ${lx.toFixed(1)} ${ly.toFixed(1)})">${esc(text)}${tags}</text></g>`,
    );
  }

  // State labels beside the timelines: bold where the state changes; after any
  // other arrival, the state it leaves the receiver in, in grey (the RFC's figures
  // write both sides' states on every line).
  const now: Record<Side, string> = {
    client: initialState(conn, 'client'),
    server: initialState(conn, 'server'),
  };
  for (const e of events) {
    if (e.gap !== undefined) {
      for (const side of ['client', 'server'] as const) {
        for (const tr of conn.transitions) if (tr.endpoint === side && inGap(tr.frame)) now[side] = tr.to;
      }
    }
    const quiet = e.side !== 'both' && now[e.side] === 'CLOSED';
    if (e.arrive && e.side !== 'both' && !quiet && !e.labels.some((tr) => tr.endpoint === e.side)) {
      const side = e.side;
      const tx = side === 'client' ? X_CLIENT - 12 : X_SERVER + 12;
      out.push(
        `<text x="${tx}" y="${(at(levelY, e.level) + 4).toFixed(1)}" text-anchor="${side === 'client' ? 'end' : 'start'}" class="same">${esc(now[side])}</text>`,
      );
    }
    for (const tr of e.labels) now[tr.endpoint] = tr.to;
  }
  for (const e of events) {
    const n: Record<Side, number> = { client: 0, server: 0 };
    for (const tr of e.labels) {
      const side = tr.endpoint;
      const yy = at(levelY, e.level) + n[side] * LABEL_H;
      n[side]++;
      const inferred = tr.inferred === true;
      const anchor = side === 'client' ? 'end' : 'start';
      const tx = side === 'client' ? X_CLIENT - 12 : X_SERVER + 12;
      out.push(
        `<g class="state${inferred ? ' inferred' : ''}" data-side="${side}" data-state="${esc(tr.to)}"><title>${esc(`${side}: ${tr.from} → ${tr.to}: ${tr.cause}${inferred ? ' (inferred: not shown by the capture)' : ''}`)}</title>`,
        `<circle cx="${x(side)}" cy="${yy.toFixed(1)}" r="4" fill="${stateColor(tr.to)}"${inferred ? ' stroke-dasharray="2 2"' : ''}/>`,
        `<text x="${tx}" y="${(yy + 4).toFixed(1)}" text-anchor="${anchor}" fill="${stateColor(tr.to)}">${esc(tr.to)}${inferred ? ' (inferred)' : ''}</text></g>`,
      );
    }
  }
  // The states at the end of the capture.
  for (const side of ['client', 'server'] as const) {
    const ep = conn[side];
    const ev = ep.stateEvidence === 'inferred' ? ' (inferred)' : '';
    out.push(stateBox(x(side), bottom + 4, `${ep.state}${ev}`, ep.state));
  }
  out.push(
    `<text x="${(X_CLIENT + X_SERVER) / 2}" y="${bottom + 20}" class="note" text-anchor="middle">end of capture</text>`,
  );
  // Legend.
  const ly = height - 18;
  out.push(
    `<g class="legend"><line x1="16" y1="${ly}" x2="46" y2="${ly}" class="c2s-l"/><text x="52" y="${ly + 4}">client → server</text>`,
    `<line x1="160" y1="${ly}" x2="190" y2="${ly}" class="s2c-l"/><text x="196" y="${ly + 4}">server → client</text>`,
    `<line x1="304" y1="${ly}" x2="334" y2="${ly}" class="retx-l"/><text x="340" y="${ly + 4}">retransmission</text>`,
    `<line x1="440" y1="${ly}" x2="470" y2="${ly}" class="lost-l" stroke-dasharray="6 4"/><text x="476" y="${ly + 4}">lost (presumed) ×</text>`,
    `<line x1="596" y1="${ly}" x2="626" y2="${ly}" class="rst-l"/><text x="632" y="${ly + 4}">RST</text>`,
    `<text x="680" y="${ly + 4}">dashed timeline: inferred state</text></g>`,
  );

  const head = opts.standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
  return `${head}<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(`Ladder diagram of connection ${conn.id}`)}">
<style>${LADDER_CSS}</style>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>
<rect width="100%" height="100%" fill="#fff"/>
${out.join('\n')}
</svg>
`;
}

function stateBox(cx: number, y: number, text: string, state = text): string {
  const w = Math.max(90, text.length * 7.2 + 16);
  return `<g class="box"><rect x="${(cx - w / 2).toFixed(1)}" y="${y - 12}" width="${w.toFixed(1)}" height="18" rx="4" fill="#fff" stroke="${stateColor(state)}" stroke-width="1.5"/><text x="${cx}" y="${y + 1}" text-anchor="middle" fill="${stateColor(state)}">${esc(text)}</text></g>`;
}

const LADDER_CSS = `
.ladder text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px;fill:#1f2937}
.ladder .title{font-family:system-ui,sans-serif;font-size:15px;font-weight:600}
.ladder .note{font-family:system-ui,sans-serif;font-size:11.5px;fill:#4b5563}
.ladder .head{font-family:system-ui,sans-serif;font-size:13px;font-weight:600}
.ladder .addr{fill:#374151}
.ladder .time{fill:#6b7280;font-size:10px}
.ladder .pause{fill:#6b7280;font-style:italic}
.ladder .box text{font-weight:600}
.ladder .state text{font-weight:700;font-size:11.5px}
.ladder .same{fill:#9ca3af;font-size:10px}
.ladder .state.inferred text{font-style:italic;font-weight:600}
.ladder .seg line{stroke-width:1.6}
.ladder .c2s line,.ladder .c2s-l{stroke:#1d4ed8}
.ladder .s2c line,.ladder .s2c-l{stroke:#047857}
.ladder .retx line,.ladder .retx-l{stroke:#d97706;stroke-width:2}
.ladder .rst line,.ladder .rst-l{stroke:#dc2626;stroke-width:2}
.ladder .lost-l{stroke:#6b7280}
.ladder .cross{stroke:#dc2626;stroke-width:2.5}
.ladder .c2s .lbl{fill:#1e3a8a}
.ladder .s2c .lbl{fill:#065f46}
.ladder .retx .lbl{fill:#92400e}
.ladder .rst .lbl{fill:#991b1b}
.ladder .anom{fill:#b91c1c;font-weight:700}
.ladder .lbl{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.ladder .legend text{font-family:system-ui,sans-serif;font-size:11px;fill:#374151}
.ladder .legend line{stroke-width:2}
`;
