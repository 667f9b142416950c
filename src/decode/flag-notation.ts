/**
 * TCP flags as tcpdump prints them (`Flags [S.]`): the ladder's notation. The
 * tcpdump text reader reads the same letters back (tcpdump-text.ts flagBit).
 */
import { TcpFlag } from './segment.js';

const FLAG_LETTERS: [number, string][] = [
  [TcpFlag.FIN, 'F'],
  [TcpFlag.SYN, 'S'],
  [TcpFlag.RST, 'R'],
  [TcpFlag.PSH, 'P'],
  [TcpFlag.URG, 'U'],
  [TcpFlag.ECE, 'E'],
  [TcpFlag.CWR, 'W'],
  [TcpFlag.AE, 'e'],
];

/** tcpdump's flag notation: `S`, `S.`, `P.`, `F.`, `R`, `.`, `none`. */
export function flagString(f: number): string {
  let s = '';
  for (const [bit, ch] of FLAG_LETTERS) if (f & bit) s += ch;
  if (f & TcpFlag.ACK) s += '.';
  return s || 'none';
}
