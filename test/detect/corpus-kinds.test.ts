/**
 * Anomaly kinds on real captures made by others (test/corpus) and by the
 * kernel (fixtures/): each kind appears where the capture shows it, and not on
 * normal traffic, keep-alive or a long idle connection.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { CORPUS } from '../helpers/corpus.mjs';

const FIX = join(import.meta.dirname, '../../fixtures');

/** `file?key=value` runs with that threshold. */
async function kinds(spec: string): Promise<string[]> {
  const [path, query] = spec.split('?') as [string, string | undefined];
  const settings = query ? Object.fromEntries([query.split('=').map((x, i) => (i ? Number(x) : x))]) : {};
  const { report } = await analyze(path, { settings });
  return [...new Set(report.anomalies.map((a) => a.kind))].sort();
}

const shows: [string, string, string][] = [
  ['rst-out-of-window', 'corpus', 'zeek/tcp/rst-inject-rae.pcap'], // forged RST, ack = ISN (not ISN + 1)
  ['data-after-rst', 'corpus', 'suricata-verify/security-4710-01/input.pcap'], // RST ignored, data goes on
  ['syn-with-data', 'corpus', 'zeek/tcp/payload-syn.pcap'],
  ['high-retransmission-rate', 'corpus', 'zeek/tcp/retransmit-fast009.pcap'],
  // The client resets after the server's answer and FIN, all acknowledged (Windows' usual close).
  ['client-abort', 'corpus', 'pcapplusplus/one_http_stream_rst.pcap'],
  ['client-abort', 'fixtures', 'abort-linger0.pcap'], // SO_LINGER 0 after request and response
  ['mid-stream-rst', 'fixtures', 'server-rst-midstream.pcap'],
  ['mid-stream-rst', 'fixtures', 'close-unread-data.pcap'], // the server closes with unread data: RST
  ['connection-refused', 'corpus', 'zeek/pop3/pop3.pcap'],
  // Connection 8: a SYN resent once and answered 3.05 s after the first: a slow setup, not
  // syn-no-synack (raised at the 3 s deadline, retracted when the SYN-ACK came).
  ['handshake-retransmitted', 'corpus', 'zeek/pop3/pop3.pcap'],
  ['midstream-start', 'corpus', 'suricata-verify/bug-2491-02/simple_http_download.onesided.nosyn.pcap'],
  ['syn-no-synack', 'fixtures', 'syn-dropped.pcap'],
  // Suricata's evasion test: data sent after the sender's own FIN (a crafted stream).
  ['data-after-fin', 'corpus', 'suricata-verify/bug-3286-02-linux-evasion/with_evasion_linux.pcap'],
  ['keep-alive', 'corpus', 'pcapplusplus/one_tcp_stream.pcap'], // a one-byte (Windows-style) probe
  ['synack-no-ack', 'fixtures', 'synack-no-ack.pcap'], // the client's ACKs dropped: the server resends
  ['close-wait-stuck', 'fixtures', 'close-wait-stuck.pcap'],
  ['fin-wait-2-stuck', 'fixtures', 'fin-wait-2-timeout.pcap?finWait2Timeout=2'], // 4 s in FIN_WAIT_2
  ['zero-window', 'fixtures', 'zero-window.pcap'],
  ['time-wait-storm', 'fixtures', 'time-wait-storm.pcap'],
  ['syn-flood', 'fixtures', 'syn-flood.pcap'],
  ['half-open', 'fixtures', 'peer-vanished.pcap'],
  ['retransmission-burst', 'fixtures', 'lossy-upload.pcap'],
  ['port-reuse-time-wait', 'fixtures', 'port-reuse-server-tw.pcap'],
  ['capture-ended-open', 'fixtures', 'idle-established.pcap'],
];

describe('kinds shown by real captures of the corpus', () => {
  it.each(shows)('%s in %s/%s', async (kind, where, file) => {
    const k = await kinds(join(where === 'corpus' ? CORPUS : FIX, file));
    expect(k).toContain(kind);
  });

  it('a lone young SYN at the end of a capture is not (yet) syn-no-synack', async () => {
    expect(
      await kinds(join(CORPUS, 'suricata-verify/bug-6733-syn-packet-flow-output/input.pcap')),
    ).not.toContain('syn-no-synack');
  });

  it('a SYN answered 3.05 s after it was first sent is not syn-no-synack', async () => {
    expect(await kinds(join(CORPUS, 'zeek/pop3/pop3.pcap'))).not.toContain('syn-no-synack');
  });

  it('a handshake whose frames were all captured twice is no synack-no-ack', async () => {
    // Every frame twice (same IP ID): the copy of the SYN-ACK is no retransmission,
    // and the client's ACK completed the handshake.
    expect(await kinds(join(CORPUS, 'zeek/tcp/ctu-64702-888.pcap'))).not.toContain('synack-no-ack');
  });

  it('TCP Fast Open data on the SYN is not syn-with-data', async () => {
    expect(await kinds(join(CORPUS, 'zeek/tcp/tcp-fast-open.pcap'))).not.toContain('syn-with-data');
  });
});

describe('normal traffic raises no error or warning', () => {
  it.each([
    'normal-close-client',
    'normal-close-server',
    'ipv6-normal-close',
    'bulk-transfer',
    'keep-alive',
    'idle-established',
    'half-close',
  ])('%s', async (name) => {
    const { report } = await analyze(join(FIX, `${name}.pcap`));
    expect(report.anomalies.filter((a) => a.severity !== 'info').map((a) => a.kind)).toEqual([]);
  });
});
