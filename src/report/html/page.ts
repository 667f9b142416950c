/// <reference lib="dom" />
/**
 * The HTML report's script, run in the browser (bundled with uPlot into the
 * page by scripts/bundle.mjs). It reads the data embedded by write.ts and
 * draws: the summary and capture quality, anomalies with hints, the states
 * over time (uPlot, stacked, anomalies marked on the time axis), the
 * connection table (sort, filter, pages), and for a picked connection its
 * ladder, time-sequence graphs (the project's own SVG, the same code as
 * `ladder --svg`) and RTT and throughput over time (uPlot).
 */
import uPlot from 'uplot';
import type { PackedConn, PageData } from './data.js';
import { ladderSvg } from './ladder-svg.js';
import { rttSeries, throughputSeries } from './rtt-throughput.js';
import { seqGraphSvg } from './seq-svg.js';
import { COUNTED_STATES, stateColor } from './state-colors.js';
import { esc, shortDuration, type ViewDetail } from './types.js';
import { unpackDetail } from './unpack.js';
import { at, must } from '../../model/checked.js';

const SEVERITY_COLOR: Record<string, string> = { error: '#dc2626', warning: '#d97706', info: '#6b7280' };
const PAGE_SIZE = 100;
/** Up to this many anomalies are drawn as lines across a chart; more as a rug along its axis. */
const FEW_MARKERS = 40;

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** The first `tag` inside `el`, which the page's markup puts there. */
function inside<K extends keyof HTMLElementTagNameMap>(el: HTMLElement, tag: K): HTMLElementTagNameMap[K] {
  const x = el.querySelector(tag);
  if (!x) throw new Error(`missing ${tag} in #${el.id}`);
  return x;
}

/** uPlot's stepped path builder (its typings mark the builders optional; the bundled uPlot has them all). */
const STEPPED = must(uPlot.paths.stepped, 'uPlot.paths.stepped');

function h(tag: string, attrs: Record<string, string> = {}, html = ''): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (html) el.innerHTML = html;
  return el;
}

