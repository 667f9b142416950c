import { describe, expect, it } from 'vitest';
import { stripAnsi, visibleLength } from '../../src/report/format.js';
import { elideRows, ladderJson, renderLadder } from '../../src/report/ladder.js';
import type { LadderReport } from '../../src/model/report.js';
import { LADDERS, ladder, row, UNSAFE_RE } from './factories.js';
import { at } from '../../src/model/checked.js';

const plain = { color: false, width: 100, absolute: false };
/** Colour sequences made visible, so colour snapshots can be read. */
const showEsc = (s: string) => s.replace(/\x1b/g, '\\e');

/** The arrow line of frame `frame`. */
function lineOf(text: string, frame: number): string {
  const line = text.split('\n').find((l) => new RegExp(`^\\s*\\d+\\.\\d{6}\\s+${frame}\\s`).test(l));
  if (!line) throw new Error(`no line for frame ${frame}`);
  return line;
}

describe('renderLadder', () => {
  const scenarios = [
    'normalClose',
    'simultaneousOpen',
    'simultaneousClose',
    'refused',
    'closeWait',
    'midStreamRst',
  ] as const;

  it.each(scenarios)('%s, colour off', (name) => {
    expect(renderLadder(LADDERS[name](), plain)).toMatchSnapshot();
  });

  it.each(scenarios)('%s, colour on', (name) => {
    const out = renderLadder(LADDERS[name](), { ...plain, color: true });
    expect(out).toContain('\x1b[');
    expect(stripAnsi(out)).toBe(renderLadder(LADDERS[name](), plain));
    expect(showEsc(out)).toMatchSnapshot();
  });

  it('draws the normal close as the textbook does: 11 arrows, states where they change', () => {
    const out = renderLadder(LADDERS.normalClose(), plain);
    const arrows = out.split('\n').filter((l) => /-->|<--/.test(l));
    expect(arrows).toHaveLength(11);
    expect(lineOf(out, 1)).toMatch(
      /^\s*0\.000000\s+1\s+SYN_SENT\s+-+ S seq=0 win=64240 len=0 -+>\s+SYN_RECEIVED$/,
    );
    expect(lineOf(out, 2)).toMatch(/ESTABLISHED\s+<-+ S\. seq=0 ack=1 win=65160 len=0 -+$/);
    // Unchanged states are blank: the data segment has no state on either side.
    expect(lineOf(out, 4)).toMatch(/^\s*[\d.]+\s+4\s{15}-+ P\. seq=1 ack=1 win=64240 len=517 -+>$/);
    expect(lineOf(out, 10)).toMatch(/TIME_WAIT\s+<-+ F\. .* -+\s+LAST_ACK$/);
    expect(lineOf(out, 11)).toMatch(/-+>\s+CLOSED$/);
    // Header: client on the left, server on the right, initial states under them.
    expect(out).toMatch(
      /time\s+frame\s+client\s+server\n\s+10\.0\.0\.1:40001\s+10\.0\.0\.2:80\n\s+CLOSED\s+LISTEN\n/,
    );
    expect(out).toMatch(/\n\s+end\s+TIME_WAIT\s+CLOSED\n$/);
  });

  it('keeps arrows and labels aligned: same label column both ways, the server column fixed', () => {
    const out = renderLadder(LADDERS.normalClose(), plain);
    const lines = [1, 2, 3, 5, 8, 10, 11].map((f) => lineOf(out, f));
    const serverCol = (l: string) => l.search(/(SYN_RECEIVED|ESTABLISHED|CLOSE_WAIT|LAST_ACK|CLOSED)$/);
    const cols = lines.map(serverCol).filter((c) => c > 40);
    expect(new Set(cols).size).toBe(1);
    const arrowEnd = lines.map((l) =>
      l.search(/[->](?=\s*(SYN_RECEIVED|ESTABLISHED|CLOSE_WAIT|LAST_ACK|CLOSED)?$)/),
    );
    expect(new Set(arrowEnd.filter((c) => c > 0)).size).toBeLessThanOrEqual(2);
  });

  it('reads simultaneous open: a SYN without ACK from the server, both sides changing on one line', () => {
    const out = renderLadder(LADDERS.simultaneousOpen(), plain);
    expect(out).toMatch(/\s+CLOSED\s+CLOSED\n/);
    expect(lineOf(out, 2)).toMatch(/SYN_RECEIVED\s+<-+ S seq=0 win=65160 len=0 -+\s+SYN_RECEIVED$/);
    expect(lineOf(out, 3)).toMatch(/-+ S\. seq=0 ack=1 .*-+>\s+ESTABLISHED$/);
    expect(lineOf(out, 4)).toMatch(/^\s*[\d.]+\s+4\s+ESTABLISHED\s+<-+ S\. seq=0 ack=1/);
  });

  it('reads simultaneous close: both sides go to CLOSING on the crossing FIN, then TIME_WAIT each', () => {
    const out = renderLadder(LADDERS.simultaneousClose(), plain);
    expect(lineOf(out, 6)).toMatch(/FIN_WAIT_1\s+-+ F\. seq=101 ack=201 .*-+>$/);
    expect(lineOf(out, 7)).toMatch(/CLOSING\s+<-+ F\. seq=201 ack=101 .*-+\s+CLOSING$/);
    expect(lineOf(out, 8)).toMatch(/-+>\s+TIME_WAIT$/);
    expect(lineOf(out, 9)).toMatch(/TIME_WAIT\s+<-+/);
    expect(out).toMatch(/end\s+TIME_WAIT\s+TIME_WAIT\n$/);
  });

  it('marks retransmissions and anomalies on their lines', () => {
    const out = renderLadder(LADDERS.midStreamRst(), plain);
    expect(lineOf(out, 7)).toMatch(/-+>\s+\[retransmission\]$/);
    expect(lineOf(out, 8)).toMatch(/win=0 len=0 -+\s+\[zero-window\]$/);
    expect(lineOf(out, 9)).toMatch(/CLOSED\s+<-+ R\. .*CLOSED\s+\[mid-stream-rst\]$/);
    expect(out).toContain('anomalies: zero-window, mid-stream-rst');
    expect(renderLadder(LADDERS.refused(), plain)).toMatch(
      /CLOSED\s+<-+ R\. seq=0 ack=1 .*\[connection-refused\]/,
    );
  });

  it('shows absolute sequence numbers with --absolute', () => {
    const out = renderLadder(LADDERS.normalClose(), { ...plain, absolute: true });
    expect(lineOf(out, 1)).toContain('S seq=3000000000 win=64240');
    expect(lineOf(out, 2)).toContain('S. seq=1234567 ack=3000000001');
    expect(out).toContain('absolute sequence numbers');
  });

  it.each([60, 80, 100, 140])('fits %i columns', (width) => {
    const out = renderLadder(LADDERS.normalClose(), { ...plain, width });
    for (const line of out.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(Math.max(width, 80));
    if (width >= 80)
      for (const line of out.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(width);
  });

  it('never lets control characters from the capture through', () => {
    const l = LADDERS.normalClose();
    l.connection.history = 'Sh\x1b[2J';
    l.connection.anomalies = ['evil\x1b]0;pwned\x07'];
    at(l.rows, 3).flags = 'P\x1b[31m.';
    at(l.rows, 3).anomalies = ['x\u202eevil'];
    const out = stripAnsi(renderLadder(l, { ...plain, color: true }));
    expect(UNSAFE_RE.test(out.replace(/\n/g, ''))).toBe(false);
    expect(out).toContain('\\x1b[2J');
  });

  it('draws a connection with no rows', () => {
    const l: LadderReport = { ...ladder([]), rows: [] };
    expect(renderLadder(l, plain)).toContain('(no segments)');
  });
});

describe('elideRows', () => {
  const big = () => LADDERS.bulk(100); // 3 + 200 + 4 = 207 rows

  it('keeps head and tail and counts the rest', () => {
    const rows = big().rows;
    expect(rows).toHaveLength(207);
    const e = elideRows(rows, false);
    expect(e.rows).toHaveLength(40);
    expect(e.elided).toBe(167);
    expect(e.elidedAfter).toBe(20);
    expect(e.rows[19]).toBe(rows[19]);
    expect(e.rows[20]).toBe(rows[187]);
    expect(e.elidedStates).toEqual({ client: 'ESTABLISHED', server: 'ESTABLISHED' });
    const custom = elideRows(rows, false, 5, 3);
    expect(custom.rows).toHaveLength(8);
    expect(custom.elided).toBe(199);
  });

  it('keeps everything with --all or when eliding would save nothing', () => {
    const rows = big().rows;
    expect(elideRows(rows, true)).toEqual({ rows, elided: 0 });
    expect(elideRows(rows.slice(0, 41), false).elided).toBe(0);
    expect(elideRows(rows.slice(0, 42), false).elided).toBe(2);
    expect(elideRows([], false)).toEqual({ rows: [], elided: 0 });
  });

  it('draws the gap where it is, with its count and the states at that point', () => {
    const l = big();
    const e = elideRows(l.rows, false, 5, 5);
    const out = renderLadder({ ...l, ...e }, plain);
    const lines = out.split('\n');
    const gap = lines.findIndex((x) => x.includes('segments not shown'));
    expect(lines[gap]).toMatch(/^\s+\.\.\. 197 segments not shown \(--all to show every segment\) \.\.\.$/);
    expect(lines[gap - 1]).toMatch(/\s5\s/);
    expect(lines[gap + 1]).toMatch(/^\s+ESTABLISHED\s+ESTABLISHED$/);
    expect(lines[gap + 2]).toMatch(/\s203\s/);
    expect(out).toContain('207 segments in');
    expect(lines.filter((x) => /-->|<--/.test(x))).toHaveLength(10);
  });

  it('finds the states after the gap from the transitions when the report does not say', () => {
    const l = LADDERS.normalClose();
    // Leave out frames 3..7 without elidedStates: frame 8 changes both sides, so the
    // states before it come from the transitions (ESTABLISHED on both sides).
    const rows = [...l.rows.slice(0, 2), ...l.rows.slice(7)];
    const out = renderLadder({ ...l, rows, elided: 5, elidedAfter: 2 }, plain);
    expect(out).toMatch(/5 segments not shown.*\n\s+ESTABLISHED\s+ESTABLISHED\n.*FIN_WAIT_1/);
  });
});

describe('ladderJson', () => {
  it('is the ladder as data', () => {
    const l = LADDERS.refused();
    const j = ladderJson(l);
    expect(JSON.parse(JSON.stringify(j))).toEqual(l);
    expect(j.rows[1]).toEqual(row({ ...at(l.rows, 1) }));
  });
});
