/** The HTML report's data: states over time, the packed table, the connections drawn. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze.js';
import { buildPageData, chooseDetails } from '../../../src/report/html/data.js';
import { rttSeries, throughputSeries } from '../../../src/report/html/rtt-throughput.js';
import { seqGraphSvg } from '../../../src/report/html/seq-svg.js';
import { COUNTED_STATES } from '../../../src/report/html/state-colors.js';
import { statesTimeline } from '../../../src/report/html/timeline.js';
import { unpackDetail } from '../../../src/report/html/unpack.js';
import { at, must } from '../../../src/model/checked.js';

const all = { ids: 'all' as const };

describe('statesTimeline', () => {
  it.each(['time-wait-storm', 'close-wait-stuck', 'syn-flood', 'port-reuse-client-tw', 'midstream-start'])(
    '%s: the last point counts the endpoint states the report ends with',
    async (fixture) => {
      const { report } = await analyze(`fixtures/${fixture}.pcap`);
      const tl = statesTimeline(report);
      const last = tl.times.length - 1;
      for (const s of COUNTED_STATES) {
        const want = (report.states.client[s] ?? 0) + (report.states.server[s] ?? 0);
        expect(tl.capture[s]?.[last] ?? 0, s).toBe(want);
      }
      expect(tl.times[0]).toBe(report.capture.start);
      expect(tl.times[last]).toBe(report.capture.end);
    },
  );

  it('time-wait-storm: the TIME_WAIT peak reaches the storm threshold, and the storm is marked', async () => {
    const { report } = await analyze('fixtures/time-wait-storm.pcap');
    const tl = statesTimeline(report);
    const storm = must(
      report.anomalies.find((a) => a.kind === 'time-wait-storm'),
      "report.anomalies.find((a) => a.kind === 'time-w...",
    );
    expect(storm).toBeDefined();
    const peak = Math.max(...must(tl.capture.TIME_WAIT, 'tl.capture.TIME_WAIT'));
    // The chart's peak is the detector's: one host's TIME_WAIT endpoints at once.
    expect(peak).toBe(must(storm.details, 'storm.details').peak);
    expect(peak).toBeGreaterThan(Number(must(storm.details, 'storm.details').threshold));
    expect(
      tl.markers.some(
        (m) => m.kind === 'time-wait-storm' && m.hosts.includes(must(storm.host, 'storm.host')),
      ),
    ).toBe(true);
    const host = must(
      tl.hosts.find((h) => h.host === storm.host),
      'tl.hosts.find((h) => h.host === storm.host)',
    );
    expect(Math.max(...must(host.series.TIME_WAIT, 'host.series.TIME_WAIT'))).toBe(peak);
    console.log(
      `time-wait-storm: TIME_WAIT peak ${peak}, ${tl.times.length} points, ${tl.markers.length} markers`,
    );
  });

  it('samples a capture with more changes than maxPoints, keeping the end exact', async () => {
    const { report } = await analyze('fixtures/syn-flood.pcap');
    const tl = statesTimeline(report, { maxPoints: 50 });
    expect(tl.sampled).toBe(true);
    expect(tl.times).toHaveLength(50);
    const last = 49;
    expect(tl.capture.SYN_RECEIVED?.[last] ?? 0).toBe(report.states.server.SYN_RECEIVED ?? 0);
  });
});

describe('buildPageData', () => {
  it('packs every connection, draws the ones with anomalies first, and unpacks to the recorded rows', async () => {
    const { report, ladders } = await analyze('fixtures/syn-flood.pcap', { ladders: all });
    const order = chooseDetails(report, [3]);
    expect(order[0]).toBe(3);
    const d = buildPageData(report, must(ladders, 'ladders'), order, { connections: 5, rows: 1e6 });
    expect(d.table.rows).toHaveLength(report.connections.length);
    expect(d.details.map((x) => x.conn.id)).toEqual(order.slice(0, 5));
    expect(d.table.rows.filter((r) => r[15] === 1)).toHaveLength(5);
    const anomalous = report.connections.filter((c) => c.anomalies.length > 0).length;
    expect(d.detailsLeftOut).toBe(anomalous - d.details.filter((x) => x.conn.anomalies.length > 0).length);
    const back = unpackDetail(at(d.details, 1), d.table.kinds);
    const orig = must(
      must(ladders, 'ladders').get(at(d.details, 1).conn.id),
      "must(ladders, 'ladders').get(at(d.details, 1).c...",
    ).rows;
    expect(back.rows.map((r) => [r.frame, r.dir, r.flags, r.relSeq, r.relAck, r.len, r.win])).toEqual(
      orig.map((r) => [r.frame, r.dir, r.flags, r.relSeq, r.relAck, r.len, r.win]),
    );
    expect(d.kinds.map((k) => k.kind).sort()).toEqual(Object.keys(report.anomalyCounts ?? {}).sort());
  });

  it('stays within the row budget', async () => {
    const { report, ladders } = await analyze('fixtures/lossy-download.pcap', { ladders: all });
    const rows = must(must(ladders, 'ladders').get(1), "must(ladders, 'ladders').get(1)").rows.length;
    const d = buildPageData(report, must(ladders, 'ladders'), chooseDetails(report, []), {
      connections: 10,
      rows: rows - 1,
    });
    expect(d.details).toHaveLength(0);
    expect(d.detailsLeftOut).toBe(1);
  });
});

describe('sequence graph, RTT and throughput', () => {
  it('lossy-download: the server data graph shows its retransmissions and the client SACKs', async () => {
    const { ladder } = await analyze('fixtures/lossy-download.pcap', { ladder: 1 });
    const rows = must(ladder, 'ladder').rows;
    const g = seqGraphSvg(must(ladder, 'ladder').connection, rows, 's2c');
    expect(g.counts.retransmissions).toBe(
      rows.filter((r) => r.dir === 's2c' && r.retransmission && r.len > 0).length,
    );
    expect(g.counts.retransmissions).toBeGreaterThan(0);
    const sacks = rows.filter((r) => r.dir === 'c2s').reduce((n, r) => n + (r.sack?.length ?? 0), 0);
    expect(sacks).toBeGreaterThan(0);
    expect(g.counts.sackBlocks).toBe(sacks);
    expect(g.svg).toContain('class="retx"');
    const rtt = rttSeries(rows);
    expect(rtt.s2c.t.length).toBeGreaterThan(10);
    expect(Math.min(...rtt.s2c.rtt)).toBeGreaterThan(0);
    const tp = throughputSeries(rows);
    const total = tp.s2c.reduce((s, v) => s + v * tp.bin, 0);
    expect(Math.abs(total - must(ladder, 'ladder').connection.server.bytes)).toBeLessThanOrEqual(1);
    console.log(
      `lossy-download: ${g.counts.data} data segments, ${g.counts.retransmissions} retransmitted, ${sacks} SACK blocks, ${rtt.s2c.t.length} RTT samples`,
    );
  });

  it('zero-window: the zero-window periods are shaded', async () => {
    const { ladder } = await analyze('fixtures/zero-window.pcap', { ladder: 1 });
    const g = seqGraphSvg(must(ladder, 'ladder').connection, must(ladder, 'ladder').rows, 'c2s');
    expect(g.counts.zeroWindows).toBeGreaterThan(0);
    expect(g.svg.match(/class="zero"><title>zero window/g)?.length).toBe(g.counts.zeroWindows);
  });
});
