/**
 * The time-sequence graph of one direction of a connection, as tcptrace and
 * xplot draw it: time across, the sender's relative sequence number up. Each
 * data segment is an I-beam from its first to its last byte at the time it was
 * captured (retransmissions in red), the receiver's cumulative ACK is a step
 * line below the data and its advertised window's right edge a step line above
 * it; SACK blocks are marked where the receiver sent them, and the periods the
 * receiver's window stayed at zero are shaded.
 *
 * Pure: returns a string of SVG. Segments of one kind go into one `<path>`,
 * so a graph of tens of thousands of segments stays one element a kind.
 */
import { esc, seqSpace, type ViewConn, type ViewRow } from './types.js';
import { at } from '../../model/checked.js';

export interface SeqGraph {
  svg: string;
  /** What was drawn, for tests and the page's summary line. */
  counts: { data: number; retransmissions: number; acks: number; sackBlocks: number; zeroWindows: number };
}

const W = 860;
const H = 340;
const L = 78;
const R = 16;
const T = 48;
const B = 44;

/** Round tick steps: 1, 2, 5 x 10^n. */
function ticks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function bytesLabel(v: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(v % 1e6 === 0 ? 0 : 1)} MB`;
  if (Math.abs(v) >= 1e3) return `${(v / 1e3).toFixed(v % 1e3 === 0 ? 0 : 1)} kB`;
  return `${v} B`;
}

/** The window scale the receiver's advertisements are multiplied by (RFC 7323: both SYNs carried it, never on a SYN). */
function windowShift(conn: ViewConn, receiver: 'client' | 'server'): number {
  const c = conn.client.windowScale;
  const s = conn.server.windowScale;
  if (c === null || s === null || c === undefined || s === undefined) return 0;
  return receiver === 'client' ? c : s;
}

/** The graph of the data `dir` carries (c2s: the client's bytes). */
export function seqGraphSvg(conn: ViewConn, rows: ViewRow[], dir: 'c2s' | 's2c'): SeqGraph {
  const receiver = dir === 'c2s' ? 'server' : 'client';
  const shift = windowShift(conn, receiver);
  const data = rows.filter((r) => r.dir === dir);
  const back = rows.filter((r) => r.dir !== dir);
  let maxSeq = 0;
  for (const r of data) maxSeq = Math.max(maxSeq, r.relSeq + seqSpace(r));
  // The receiver's ACKs, in the sender's numbers; ignore ones from before the sender's base was known.
  const limit = maxSeq + 2 ** 24;
  const acks = back.filter((r) => r.flags.includes('.') && !r.flags.includes('R') && r.relAck <= limit);
  let maxAck = 0;
  for (const r of acks) maxAck = Math.max(maxAck, r.relAck);
  const yData = Math.max(maxSeq, maxAck, 1);
  const edges = acks.map((r) => r.relAck + (r.flags.includes('S') ? r.win : r.win * 2 ** shift));
  let maxEdge = 0;
  for (const e of edges) maxEdge = Math.max(maxEdge, e);
  // The window's edge may sit far above a short transfer: clip it rather than flatten the data.
  const yHi = Math.min(Math.max(yData, maxEdge), yData * 1.6 + 1000);
  const t0 = rows.length ? Math.min(...[at(rows, 0).rel]) : 0;
  const t1 = rows.length ? Math.max(at(rows, rows.length - 1).rel, t0 + 1e-6) : 1;
  const sx = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const sy = (v: number) => T + (1 - Math.min(v, yHi) / yHi) * (H - T - B);
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  // Zero-window periods: from a zero advertisement until the next non-zero one.
  let zeroFrom: number | null = null;
  let zeroWindows = 0;
  for (const r of back) {
    if (r.flags.includes('R')) continue;
    if (r.win === 0 && zeroFrom === null) {
      zeroFrom = r.rel;
      zeroWindows++;
    } else if (r.win > 0 && zeroFrom !== null) {
      parts.push(zeroRect(sx(zeroFrom), sx(r.rel)));
      zeroFrom = null;
    }
  }
  if (zeroFrom !== null) parts.push(zeroRect(sx(zeroFrom), sx(t1)));

  // Axes and grid.
  for (const v of ticks(0, yHi, 6)) {
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${f(sy(v))}" y2="${f(sy(v))}" class="grid"/><text x="${L - 6}" y="${f(sy(v) + 4)}" text-anchor="end" class="tick">${esc(bytesLabel(v))}</text>`,
    );
  }
  for (const t of ticks(t0, t1, 8)) {
    parts.push(
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${T}" y2="${H - B}" class="grid"/><text x="${f(sx(t))}" y="${H - B + 16}" text-anchor="middle" class="tick">${esc(t.toFixed(t1 - t0 < 0.01 ? 4 : 3))}</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" class="axis">time since the first segment (s)</text>`,
    `<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 ${(T + H - B) / 2})">relative sequence number</text>`,
  );

  // ACK line and window edge: steps, each value holding until the next ACK.
  const step = (vals: number[]) => {
    let d = '';
    acks.forEach((r, k) => {
      const x = sx(r.rel);
      const y = sy(at(vals, k));
      if (k === 0) d += `M${f(x)},${f(y)}`;
      else d += `H${f(x)}V${f(y)}`;
    });
    if (acks.length) d += `H${f(sx(t1))}`;
    return d;
  };
  if (acks.length) {
    parts.push(`<path class="win" d="${step(edges)}"/>`);
    parts.push(`<path class="ack" d="${step(acks.map((r) => r.relAck))}"/>`);
  }
  // SACK blocks: a bar over the block's bytes where the receiver sent it.
  let sackD = '';
  let sackBlocks = 0;
  for (const r of back) {
    for (const [lo, hi] of r.sack ?? []) {
      if (hi > limit) continue;
      sackBlocks++;
      const x = f(sx(r.rel) + 2);
      sackD += `M${x},${f(sy(lo))}V${f(sy(hi))}`;
    }
  }
  if (sackD) parts.push(`<path class="sack" d="${sackD}"/>`);
  // Segments: I-beams (payload), small marks for SYN/FIN alone.
  let dataD = '';
  let retxD = '';
  let nData = 0;
  let nRetx = 0;
  const ctl: string[] = [];
  for (const r of data) {
    const x = sx(r.rel);
    if (r.len > 0) {
      const y1 = sy(r.relSeq);
      const y2 = sy(r.relSeq + r.len);
      const d = `M${f(x - 2)},${f(y1)}H${f(x + 2)}M${f(x)},${f(y1)}V${f(y2)}M${f(x - 2)},${f(y2)}H${f(x + 2)}`;
      if (r.retransmission) {
        retxD += d;
        nRetx++;
      } else {
        dataD += d;
        nData++;
      }
    }
    for (const [c, name] of [
      ['S', 'SYN'],
      ['F', 'FIN'],
      ['R', 'RST'],
    ] as const) {
      if (!r.flags.includes(c)) continue;
      const y = sy(r.relSeq + (c === 'F' ? r.len : 0));
      // Near the right edge the name goes to the left of its mark.
      const near = x > W - R - 40;
      ctl.push(
        `<g class="ctl ${name.toLowerCase()}"><title>${esc(`${name} frame ${r.frame} at ${r.rel.toFixed(6)} s`)}</title><circle cx="${f(x)}" cy="${f(y)}" r="3.5"/><text x="${f(near ? x - 5 : x + 5)}" y="${f(y - 5)}"${near ? ' text-anchor="end"' : ''}>${name}</text></g>`,
      );
    }
  }
  if (dataD) parts.push(`<path class="data" d="${dataD}"/>`);
  if (retxD) parts.push(`<path class="retx" d="${retxD}"/>`);
  parts.push(...ctl);
  const who = dir === 'c2s' ? 'client → server' : 'server → client';
  const title = `${who}: ${nData + nRetx} data segments, ${nRetx} retransmitted; ACKs from the ${receiver}${shift ? ` (window scale ${shift})` : ''}`;
  parts.push(`<text x="${L}" y="16" class="gtitle">${esc(title)}</text>`);
  // Legend.
  const lg: [string, string][] = [
    ['data', 'data'],
    ['retx', 'retransmission'],
    ['ack', 'ACK'],
    ['win', 'window edge'],
    ['sack', 'SACK'],
  ];
  lg.forEach(([cls, name], k) => {
    const lx = L + k * 112;
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="33" y2="33" class="${cls} lg"/><text x="${lx + 22}" y="37" class="tick">${name}</text>`,
    );
  });
  parts.push(`<rect x="${L + 5 * 112}" y="27" width="12" height="12" class="zero"/>`);
  parts.push(`<text x="${L + 5 * 112 + 16}" y="37" class="tick">zero window</text>`);

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="seqgraph" data-dir="${dir}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`Time-sequence graph, ${who}`)}">
<style>${SEQ_CSS}</style>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>`;
  return {
    svg,
    counts: { data: nData + nRetx, retransmissions: nRetx, acks: acks.length, sackBlocks, zeroWindows },
  };
}

function zeroRect(x1: number, x2: number): string {
  return `<rect x="${x1.toFixed(1)}" y="${T}" width="${Math.max(2, x2 - x1).toFixed(1)}" height="${H - T - B}" class="zero"><title>zero window</title></rect>`;
}

const SEQ_CSS = `
.seqgraph text{font-family:system-ui,sans-serif;font-size:11px;fill:#374151}
.seqgraph .gtitle{font-size:12.5px;font-weight:600;fill:#111827}
.seqgraph .tick{font-size:10.5px;fill:#4b5563}
.seqgraph .grid{stroke:#e5e7eb;stroke-width:1}
.seqgraph .data{stroke:#1d4ed8;stroke-width:1.2;fill:none}
.seqgraph .retx{stroke:#dc2626;stroke-width:1.8;fill:none}
.seqgraph .ack{stroke:#16a34a;stroke-width:1.4;fill:none}
.seqgraph .win{stroke:#ca8a04;stroke-width:1.2;fill:none;stroke-dasharray:4 3}
.seqgraph .sack{stroke:#9333ea;stroke-width:3;fill:none;opacity:.75}
.seqgraph .lg{stroke-width:3}
.seqgraph .zero{fill:#fecaca;opacity:.55}
.seqgraph .ctl circle{fill:#fff;stroke:#111827;stroke-width:1.3}
.seqgraph .ctl.rst circle{stroke:#dc2626}
.seqgraph .ctl text{font-size:10px;font-weight:600}
`;
