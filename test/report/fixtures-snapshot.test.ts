/**
 * Issue 5: the terminal report and the ladder on real captures (the fixture
 * suite), checked against truths made without this tool:
 * - the ladder's rows against tshark's dissection of the same frames (frame
 *   numbers, direction, flags, relative seq/ack, window, length, time), and its
 *   final states against the kernel's (`ss -tan`, fixtures/NAME.expected.json);
 * - the report's packet count and time span against tshark's, its endpoint
 *   state counts, connection rows and anomaly kinds against the kernel's and the
 *   scenario's (expected.json).
 * What only a snapshot can hold is the layout (column order, alignment,
 * wrapping): one report and one ladder are snapshots, for that alone; their
 * figures are those checked here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { makeIo } from '../cli/harness.js';
import { itWithTools } from '../helpers/tools.js';
import { at, must } from '../../src/model/checked.js';

const DIR = join(import.meta.dirname, '../../fixtures');
const F = (n: string) => join(DIR, `${n}.pcap`);
const SCENARIOS = [
  'normal-close-client',
  'simultaneous-close',
  'connection-refused',
  'close-wait-stuck',
  'time-wait-storm',
];

interface Expected {
  connections: { client: string; server: string; clientState: string; serverState: string }[];
  stateCounts?: { client: Record<string, number>; server: Record<string, number> };
  anomalies: string[];
  mayAppear?: string[];
}
const expected = (name: string) =>
  JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;

async function cli(argv: string[], color: boolean, columns = 100): Promise<string> {
  const { io, stdout } = makeIo(undefined, color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' });
  if (color) delete io.env.NO_COLOR;
  stdout.columns = columns;
  const code = await run(argv, io);
  expect(code).toBe(0);
  // The file path differs between checkouts.
  return stdout.text.replaceAll(DIR, 'fixtures');
}

/** tshark's fields for the frames of `filter`, one array a frame. */
function tshark(file: string, filter: string, fields: string[]): string[][] {
  const args = ['-r', file, '-o', 'tcp.relative_sequence_numbers:TRUE', '-T', 'fields'];
  if (filter) args.push('-Y', filter);
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** Nanoseconds since the epoch of tshark's frame.time_epoch text. */
function ns(epoch: string): bigint {
  const [s, f = ''] = epoch.split('.');
  return BigInt(must(s, 's')) * 1_000_000_000n + BigInt(f.padEnd(9, '0').slice(0, 9));
}

/** tcpdump-style flag letters (as the ladder prints them) to TCP flag bits. */
function flagBits(letters: string): number {
  const bit: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, '.': 16, U: 32, E: 64, W: 128 };
  let b = 0;
  for (const ch of letters) {
    expect(bit[ch], `flag letter ${ch}`).toBeDefined();
    b |= must(bit[ch], 'bit[ch]');
  }
  return b;
}

