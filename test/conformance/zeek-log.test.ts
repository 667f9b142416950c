/**
 * The `--zeek` view (Zeek's conn.log: connections split by Zeek's timers, its
 * conn_state and history) against Zeek's own baselines: the corpus's
 * (test/zeek/zeek-baselines.ts) and the other Zeek test traces with conn.log
 * baselines (test/conformance/zeek-traces/, manifest.json), row by row.
 *
 * Each run is emulated as Zeek was run: a `zeek -b` run loads only the scripts
 * the test names, so its likely_server_ports (which decide flips) are theirs;
 * a run without -C validates checksums. The CLI's `--zeek` emulates a plain
 * `zeek -C` run. The rows come from analyze()'s
 * onZeekRow, what the CLI prints with --zeek.
 *
 * A row agrees when its originator, conn_state and history (those the baseline
 * logs) equal ours. Rows of a baseline that logs no connection ids are matched
 * by value (a row of ours with the same history and conn_state, each used once).
 * Every disagreement is listed with its reason in zeek-disagreements.ts: the
 * test fails on one not listed, and on a listed one that now agrees.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { ZeekRow as LogRow } from '../../src/zeek/conn-log.js';
import {
  type OurConn,
  type RowResult,
  type ZeekCase,
  compareWithZeek,
  loadZeekCases,
} from '../zeek/zeek-baselines.js';
import { ZEEK_DISAGREEMENTS } from './zeek-disagreements.js';
import { loadZeekTraceCases } from './zeek-traces.js';
import { at } from '../../src/model/checked.js';

async function zeekView(c: ZeekCase): Promise<OurConn[]> {
  const rows: LogRow[] = [];
  await analyze(c.pcap, {
    onZeekRow: (r) => rows.push(r),
    zeek: { likelyServerPorts: c.likelyServerPorts, checksums: c.checksums },
  });
  return rows.map((r) => ({
    start: r.ts,
    origH: r.origH,
    origP: r.origP,
    respH: r.respH,
    respP: r.respP,
    connState: r.connState,
    history: r.history,
    origState: r.origState,
    respState: r.respState,
  }));
}

/** Rows without connection ids: each matched with an unused row of ours of the same history and conn_state. */
function compareByValue(c: ZeekCase, ours: OurConn[]): RowResult[] {
  const free = [...ours];
  return c.rows.map((row) => {
    const same = (o: OurConn) =>
      (row.history === undefined || row.history === o.history) &&
      (row.connState === undefined || row.connState === o.connState);
    const i = free.findIndex(same);
    if (i >= 0) return { row, ours: at(free.splice(i, 1), 0), agree: true, diff: '' };
    const got = free.map((o) => `${o.history || '-'} ${o.connState}`).join(', ') || 'none';
    return {
      row,
      ours: null,
      agree: false,
      diff: `no row with history ${row.history ?? '?'} conn_state ${row.connState ?? '?'} (unmatched rows of ours: ${got})`,
    };
  });
}

describe('--zeek vs Zeek baselines', () => {
  it("conn_state and history agree on >= 98% of the TCP rows of Zeek's test traces; every disagreement is listed", async () => {
    const corpus = loadZeekCases();
    const traces = loadZeekTraceCases();
    const results: { key: string; r: RowResult; set: string }[] = [];
    for (const [set, cases] of [
      ['corpus', corpus],
      ['zeek-traces', traces],
    ] as const) {
      for (const c of cases) {
        // Rows that carry only Zeek's endpoint states (no conn_state, no history) are not conn.log rows.
        const rows = c.rows.filter((r) => r.connState !== undefined || r.history !== undefined);
        if (rows.length === 0) continue;
        const ours = await zeekView(c);
        const cmp =
          rows.every((r) => r.origH === undefined) && !c.single
            ? compareByValue({ ...c, rows }, ours)
            : compareWithZeek(rows, ours, c.single).results;
        for (const r of cmp) results.push({ key: `${r.row.file}#${r.row.index}`, r, set });
      }
    }

    const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;
    const summary = (set: string) => {
      const all = results.filter((x) => x.set === set);
      const ok = all.filter((x) => x.r.agree).length;
      return `${set} ${ok}/${all.length} (${pct(ok, all.length)})`;
    };
    const agree = results.filter((x) => x.r.agree).length;
    const misses = results.filter((x) => !x.r.agree);
    // One capture (llc.pcap, FDDI, 1,333 rows) holds most rows: the figure without the largest baseline too.
    const perFile = new Map<string, number>();
    for (const x of results) perFile.set(x.r.row.file, (perFile.get(x.r.row.file) ?? 0) + 1);
    const [largest, largestRows] = at(
      [...perFile].sort((p, q) => q[1] - p[1]),
      0,
    );
    const rest = results.filter((x) => x.r.row.file !== largest);
    const restAgree = rest.filter((x) => x.r.agree).length;
    console.log(
      [
        `--zeek vs Zeek, TCP rows: ${agree}/${results.length} agree (${pct(agree, results.length)}); ${summary('corpus')}, ${summary('zeek-traces')} over ${traces.length} runs`,
        `  without the largest baseline (${largest}, ${largestRows} rows): ${restAgree}/${rest.length} (${pct(restAgree, rest.length)})`,
        ...misses.map((x) => `  ${x.key}: ${x.r.diff} -- ${ZEEK_DISAGREEMENTS[x.key] ?? 'NOT LISTED'}`),
      ].join('\n'),
    );

    expect(misses.filter((x) => !(x.key in ZEEK_DISAGREEMENTS)).map((x) => `${x.key}: ${x.r.diff}`)).toEqual(
      [],
    );
    const stale = Object.keys(ZEEK_DISAGREEMENTS).filter(
      (k) => results.find((x) => x.key === k)?.r.agree !== false,
    );
    expect(stale).toEqual([]);
    expect(agree / results.length).toBeGreaterThanOrEqual(0.98);
  });
});
