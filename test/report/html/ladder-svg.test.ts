/**
 * The drawn ladder and its flight estimates, on the fixtures' real Linux TCP
 * (`fixtures/`, each made in two network namespaces) and on hand-set vantage points.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze.js';
import { estimateFlights } from '../../../src/report/html/flight.js';
import { ladderSvg } from '../../../src/report/html/ladder-svg.js';
import { seqSpace, type ViewDetail } from '../../../src/report/html/types.js';
import { at, must } from '../../../src/model/checked.js';

async function detail(fixture: string, id = 1): Promise<ViewDetail> {
  const { ladder } = await analyze(`fixtures/${fixture}.pcap`, { ladder: id });
  if (!ladder) throw new Error(`no connection ${id} in ${fixture}`);
  return { conn: ladder.connection, rows: ladder.rows, omitted: 0 };
}

interface Arrow {
  frame: number;
  cls: string;
  y1: number;
  y2: number;
  lost: boolean;
}

/** The arrows of a drawn ladder: `<g class="seg ..." data-frame>` with their line. */
function arrows(svg: string): Arrow[] {
  const out: Arrow[] = [];
  const re =
    /<g class="seg (\w+)" data-frame="(\d+)">[\s\S]*?<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"([^>]*)>/g;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    out.push({
      cls: at(m, 1),
      frame: Number(m[2]),
      y1: Number(m[3]),
      y2: Number(m[4]),
      lost: at(m, 5).includes('dasharray'),
    });
  }
  return out;
}

