/**
 * Issue 2: the same traffic as pcap, pcapng (editcap -F pcapng), nanosecond pcap
 * (editcap -F nsecpcap), gzip, with an 802.1Q tag added (tcprewrite
 * --enet-vlan=add) and from standard input gives the same analysis. The tools
 * come from Debian's wireshark-common and tcpreplay (test/helpers/tools.ts: a
 * missing one fails in CI, and skips with its name elsewhere).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/model/report.js';
import { itWithTools } from '../helpers/tools.js';

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
    /** [variant, the tools it needs, how to make it] */
    const variants: [string, string[], () => string][] = [
      ['pcapng', ['editcap'], () => convert('editcap', ['-F', 'pcapng', pcap], 'pcapng')],
      ['nanosecond pcap', ['editcap'], () => convert('editcap', ['-F', 'nsecpcap', pcap], 'ns.pcap')],
      ['gzip', [], () => write(`${name}.pcap.gz`, gzipSync(readFileSync(pcap)))],
      [
        'gzip pcapng',
        ['editcap'],
        () =>
          write(
            `${name}.pcapng.gz`,
            gzipSync(readFileSync(convert('editcap', ['-F', 'pcapng', pcap], 'pcapng'))),
          ),
      ],
      [
        '802.1Q tag added',
        ['tcprewrite'],
        () =>
          convert(
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
          ),
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

    for (const [v, tools, make] of variants) {
      itWithTools(tools, `as ${v}`, async () => {
        const file = make();
        expect(readFileSync(file).equals(readFileSync(pcap)), 'the variant is other bytes').toBe(false);
        const want = view((await analyze(pcap)).report);
        expect(want.connections.length).toBeGreaterThan(0);
        expect(view((await analyze(file)).report)).toEqual(want);
      });
    }

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