const num = (n: number) => n.toLocaleString('en-US');
const iso = (t: number | null) =>
  t === null ? '—' : new Date(t * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');
const bytes = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(1)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} kB`
        : `${n} B`;

function readData(): PageData {
  const el = document.getElementById('tcptrace-data');
  if (!el?.textContent) throw new Error('no report data in the page');
  return JSON.parse(el.textContent) as PageData;
}

// --- summary, capture quality, end states ---

function renderSummary(d: PageData): void {
  const c = d.capture;
  const dur = c.start !== null && c.end !== null ? c.end - c.start : 0;
  $('title').textContent = `TCP report: ${c.files.join(', ')}`;
  const cards: [string, string, string][] = [
    ['packets', num(c.packets), `${num(c.tcpPackets)} TCP segments`],
    [
      'connections',
      num(d.totals.connections),
      d.summarised.connections ? `${num(d.summarised.connections)} summarised` : 'all kept in full',
    ],
    [
      'duration',
      c.start === null ? '—' : shortDuration(dur),
      c.start === null ? 'no packets' : `${iso(c.start)} →`,
    ],
    [
      'anomalies',
      num(d.totals.anomalies),
      Object.entries(d.totals.bySeverity)
        .map(([s, n]) => `${num(n)} ${s}`)
        .join(', ') || 'none',
    ],
    ['format', esc(c.format), c.linkTypes.map(esc).join(', ')],
  ];
  $('cards').innerHTML = cards
    .map(
      ([k, v, sub]) =>
        `<div class="card" data-k="${k}"><div class="k">${k}</div><div class="v">${v}</div><div class="sub">${sub}</div></div>`,
    )
    .join('');

  // Capture quality: what the capture could and could not see.
  const q = c.quality;
  const items: string[] = [];
  if (q) {
    const label: Record<string, string> = {
      oneWayConnections: 'connections seen in one direction only',
      connectionsWithGaps: 'connections with segments the capture missed',
      captureGaps: 'segments missed by the capture (proven by the endpoints)',
      duplicates: 'frames captured twice (not retransmissions)',
      interfaceDrops: 'packets dropped by the capture interface',
    };
    for (const [k, v] of Object.entries(q)) {
      items.push(
        `<li data-q="${esc(k)}"><b>${v === null ? 'unknown' : num(v)}</b> ${esc(label[k] ?? k)}</li>`,
      );
    }
  } else items.push('<li>capture quality: not reported by this version of the engine</li>');
  if (c.truncated) items.push('<li class="warn">the capture is truncated: analysed up to the cut</li>');
  if (c.damaged)
    items.push('<li class="warn">the capture is damaged: reading stopped at an impossible header</li>');
  const skipped = Object.entries(c.skipped).filter(([, n]) => n > 0);
  if (skipped.length)
    items.push(`<li>skipped: ${skipped.map(([k, n]) => `${num(n)} ${esc(k)}`).join(', ')}</li>`);
  for (const w of c.warnings.slice(0, 10)) items.push(`<li class="warn">${esc(w)}</li>`);
  if (c.warnings.length > 10) items.push(`<li class="warn">${c.warnings.length - 10} more warnings</li>`);
  $('quality').innerHTML = `<h3>Capture quality</h3><ul>${items.join('')}</ul>`;

  // Endpoint states at the end, as `ss -tan` would count them.
  const states = [...new Set([...Object.keys(d.states.client), ...Object.keys(d.states.server)])];
  const rows = states
    .map(
      (s) =>
        `<tr data-state="${esc(s)}"><td><span class="dot" style="background:${stateColor(s)}"></span>${esc(s)}</td><td class="n">${num(d.states.client[s] ?? 0)}</td><td class="n">${num(d.states.server[s] ?? 0)}</td></tr>`,
    )
    .join('');
  $('endstates').innerHTML =
    `<h3>Endpoint states at the end of the capture</h3><table class="small"><thead><tr><th>state</th><th>client</th><th>server</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderAnomalies(d: PageData, filterBy: (kind: string) => void): void {
  const box = $('anomalies');
  if (d.kinds.length === 0) {
    box.innerHTML = '<h2>Anomalies</h2><p class="ok">No anomaly found.</p>';
    return;
  }
  const rows = d.kinds
    .map(
      (
        k,
      ) => `<tr data-kind="${esc(k.kind)}"><td><span class="sev ${esc(k.severity)}">${esc(k.severity)}</span></td>
<td><b>${esc(k.kind)}</b></td><td class="n">${num(k.count)}</td>
<td><div>${esc(k.message)}</div><div class="hint">${esc(k.hint)}</div></td>
<td><button type="button" data-show="${esc(k.kind)}">show connections</button></td></tr>`,
    )
    .join('');
  box.innerHTML = `<h2>Anomalies</h2><table class="anoms"><thead><tr><th>severity</th><th>kind</th><th>count</th><th>example and hint</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  box
    .querySelectorAll<HTMLButtonElement>('button[data-show]')
    .forEach((b) => b.addEventListener('click', () => filterBy(b.dataset.show ?? '')));
}

// --- states over time ---

function stackedChart(
  el: HTMLElement,
  title: string,
  times: number[],
  series: Record<string, number[]>,
  markers: PageData['timeline']['markers'],
  height: number,
): uPlot | null {
  const bands = COUNTED_STATES.flatMap((state) => {
    const counts = series[state];
    return counts ? [{ state, counts }] : [];
  });
  if (bands.length === 0 || times.length < 2) {
    el.appendChild(h('p', { class: 'muted' }, `${esc(title)}: no endpoint held a connection`));
    return null;
  }
  // Stacked: each band is drawn as the running sum, filled, the tallest first.
  const cum: number[][] = [];
  let acc = new Array<number>(times.length).fill(0);
  for (const { counts } of bands) {
    acc = acc.map((v, i) => v + (counts[i] ?? 0));
    cum.push(acc);
  }
  const tallestFirst = bands.slice().reverse();
  const wrap = h('div', { class: 'chart', 'data-chart': title });
  el.appendChild(wrap);
  const opts: uPlot.Options = {
    title,
    width: Math.max(300, wrap.clientWidth || el.clientWidth || 800),
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
    axes: [{}, { label: 'endpoints', size: 60 }],
    series: [
      { label: 'time (UTC)' },
      ...tallestFirst.map(({ state, counts }) => ({
        label: state,
        stroke: stateColor(state),
        fill: `${stateColor(state)}cc`,
        width: 1,
        paths: STEPPED({ align: 1 }),
        points: { show: false },
        value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
          idx === null ? '—' : String(counts[idx] ?? 0),
      })),
    ],
    hooks: {
      draw: [
        (u: uPlot) => {
          // Anomalies on the time axis, coloured by severity: a thin line each when
          // they are few; when many, a rug of ticks along the axis whose height
          // counts them (hundreds of lines would hide the states under them).
          const ctx = u.ctx;
          const top = u.bbox.top;
          const bottom = u.bbox.top + u.bbox.height;
          const dpr = devicePixelRatio;
          ctx.save();
          if (markers.length <= FEW_MARKERS) {
            ctx.lineWidth = 1.5 * dpr;
            for (const m of markers) {
              const x = u.valToPos(m.t, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = `${SEVERITY_COLOR[m.severity] ?? '#6b7280'}b0`;
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, bottom);
              ctx.stroke();
              ctx.fillStyle = SEVERITY_COLOR[m.severity] ?? '#6b7280';
              ctx.beginPath();
              ctx.moveTo(x - 4 * dpr, bottom);
              ctx.lineTo(x + 4 * dpr, bottom);
              ctx.lineTo(x, bottom - 7 * dpr);
              ctx.fill();
            }
          } else {
            // Per 3-pixel column and severity; the most severe drawn last (on top).
            const col = 3 * dpr;
            const bins = new Map<string, number>();
            for (const m of markers) {
              const x = u.valToPos(m.t, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              const key = `${m.severity}|${Math.floor((x - u.bbox.left) / col)}`;
              bins.set(key, (bins.get(key) ?? 0) + 1);
            }
            const most = Math.max(1, ...bins.values());
            for (const sev of ['info', 'warning', 'error'] as const) {
              ctx.fillStyle = SEVERITY_COLOR[sev] ?? '#6b7280';
              for (const [key, n] of bins) {
                const [s, c] = key.split('|');
                if (s !== sev) continue;
                const hgt = (4 + (14 * Math.log1p(n)) / Math.log1p(most)) * dpr;
                ctx.fillRect(u.bbox.left + Number(c) * col, bottom - hgt, col - dpr, hgt);
              }
            }
          }
          ctx.restore();
        },
      ],
    },
  };
  const data: uPlot.AlignedData = [times, ...cum.slice().reverse()];
  return new uPlot(opts, data, wrap);
}

function renderTimeline(d: PageData): uPlot[] {
  const tl = d.timeline;
  const box = $('timeline-charts');
  const charts: uPlot[] = [];
  const kindsMarked = new Map<string, number>();
  for (const m of tl.markers) kindsMarked.set(m.kind, (kindsMarked.get(m.kind) ?? 0) + 1);
  $('timeline-note').innerHTML =
    `Endpoints in each state (stacked), ${tl.sampled ? `sampled at ${num(tl.times.length)} instants` : 'exact at every change'}; ` +
    `anomalies marked on the time axis (${[...kindsMarked].map(([k, n]) => `${num(n)} ${esc(k)}`).join(', ') || 'none'}` +
    `${tl.markersOmitted ? `; ${num(tl.markersOmitted)} more not marked` : ''}): ` +
    `<span class="sev error">error</span> <span class="sev warning">warning</span> <span class="sev info">info</span>.`;
  const cap = stackedChart(box, 'whole capture', tl.times, tl.capture, tl.markers, 280);
  if (cap) charts.push(cap);
  const grid = h('div', { class: 'hostgrid' });
  $('timeline-hosts').appendChild(grid);
  for (const host of tl.hosts) {
    const cell = h('div', { class: 'hostcell' });
    grid.appendChild(cell);
    const marks = tl.markers.filter((m) => m.hosts.includes(host.host));
    const c = stackedChart(
      cell,
      `host ${host.host} (${num(host.endpoints)} endpoints at the end)`,
      tl.times,
      host.series,
      marks,
      190,
    );
    if (c) charts.push(c);
  }
  return charts;
}

// --- connection table ---

interface TableState {
  state: string;
  anomaly: string;
  host: string;
  port: string;
  drawnOnly: boolean;
  sortCol: number;
  sortDir: 1 | -1;
  page: number;
}

const COLUMNS: { name: string; key: (r: PackedConn, d: PageData) => number | string }[] = [
  { name: '#', key: (r) => r[0] },
  { name: 'client', key: (r, d) => `${d.table.hosts[r[1]]}:${r[2]}` },
  { name: 'server', key: (r, d) => `${d.table.hosts[r[4]]}:${r[5]}` },
  { name: 'client state', key: (r, d) => at(d.table.states, r[3]) },
  { name: 'server state', key: (r, d) => at(d.table.states, r[6]) },
  { name: 'start (s)', key: (r) => r[7] },
  { name: 'duration', key: (r) => r[8] },
  { name: 'pkts c/s', key: (r) => r[9] + r[10] },
  { name: 'bytes c/s', key: (r) => r[11] + r[12] },
  { name: 'conn_state', key: (r, d) => at(d.table.connStates, r[13]) },
  { name: 'anomalies', key: (r) => r[14].length },
];

function renderTable(d: PageData, show: (id: number) => void): { setAnomaly: (k: string) => void } {
  const st: TableState = {
    state: '',
    anomaly: '',
    host: '',
    port: '',
    drawnOnly: false,
    sortCol: 0,
    sortDir: 1,
    page: 0,
  };
  const t = d.table;
  const stateOpts = ['', ...t.states]
    .map((s) => `<option value="${esc(s)}">${s ? esc(s) : 'any state'}</option>`)
    .join('');
  const kindPairs: [string, string][] = [
    ['', 'any or none'],
    ['*', 'with an anomaly'],
    ['-', 'without anomaly'],
    ...t.kinds.map((k): [string, string] => [k, k]),
  ];
  const kindOpts = kindPairs.map(([v, l]) => `<option value="${esc(v)}">${esc(l)}</option>`).join('');
  $('filters').innerHTML = `<label>state <select id="f-state">${stateOpts}</select></label>
<label>anomaly <select id="f-anomaly">${kindOpts}</select></label>
<label>host <input id="f-host" placeholder="address" size="16"></label>
<label>port <input id="f-port" placeholder="port" size="6"></label>
<label><input type="checkbox" id="f-drawn"> drawn only</label>
<span id="f-count"></span>`;
  const head = COLUMNS.map((c, i) => `<th data-col="${i}" title="sort">${esc(c.name)}</th>`).join('');
  $('conn-table').innerHTML = `<thead><tr>${head}</tr></thead><tbody></tbody>`;
  const tbody = inside($('conn-table'), 'tbody');

  const filtered = (): PackedConn[] => {
    const si = st.state === '' ? -1 : t.states.indexOf(st.state);
    const ki = st.anomaly.length > 1 ? t.kinds.indexOf(st.anomaly) : -1;
    const hostQ = st.host.trim();
    const port = st.port.trim() === '' ? -1 : Number(st.port);
    const out = t.rows.filter((r) => {
      if (si >= 0 && r[3] !== si && r[6] !== si) return false;
      if (st.anomaly === '*' && r[14].length === 0) return false;
      if (st.anomaly === '-' && r[14].length > 0) return false;
      if (ki >= 0 && !r[14].includes(ki)) return false;
      if (hostQ && !at(t.hosts, r[1]).includes(hostQ) && !at(t.hosts, r[4]).includes(hostQ)) return false;
      if (port >= 0 && r[2] !== port && r[5] !== port) return false;
      if (st.drawnOnly && r[15] !== 1) return false;
      return true;
    });
    const key = at(COLUMNS, st.sortCol).key;
    if (st.sortCol !== 0 || st.sortDir !== 1) {
      const keyed = out.map((r) => [key(r, d), r] as const);
      keyed.sort((a, b) => (a[0] < b[0] ? -st.sortDir : a[0] > b[0] ? st.sortDir : a[1][0] - b[1][0]));
      return keyed.map((x) => x[1]);
    }
    return out;
  };

  const draw = () => {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    st.page = Math.min(st.page, pages - 1);
    const slice = rows.slice(st.page * PAGE_SIZE, (st.page + 1) * PAGE_SIZE);
    tbody.innerHTML = slice
      .map((r) => {
        const cs = at(t.states, r[3]);
        const ss = at(t.states, r[6]);
        const an = r[14].map((k) => `<span class="tag">${esc(at(t.kinds, k))}</span>`).join(' ');
        return `<tr data-id="${r[0]}" class="${r[15] ? 'drawn' : ''}" tabindex="0"><td class="n">${r[15] ? '▸ ' : ''}${r[0]}</td>
<td>${esc(at(t.hosts, r[1]))}:${r[2]}</td><td>${esc(at(t.hosts, r[4]))}:${r[5]}</td>
<td><span class="dot" style="background:${stateColor(cs)}"></span>${esc(cs)}</td><td><span class="dot" style="background:${stateColor(ss)}"></span>${esc(ss)}</td>
<td class="n">${r[7].toFixed(3)}</td><td class="n">${shortDuration(r[8])}</td><td class="n">${r[9]}/${r[10]}</td>
<td class="n">${bytes(r[11])} / ${bytes(r[12])}</td><td>${esc(at(t.connStates, r[13]))}</td><td>${an}</td></tr>`;
      })
      .join('');
    $('f-count').textContent = `${num(rows.length)} of ${num(t.rows.length)} connections`;
    $('pager').innerHTML =
      pages > 1
        ? `<button type="button" id="pg-prev" ${st.page === 0 ? 'disabled' : ''}>◀ previous</button> page ${st.page + 1} of ${pages} <button type="button" id="pg-next" ${st.page >= pages - 1 ? 'disabled' : ''}>next ▶</button>`
        : '';
    document.getElementById('pg-prev')?.addEventListener('click', () => {
      st.page--;
      draw();
    });
    document.getElementById('pg-next')?.addEventListener('click', () => {
      st.page++;
      draw();
    });
    $('conn-table')
      .querySelectorAll('th')
      .forEach((th, i) => {
        th.className = i === st.sortCol ? (st.sortDir === 1 ? 'asc' : 'desc') : '';
      });
  };
  const on = (id: string, ev: string, f: (el: HTMLInputElement) => void) =>
    $(id).addEventListener(ev, (e) => {
      f(e.target as HTMLInputElement);
      st.page = 0;
      draw();
    });
  on('f-state', 'change', (el) => (st.state = el.value));
  on('f-anomaly', 'change', (el) => (st.anomaly = el.value));
  on('f-host', 'input', (el) => (st.host = el.value));
  on('f-port', 'input', (el) => (st.port = el.value));
  on('f-drawn', 'change', (el) => (st.drawnOnly = el.checked));
  inside($('conn-table'), 'thead').addEventListener('click', (e) => {
    const th = (e.target as HTMLElement).closest('th');
    if (!th) return;
    const col = Number(th.dataset.col);
    st.sortDir = st.sortCol === col ? (-st.sortDir as 1 | -1) : 1;
    st.sortCol = col;
    draw();
  });
  tbody.addEventListener('click', (e) => {
    const tr = (e.target as HTMLElement).closest('tr');
    if (tr?.dataset.id) show(Number(tr.dataset.id));
  });
  // Keyboard: Tab to a row, Enter to open it.
  tbody.addEventListener('keydown', (e) => {
    const tr = (e.target as HTMLElement).closest('tr');
    if (e.key === 'Enter' && tr?.dataset.id) show(Number(tr.dataset.id));
  });
  draw();
  return {
    setAnomaly(k: string) {
      st.anomaly = k;
      ($('f-anomaly') as HTMLSelectElement).value = k;
      st.page = 0;
      draw();
      $('connections').scrollIntoView();
    },
  };
}

// --- one connection ---

/** A small chart over the connection's time (s since its first segment): two series, as points or steps. */
function detailChart(
  el: HTMLElement,
  width: number,
  yLabel: string,
  data: uPlot.AlignedData,
  series: [string, string, 'points' | 'steps'][],
): uPlot {
  return new uPlot(
    {
      width,
      height: 200,
      scales: { x: { time: false } },
      axes: [{ label: 's since the first segment' }, { label: yLabel, size: 70 }],
      series: [
        { label: 't (s)' },
        ...series.map(([label, color, kind]) =>
          kind === 'points'
            ? { label, stroke: color, paths: () => null, points: { show: true, size: 5, fill: color } }
            : {
                label,
                stroke: color,
                width: 1.5,
                paths: STEPPED({ align: 1 }),
                points: { show: false },
              },
        ),
      ],
    },
    data,
    el,
  );
}

let detailCharts: uPlot[] = [];

function renderDetail(d: PageData, id: number, files: string): void {
  const box = $('detail');
  for (const c of detailCharts) c.destroy();
  detailCharts = [];
  const packed = d.details.find((x) => x.conn.id === id);
  box.dataset.conn = String(id);
  if (!packed) {
    const exists = d.table.rows.some((r) => r[0] === id);
    box.innerHTML = `<h2>Connection #${id}</h2><p class="muted">${
      exists
        ? `Not drawn in this report (it draws the connections with anomalies first, at most ${num(d.bounds.connections)}). To draw it: <code>tcptrace-ts ${esc(files)} --html report.html --html-conn ${id}</code> or <code>tcptrace-ts ladder ${esc(files)} --conn ${id} --svg ladder.svg</code>.`
        : 'No such connection in this capture.'
    }</p>`;
    return;
  }
  const det: ViewDetail = unpackDetail(packed, d.table.kinds);
  const c = det.conn;
  box.innerHTML = `<h2>Connection #${id} <span class="muted">${esc(`${c.client.addr}:${c.client.port} → ${c.server.addr}:${c.server.port}`)}</span></h2>