/** Each side's state labels, top to bottom. */
function states(svg: string, side: 'client' | 'server'): string[] {
  const re = new RegExp(
    `<g class="state[^"]*" data-side="${side}" data-state="(\\w+)">[\\s\\S]*?<circle cx="[\\d.]+" cy="([\\d.]+)"`,
    'g',
  );
  const found: [number, string][] = [];
  for (let m = re.exec(svg); m; m = re.exec(svg)) found.push([Number(m[2]), at(m, 1)]);
  return found.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

describe('ladderSvg', () => {
  it('simultaneous close: the two FINs cross and both sides pass through CLOSING to TIME_WAIT', async () => {
    const d = await detail('simultaneous-close');
    const svg = ladderSvg(d, { standalone: true });
    const a = arrows(svg);
    expect(a).toHaveLength(d.rows.length);
    const fins = d.rows.filter((r) => r.flags.includes('F'));
    expect(fins.map((r) => r.dir)).toEqual(['c2s', 's2c']);
    const [cf, sf] = fins.map((r) =>
      must(
        a.find((x) => x.frame === r.frame),
        'a.find((x) => x.frame === r.frame)',
      ),
    );
    // Crossing: each FIN left before the other arrived.
    expect(must(cf, 'cf').y1).toBeLessThan(must(sf, 'sf').y2);
    expect(must(sf, 'sf').y1).toBeLessThan(must(cf, 'cf').y2);
    expect(states(svg, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(states(svg, 'server').slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    console.log(
      `simultaneous-close: ${a.length} arrows; client FIN y ${must(cf, 'cf').y1}->${must(cf, 'cf').y2}, server FIN y ${must(sf, 'sf').y1}->${must(sf, 'sf').y2}`,
    );
  });

  it('syn-dropped: the unanswered SYNs are drawn lost, their retransmissions as such', async () => {
    const d = await detail('syn-dropped');
    const svg = ladderSvg(d);
    const a = arrows(svg);
    const retx = a.filter((x) => x.cls === 'retx');
    expect(retx.length).toBe(d.rows.filter((r) => r.retransmission).length);
    expect(retx.length).toBeGreaterThanOrEqual(2);
    // Every SYN but the last was resent before any answer: lost (presumed).
    expect(a.filter((x) => x.lost)).toHaveLength(d.rows.length - 1);
    expect(svg.match(/class="cross"/g)).toHaveLength(d.rows.length - 1);
    expect(svg).toContain('syn-no-synack');
  });

  it('elides the middle of a long connection and says how many segments it left out', async () => {
    const d = await detail('lossy-upload');
    expect(d.rows.length).toBeGreaterThan(70);
    const svg = ladderSvg(d, { maxRows: 40 });
    expect(arrows(svg)).toHaveLength(40);
    expect(svg).toContain(`… ${d.rows.length - 40} segments not shown …`);
    expect(states(svg, 'client').at(-1)).toBe('TIME_WAIT');
  });

  it('escapes what it writes and names the capture point in the caption', async () => {
    const d = await detail('normal-close-client');
    const bad = {
      ...d,
      conn: { ...d.conn, client: { ...d.conn.client, addr: '<script>&"' }, vantage: 'client' as const },
    };
    const svg = ladderSvg(bad);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;&#38;&#34;');
    expect(svg).toContain('capture taken next to the client');
    const { vantage: _v, ...unreported } = d.conn;
    expect(ladderSvg({ ...d, conn: unreported })).toContain('capture point unknown (not reported)');
  });

  it('draws an inferred step dashed and says so', async () => {
    const d = await detail('normal-close-client');
    const tr = d.conn.transitions.map((t, i) => (i === 1 ? { ...t, inferred: true as const } : t));
    const svg = ladderSvg({ ...d, conn: { ...d.conn, transitions: tr } });
    expect(svg).toMatch(/<g class="state inferred"[^>]*><title>[^<]*inferred: not shown by the capture/);
    expect(svg).toMatch(/stroke-dasharray="5 4"/);
  });
});

describe('ladderSvg on every fixture', () => {
  const fixtures = readdirSync('fixtures')
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => f.replace(/\.pcap$/, ''));

  it.each(fixtures)(
    '%s: one arrow a segment, and each side states what its transitions say, in order',
    async (fixture) => {
      const { report } = await analyze(`fixtures/${fixture}.pcap`);
      for (const c of report.connections.slice(0, 3)) {
        const d = await detail(fixture, c.id);
        const svg = ladderSvg(d, { maxRows: Number.POSITIVE_INFINITY });
        expect(arrows(svg)).toHaveLength(d.rows.length);
        for (const side of ['client', 'server'] as const) {
          const want = d.conn.transitions.filter((t) => t.endpoint === side).map((t) => t.to);
          expect(states(svg, side), `${fixture} #${c.id} ${side}`).toEqual(want);
        }
      }
    },
  );
});

describe('estimateFlights', () => {
  it('next to the client: client segments leave at capture time, server segments arrive at it', async () => {
    const d = await detail('normal-close-client');
    const f = estimateFlights({ ...d.conn, vantage: 'client' }, d.rows);
    expect(f.basis).toBe('handshake');
    expect(f.owd).toBeCloseTo(must(d.conn.handshakeRtt, 'd.conn.handshakeRtt') / 2, 9);
    d.rows.forEach((r, i) => {
      if (r.dir === 'c2s') expect(at(f.flights, i).send).toBeCloseTo(r.rel, 9);
      else expect(at(f.flights, i).arrive).toBeCloseTo(r.rel, 9);
      expect(at(f.flights, i).arrive).toBeGreaterThanOrEqual(at(f.flights, i).send);
    });
    const g = estimateFlights({ ...d.conn, vantage: 'server' }, d.rows);
    d.rows.forEach((r, i) => {
      if (r.dir === 's2c') expect(at(g.flights, i).send).toBeCloseTo(r.rel, 9);
      else expect(at(g.flights, i).arrive).toBeCloseTo(r.rel, 9);
    });
  });

  it.each(['normal-close-client', 'lossy-upload', 'lossy-download', 'simultaneous-close', 'zero-window'])(
    '%s: no segment is acknowledged before it arrived, at any vantage point',
    async (fixture) => {
      const d = await detail(fixture);
      for (const vantage of ['client', 'server', 'path', 'local', 'unknown'] as const) {
        const { flights } = estimateFlights({ ...d.conn, vantage }, d.rows);
        d.rows.forEach((s, i) => {
          if (!s.flags.includes('.')) return;
          d.rows.forEach((p, j) => {
            if (j >= i || p.dir === s.dir || seqSpace(p) === 0 || p.retransmission) return;
            if (p.relSeq + seqSpace(p) <= s.relAck) {
              expect(at(flights, i).send + 1e-9).toBeGreaterThanOrEqual(at(flights, j).arrive);
            }
          });
        });
      }
    },
  );
});
