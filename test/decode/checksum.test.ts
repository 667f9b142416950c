/**
 * decode/checksum.ts (IPv4 header and TCP checksums, for emulating a Zeek run
 * without -C) against tshark's own validation, frame by frame, on real
 * captures with good and bad checksums: offloaded ones on a localhost capture,
 * a hand-edited SYN, a responder whose IP and TCP checksums are all zero, and
 * IPv6 (TCP over the IPv6 pseudo-header).
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipv4HeaderChecksumOk, tcpChecksumOk } from '../../src/decode/checksum.js';
import { decodePacket } from '../../src/decode/packet.js';
import { DecodeStatus, newSegment } from '../../src/decode/segment.js';
import { corpus } from '../helpers/corpus.mjs';
import { describeWithTools } from '../helpers/tools.js';

const CAPTURES = [
  corpus('zeek/chksums/localhost-bad-chksum.pcap'),
  corpus('zeek/tcp/syn-bad.pcap'),
  corpus('zeek/ftp/ipv6.pcap'),
  'test/conformance/zeek-traces/traces/auth_change_session_keys.pcap',
];

/** `frame ip tcp` per TCP frame, 1 for a checksum that holds (or that has none to check), 0 for a bad one. */
async function ours(path: string): Promise<string[]> {
  const seg = newSegment();
  const out: string[] = [];
  await readCaptureFile(path, {
    warning() {},
    record(rec) {
      if (decodePacket(rec.linkType, rec.buf, rec.offset, rec.capLen, rec.origLen, seg) !== DecodeStatus.Ok)
        return;
      out.push(`${rec.frame} ${ipv4HeaderChecksumOk(seg) ? 1 : 0} ${tcpChecksumOk(seg) ? 1 : 0}`);
    },
  });
  return out;
}

function tshark(path: string): string[] {
  const text = execFileSync(
    'tshark',
    [
      '-r',
      path,
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-Y',
      'tcp',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'ip.checksum.status',
      '-e',
      'tcp.checksum.status',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  // checksum.status: 0 bad, 1 good, 2 unverified; empty: no IPv4 header.
  const ok = (s: string | undefined) => (s === '0' ? 0 : 1);
  return text
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .map(([f, ip, tcp]) => `${f} ${ok(ip)} ${ok(tcp)}`);
}

describeWithTools(['tshark'], 'IPv4 header and TCP checksums', () => {
  for (const path of CAPTURES) {
    it(`agree with tshark's validation, frame by frame: ${path.replace(/.*\/(test|corpus)\//, '')}`, async () => {
      const mine = await ours(path);
      expect(mine).toEqual(tshark(path));
      // Each capture has bad ones but ipv6.pcap, whose checksums all hold.
      expect(mine.some((l) => l.endsWith(' 0'))).toBe(!path.endsWith('ipv6.pcap'));
    });
  }
});
