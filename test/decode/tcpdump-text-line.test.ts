/**
 * isTcpdumpLine: the one recogniser of "tcpdump wrote this line", which the
 * engine uses as evidence that a text input is tcpdump output (else: not a
 * capture, exit 2). It reads the prefix with the parser's own stamp reader.
 */
import { describe, expect, it } from 'vitest';
import { isTcpdumpLine } from '../../src/decode/tcpdump-text.js';

describe('isTcpdumpLine', () => {
  it.each([
    [
      'time of day (default -tt-less output)',
      '12:38:41.309102 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, length 0',
    ],
    ['epoch (-tt)', '1763728721.309102 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, length 0'],
    [
      'epoch, nanoseconds (-tt --nano)',
      '1763728721.309102123 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28',
    ],
    [
      'date and time (-tttt)',
      '2026-11-21 12:38:41.309102 IP6 ::1.5000 > ::1.80: Flags [.], ack 1, win 512, length 0',
    ],
    ['delta (-ttt)', ' 00:00:00.000012 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [.], ack 1, win 512, length 0'],
    [
      'frame number (-#) then stamp',
      '    1  12:38:41.309102 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, length 0',
    ],
    [
      'banner: reading from file',
      'reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144',
    ],
    ['banner: listening on', 'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes'],
    ['banner: packet counts', '12 packets captured'],
    ['CRLF line end', '12:38:41.309102 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, length 0\r'],
  ])('%s: yes', (_name, line) => {
    expect(isTcpdumpLine(line)).toBe(true);
  });

  it.each([
    ['prose', 'hello world'],
    [
      'a packet line without stamp could be anything',
      'IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, length 0',
    ],
    ['an address is not an epoch stamp', '10.0.0.1.80 > 10.0.0.2.40000'],
    ['a payload dump line', '\t0x0000:  4500 0034 0000 4000 4006 0000 0a00 0001'],
    ['a CSV row', '1,2,3'],
    ['empty', ''],
  ])('%s: no', (_name, line) => {
    expect(isTcpdumpLine(line)).toBe(false);
  });
});