describe.each(SCENARIOS)('%s', (name) => {
  const exp = expected(name);

  itWithTools(['tshark'], 'ladder --conn 1: every row is the frame tshark dissects', async () => {
    const rowRe =
      /^\s*(\d+\.\d{6})\s+(\d+)\s+(?:[A-Z_0-9]+\*?\s+)?(<-+|-+) ([A-Z.]+) seq=(\d+)(?: ack=(\d+))?(?: win=(\d+))? len=(\d+) (-+>|-+)/;
    const parse = (t: string) =>
      t
        .split('\n')
        .map((l) => rowRe.exec(l))
        .filter((m) => m !== null);
    const text = await cli(['ladder', F(name), '--conn', '1'], false);
    const relative = parse(text);
    // Raw numbers (--absolute) compare with tshark's without a choice of origin.
    // (wide enough that no column is left out).
    const rows = parse(await cli(['ladder', F(name), '--conn', '1', '--absolute'], false, 200));
    // Connection 1 is tshark's first TCP stream.
    const theirs = tshark(F(name), 'tcp.stream == 0', [
      'frame.number',
      'frame.time_epoch',
      'ip.src',
      'tcp.flags',
      'tcp.seq_raw',
      'tcp.ack_raw',
      'tcp.window_size_value',
      'tcp.len',
    ]);
    expect(rows.length).toBe(theirs.length);
    expect(relative.length).toBe(theirs.length);
    const client = at(exp.connections, 0).client.split(':')[0];
    const t0 = ns(at(at(theirs, 0), 1));
    // Each side's ISN, from its SYN: relative numbers count from it.
    const isn = new Map<string, number>();
    for (const [, , src, flags, seq] of theirs) if (Number(flags) & 2) isn.set(must(src, 'src'), Number(seq));
    rows.forEach((m, i) => {
      const [frame, epoch, src, flags, seq, ack, win, len] = at(theirs, i);
      const toServer = at(m, 9).endsWith('>');
      expect(toServer, `frame ${frame} direction`).toBe(src === client);
      expect(at(m, 3).startsWith('<'), `frame ${frame} arrow`).toBe(!toServer);
      const bits = Number(flags) & 0xff;
      const us = (ns(must(epoch, 'epoch')) - t0) / 1000n;
      const time = `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
      expect({
        frame: Number(m[2]),
        time: m[1],
        flags: flagBits(at(m, 4)),
        seq: Number(m[5]),
        ack: m[6] === undefined ? null : Number(m[6]),
        win: m[7] === undefined ? null : Number(m[7]),
        len: Number(m[8]),
      }).toEqual({
        frame: Number(frame),
        time,
        flags: bits,
        seq: Number(seq),
        // The ladder shows ack= when the ACK flag is set, win= unless the width leaves windows out.
        ack: bits & 16 ? Number(ack) : null,
        win: m[7] === undefined ? null : Number(win),
        len: Number(len),
      });
      const r = at(relative, i);
      const dst = [...isn.keys()].find((a) => a !== src);
      if (isn.has(must(src, 'src')))
        expect(Number(r[5]), `frame ${frame} relative seq`).toBe(
          (Number(seq) - must(isn.get(must(src, 'src')), "isn.get(must(src, 'src'))")) >>> 0,
        );
      if (bits & 16 && dst !== undefined)
        expect(Number(r[6]), `frame ${frame} relative ack`).toBe(
          (Number(ack) - must(isn.get(dst), 'isn.get(dst)')) >>> 0,
        );
    });
    // The final states are the kernel's.
    const end = must(
      text.split('\n').find((l) => /^\s+end\s/.test(l)),
      "text.split('\\n').find((l) => /^\\s+end\\s/.test(l))",
    );
    const c = at(exp.connections, 0);
    // (a `*` marks a state the capture does not show directly: the kernel's still.)
    expect(end.trim().replace(/\*/g, '').split(/\s+/)).toEqual(['end', c.clientState, c.serverState]);
  });

  itWithTools(
    ['tshark'],
    "report: packets and time span as tshark reads them; states and kinds as the kernel's and the scenario's",
    async () => {
      const text = await cli([F(name)], false);
      const frames = tshark(F(name), '', ['frame.time_epoch', 'tcp.srcport']);
      const tcp = frames.filter((f) => f[1] !== '').length;
      const n = (x: number) => x.toLocaleString('en-US');
      expect(text).toContain(`${n(frames.length)} packets, ${n(tcp)} TCP segments`);
      const iso = (epoch: string) => {
        const us = ns(epoch) / 1000n;
        return `${new Date(Number(us / 1000n)).toISOString().slice(0, 19)}.${String(us % 1_000_000n).padStart(6, '0')}Z`;
      };
      expect(text).toContain(
        `${iso(at(at(frames, 0), 0))} → ${iso(at(must(frames.at(-1), 'frames.at(-1)'), 0))}`,
      );

      // Endpoint states at the end: the kernel's, per side.
      const counts = exp.stateCounts ?? {
        client: tally(exp.connections.map((c) => c.clientState)),
        server: tally(exp.connections.map((c) => c.serverState)),
      };
      const block = at(text.split('Endpoint states at the end of the capture\n'), 1);
      for (const side of ['client', 'server'] as const) {
        const line = must(
          block.split('\n').find((l) => l.startsWith(`  ${side}  `)),
          "block.split('\\n').find((l) => l.startsWith(` ${...",
        );
        const got = Object.fromEntries(
          line
            .slice(`  ${side}  `.length)
            .split(/,\s*/)
            .map((p) => p.trim().split(/\s+/))
            .map(([count, state]) => [must(state, 'state'), Number(must(count, 'count').replace(/,/g, ''))]),
        );
        expect(got, side).toEqual(counts[side]);
      }

      // Each connection row shown: the kernel's endpoints and states.
      const kernel = new Map(exp.connections.map((c) => [`${c.client} ${c.server}`, c]));
      const rowRe = /^\s*\d+\s+(\S+:\d+)\s+(\S+:\d+)\s+([A-Z_0-9]+)\s+([A-Z_0-9]+)\s/;
      const table = at(text.split(/^Connections {2}/m), 1);
      const shown = table
        .split('\n')
        .map((l) => rowRe.exec(l))
        .filter((m) => m !== null);
      expect(shown.length).toBe(Math.min(25, exp.connections.length));
      for (const m of shown) {
        const k = kernel.get(`${m[1]} ${m[2]}`);
        expect(k, `${m[1]} ${m[2]}`).toBeDefined();
        expect([m[3], m[4]]).toEqual([must(k, 'k').clientState, must(k, 'k').serverState]);
      }

      // Anomaly kinds: the ones the scenario shows, and none it must not.
      const kinds = [...text.matchAll(/^ {2}(?:error|warning|info) +([a-z0-9-]+) ×\d+/gm)].map((m) =>
        at(m, 1),
      );
      for (const k of exp.anomalies) expect(kinds).toContain(k);
      for (const k of kinds) expect([...exp.anomalies, ...(exp.mayAppear ?? [])]).toContain(k);
    },
  );

  it('colour on is colour off plus escape sequences only', async () => {
    for (const argv of [[F(name)], ['ladder', F(name), '--conn', '1']]) {
      const plain = await cli(argv, false);
      const coloured = await cli(argv, true);
      expect(coloured).toContain('\x1b[');
      expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
    }
  });
});

function tally(states: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const s of states) t[s] = (t[s] ?? 0) + 1;
  return t;
}

// Layout only (what no other truth can say: columns, alignment, wrapping at 100 columns);
// the figures in these two are the ones checked above against tshark and the kernel.
describe('layout at 100 columns, colour off', () => {
  it('report of normal-close-client', async () => {
    expect(await cli([F('normal-close-client')], false)).toMatchSnapshot();
  });
  it('ladder of normal-close-client', async () => {
    expect(await cli(['ladder', F('normal-close-client'), '--conn', '1'], false)).toMatchSnapshot();
  });
});