<div class="views"><div class="view" id="ladder-view"><h3>Ladder</h3></div>
<div class="view"><h3>Time-sequence graphs${det.omitted ? ` <span class="muted small">(the first ${num(det.rows.length)} segments: ${num(det.omitted)} later ones not recorded)</span>` : ''}</h3><div id="seq-view"></div><h3>RTT over time</h3><div id="rtt-view"></div><h3>Throughput over time</h3><div id="tput-view"></div></div></div>`;
  const svg = ladderSvg(det);
  $('ladder-view').insertAdjacentHTML('beforeend', svg);
  // The drawing as a file, for slides and tickets (what `ladder --svg` writes).
  const link = h('a', { download: `connection-${id}-ladder.svg`, class: 'small' }, 'save this ladder as SVG');
  link.setAttribute('href', URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })));
  inside($('ladder-view'), 'h3').append(' ', link);
  const dirs = (['c2s', 's2c'] as const).filter((dir) => det.rows.some((r) => r.dir === dir && r.len > 0));
  for (const dir of dirs.length ? dirs : (['c2s'] as const)) {
    $('seq-view').insertAdjacentHTML('beforeend', seqGraphSvg(c, det.rows, dir).svg);
  }
  const width = Math.max(320, Math.min(860, $('seq-view').clientWidth || 860));
  const rtt = rttSeries(det.rows);
  if (rtt.c2s.t.length + rtt.s2c.t.length > 0) {
    // One x axis for both directions: samples of the other direction are null there.
    const pts = [
      ...rtt.c2s.t.map((t, i) => [t, at(rtt.c2s.rtt, i) * 1e3, null] as const),
      ...rtt.s2c.t.map((t, i) => [t, null, at(rtt.s2c.rtt, i) * 1e3] as const),
    ].sort((a, b) => a[0] - b[0]);
    const data: uPlot.AlignedData = [pts.map((p) => p[0]), pts.map((p) => p[1]), pts.map((p) => p[2])];
    detailCharts.push(
      detailChart($('rtt-view'), width, 'RTT (ms)', data, [
        ['client data, ACKed by the server', '#1d4ed8', 'points'],
        ['server data, ACKed by the client', '#047857', 'points'],
      ]),
    );
    $('rtt-view').insertAdjacentHTML(
      'beforeend',
      '<p class="muted small">Measured at the capture point, data segment to the ACK covering it (retransmitted ones left out, Karn).</p>',
    );
  } else $('rtt-view').innerHTML = '<p class="muted">No RTT sample (no data segment was acknowledged).</p>';
  const tp = throughputSeries(det.rows);
  detailCharts.push(
    detailChart(
      $('tput-view'),
      width,
      'bytes/s',
      [tp.t, tp.c2s, tp.s2c],
      [
        ['client → server', '#1d4ed8', 'steps'],
        ['server → client', '#047857', 'steps'],
      ],
    ),
  );
  $('tput-view').insertAdjacentHTML(
    'beforeend',
    `<p class="muted small">Bytes acknowledged by the receiver per ${shortDuration(tp.bin)} bin (goodput: a retransmitted byte counts once).</p>`,
  );
}

function main(): void {
  const d = readData();
  const files = d.capture.files.join(' ');
  renderSummary(d);
  const table = renderTable(d, (id) => {
    renderDetail(d, id, files);
    history.replaceState(null, '', `#conn=${id}`);
    $('detail').scrollIntoView();
  });
  renderAnomalies(d, (k) => table.setAnomaly(k));
  renderTimeline(d);
  const m = /conn=(\d+)/.exec(location.hash);
  const first = m ? Number(m[1]) : d.details[0]?.conn.id;
  if (first !== undefined) renderDetail(d, first, files);
  else $('detail').innerHTML = '<p class="muted">No connection to draw.</p>';
  $('drawn-note').textContent =
    `${num(d.details.length)} connection(s) drawn in full (marked ▸; those with anomalies first, at most ${num(d.bounds.connections)})` +
    (d.detailsLeftOut ? `; ${num(d.detailsLeftOut)} with anomalies not drawn` : '') +
    '. Click a row to see it.';
  document.body.dataset.ready = '1';
}

try {
  main();
} catch (e) {
  document.body.dataset.ready = 'error';
  const p = document.createElement('pre');
  p.className = 'fatal';
  p.textContent = `The report could not be drawn: ${(e as Error).message}`;
  document.body.prepend(p);
  throw e;
}
