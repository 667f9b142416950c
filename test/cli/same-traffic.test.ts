/**
 * Issue 2: the same traffic as pcap, pcapng (editcap -F pcapng), nanosecond pcap
 * (editcap -F nsecpcap), gzip, with an 802.1Q tag added (tcprewrite
 * --enet-vlan=add) and from standard input gives the same analysis. The tools
 * come from Debian's wireshark-common and tcpreplay; cases skip without them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/report/model.js';

const has = (cmd: string) => spawnSync(cmd, ['--version']).error === undefined;
const FIX = join(import.meta.dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'tt-same-'));

function view(r: Report) {
  return {
    packets: r.capture.tcpPackets,
    connections: r.connections.map((c) => ({
      id: c.id,
      client: [
        c.client.addr,
        c.client.port,
        c.client.state,
        c.client.packets,
        c.client.bytes,
        c.client.retransmissions,
      ],
      server: [
        c.server.addr,
        c.server.port,
        c.server.state,
        c.server.packets,
        c.server.bytes,
        c.server.retransmissions,
      ],
      connState: c.connState,
      history: c.history,
      transitions: c.transitions.map((t) => `${t.frame} ${t.endpoint} ${t.from}>${t.to}`),
      anomalies: c.anomalies,
    })),
    anomalies: r.anomalies.map((a) => `${a.kind} ${a.connection} ${a.frame}`),
  };
}

describe.each(['normal-close-client', 'lossy-download', 'simultaneous-open', 'port-reuse-server-tw'])(
  '%s',
  (name) => {
    const pcap = join(FIX, `${name}.pcap`);
    const variants: [string, () => string | null][] = [
      ['pcapng', () => (has('editcap') ? convert('editcap', ['-F', 'pcapng', pcap], 'pcapng') : null)],
      [
        'nanosecond pcap',
        () => (has('editcap') ? convert('editcap', ['-F', 'nsecpcap', pcap], 'ns.pcap') : null),
      ],
      ['gzip', () => write(`${name}.pcap.gz`, gzipSync(readFileSync(pcap)))],
      [
        'gzip pcapng',
        () =>
          has('editcap')
            ? write(
                `${name}.pcapng.gz`,
                gzipSync(readFileSync(convert('editcap', ['-F', 'pcapng', pcap], 'pcapng'))),
              )
            : null,
      ],
      [
        '802.1Q tag added',
        () =>
          has('tcprewrite')
            ? convert(
                'tcprewrite',
                [
                  '--enet-vlan=add',
                  '--enet-vlan-tag=42',
                  '--enet-vlan-cfi=0',
                  '--enet-vlan-pri=0',
                  `--infile=${pcap}`,
                ],
                'vlan.pcap',
                '--outfile=',
              )
            : null,
      ],
    ];

    function write(file: string, b: Uint8Array): string {
      const p = join(dir, file);
      writeFileSync(p, b);
      return p;
    }

    function convert(cmd: string, args: string[], suffix: string, outFlag?: string): string {
      const out = join(dir, `${name}.${cmd}.${suffix}`);
      const r = spawnSync(cmd, outFlag ? [...args, `${outFlag}${out}`] : [...args, out]);
      if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
      return out;
    }

    it.each(variants)('as %s', async (_v, make) => {
      const file = make();
      if (file === null) return;
      const want = view((await analyze(pcap)).report);
      expect(view((await analyze(file)).report)).toEqual(want);
    });

    it('from standard input', async () => {
      const want = view((await analyze(pcap)).report);
      async function* stdin() {
        const b = readFileSync(pcap);
        for (let i = 0; i < b.length; i += 1000) yield b.subarray(i, i + 1000);
      }
      expect(view((await analyze('-', { stdin: stdin() })).report)).toEqual(want);
    });
  },
);
