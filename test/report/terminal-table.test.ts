/**
 * Issue 21, item 3: the connection table never cuts an endpoint or a kind name,
 * and shows the same columns at any width: what does not fit on a row's line
 * moves under it (figures, then the server under the client, then anomalies).
 */
import { describe, expect, it } from 'vitest';
import { stripAnsi, visibleLength } from '../../src/report/format.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { Capture, makeIo } from '../cli/harness.js';
import { run } from '../../src/cli/main.js';
import { anomaly, connection, report } from './factories.js';

const V6A = '2001:db8:85a3:1234:5678:8a2e:370:7334';
const V6B = '2001:db8:85a3:ffff:eeee:dddd:cccc:bbbb';

function sample() {
  const conns = [
    connection({
      id: 1,
      client: { addr: '172.16.11.12', port: 64565 },
      server: { addr: '172.16.11.200', port: 443 },
    }),
    connection({
      id: 2,
      client: { addr: '172.16.11.12', port: 64566 },
      server: { addr: '172.16.11.200', port: 443, state: 'CLOSE_WAIT' },
      anomalies: ['close-wait-stuck', 'high-retransmission-rate'],
    }),
    connection({
      id: 3,
      client: { addr: V6A, port: 51234, retransmissions: 3 },
      server: { addr: V6B, port: 8443 },
      anomalies: ['mid-stream-rst'],
    }),
  ];
  return report({
    connections: conns,
    anomalies: [
      anomaly('close-wait-stuck', { connection: 2 }),
      anomaly('high-retransmission-rate', { connection: 2 }),
      anomaly('mid-stream-rst', { connection: 3 }),
    ],
  });
}

const ENDPOINTS = [
  '172.16.11.12:64565',
  '172.16.11.12:64566',
  '172.16.11.200:443',
  `[${V6A}]:51234`,
  `[${V6B}]:8443`,
];
const COLUMN_NAMES = [
  'id',
  'client',
  'server',
  'client state',
  'server state',
  'duration',
  'pkts c/s',
  'bytes c/s',
  'retx c/s',
  'anomalies',
];

function table(out: string): string {
  const text = stripAnsi(out);
  return text.slice(text.indexOf('Connections'));
}

describe('the connection table', () => {
  it.each([80, 100, 120, 200])(
    'at %i columns: every endpoint and kind whole, every column named, nothing wider',
    (width) => {
      for (const color of [false, true]) {
        const out = renderTerminal(sample(), { color, width, all: false });
        const t = table(out);
        for (const e of ENDPOINTS) expect(t, `${e} at ${width}`).toContain(e);
        for (const k of ['close-wait-stuck', 'high-retransmission-rate', 'mid-stream-rst'])
          expect(t).toContain(k);
        for (const c of COLUMN_NAMES)
          expect(t, `${c} at ${width}`).toContain(c === 'client' || c === 'server' ? c : c);
        expect(t).not.toContain('…');
        for (const line of out.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(width);
        // Every figure is there at every width.
        expect(t).toMatch(/3\/0/); // retransmissions of connection 3
      }
    },
  );

  it('at 80 columns the IPv6 pair stacks, the rows stay readable', () => {
    const t = table(renderTerminal(sample(), { color: false, width: 80, all: false }));
    expect(t).toContain(`[${V6A}]:51234`);
    expect(t).toContain(`→ [${V6B}]:8443`);
    expect(t).toMatch(/^ +1 +172\.16\.11\.12:64565\s/m);
    expect(t).toMatch(/^ +→ 172\.16\.11\.200:443$/m);
  });

  it('at 240 columns a row is one line', () => {
    const t = table(renderTerminal(sample(), { color: false, width: 240, all: false }));
    const lines = t.trim().split('\n');
    expect(lines).toHaveLength(5); // title, header, 3 rows
    expect(lines[1]).toMatch(
      /^id +client +server +client state +server state +duration +pkts c\/s +bytes c\/s +retx c\/s +anomalies$/,
    );
  });

  it('piped (not a TTY, no COLUMNS): the same table at 100 columns, IPv6 endpoints whole', async () => {
    const text = [
      `10:00:00.000000 IP6 ${V6A}.51234 > ${V6B}.8443: Flags [S], seq 1, win 64240, length 0`,
      `10:00:00.000100 IP6 ${V6B}.8443 > ${V6A}.51234: Flags [R.], seq 0, ack 2, win 0, length 0`,
      '10:00:01.000000 IP 172.16.11.12.64565 > 172.16.11.200.443: Flags [S], seq 1, win 64240, length 0',
      '10:00:01.000100 IP 172.16.11.200.443 > 172.16.11.12.64565: Flags [R.], seq 0, ack 2, win 0, length 0',
    ].join('\n');
    const { io, stdout } = makeIo(
      (async function* () {
        yield Buffer.from(text);
      })(),
      { TZ: 'UTC' },
    );
    (stdout as Capture).columns = undefined as unknown as number;
    expect(await run(['-'], io)).toBe(0);
    const t = table(stdout.text);
    expect(t).toContain(`[${V6A}]:51234`);
    expect(t).toContain(`[${V6B}]:8443`);
    expect(t).toContain('172.16.11.12:64565');
    expect(t).toContain('connection-refused');
    expect(t).not.toContain('…');
    for (const line of stdout.text.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(100);
  });
});
