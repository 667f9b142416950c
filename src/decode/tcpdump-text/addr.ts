/**
 * IP addresses as tcpdump -n prints them: dotted quads, and IPv6 in the
 * inet_ntop form (RFC 5952: `::` compression, an IPv4 tail for mapped
 * addresses). Written into a caller-owned buffer; nothing is allocated.
 *
 * Local to the text parser: the binary decoders never need to read text.
 */
import { hexValue, num, readUint } from './scan.js';
import { TCP_SERVICES } from './services.js';
import { u16be } from '../../capture/bytes.js';

const words = new Uint16Array(8);

/** Dotted quad [start, end) into out[off..off+4). */
export function parseIPv4(s: string, start: number, end: number, out: Uint8Array, off = 0): boolean {
  let i = start;
  for (let k = 0; k < 4; k++) {
    const j = readUint(s, i, end);
    if (j < 0 || num.digits > 3 || num.v > 255) return false;
    out[off + k] = num.v;
    if (k < 3) {
      if (j >= end || s.charCodeAt(j) !== 46) return false;
      i = j + 1;
    } else if (j !== end) {
      return false;
    }
  }
  return true;
}

/** IPv6 text [start, end) into out[0..16). */
export function parseIPv6(s: string, start: number, end: number, out: Uint8Array): boolean {
  let n = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // An IPv4 tail (::ffff:192.0.2.1): two words, and it ends the address.
      if (n > 6) return false;
      if (!parseIPv4(s, i, end, out, 0)) return false;
      words[n++] = u16be(out, 0);
      words[n++] = u16be(out, 2);
      i = end;
      break;
    }
    if (j === i || j - i > 4 || n >= 8) return false;
    words[n++] = v;
    if (j === end) {
      i = j;
      break;
    }
    if (s.charCodeAt(j) !== 58) return false;
    if (j + 1 < end && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let k = 0, w = 0; k < 8; k++) {
    let v = 0;
    if (gap >= 0 && k >= gap && k < gap + zeros) v = 0;
    else v = words[w++] ?? 0; // n words, w < n here
    out[2 * k] = v >> 8;
    out[2 * k + 1] = v & 0xff;
  }
  return true;
}

/** An address [start, end) into out: 4 or 6 (the IP version), or 0 when it is not one. */
export function parseAddr(s: string, start: number, end: number, out: Uint8Array): 0 | 4 | 6 {
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 58) {
      return parseIPv6(s, start, end, out) ? 6 : 0;
    }
  }
  if (!parseIPv4(s, start, end, out, 0)) return 0;
  // A loop, not fill() (see docs/performance.md#cold-loops).
  for (let k = 4; k < 16; k++) out[k] = 0;
  return 4;
}

/**
 * What the last parseAddrPort found: the IP version, where the address ends,
 * and when it failed, why: `host` (the address part is a name: tcpdump
 * without -n), `port` (a port name this tool does not know), or `''`.
 */
export const addrPort = { version: 0 as 0 | 4 | 6, addrEnd: 0, failure: '' as '' | 'host' | 'port' };

/** A letter: names have them, addresses (dotted quads, IPv6 hex aside) do not. */
function hasLetterBeyondHex(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 103 && c <= 122) return true; // g-z: not a hex digit
  }
  return false;
}

/**
 * `address.port` [start, end) (tcpdump's form for TCP and UDP endpoints): the
 * address into out, the version in addrPort.version; returns the port, or -1.
 */
export function parseAddrPort(s: string, start: number, end: number, out: Uint8Array): number {
  // IPv4 in one pass: five decimal numbers joined by dots (a.b.c.d.port).
  let k = 0;
  let v = 0;
  let digits = 0;
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      if (++digits > 5) break;
    } else if (c === 46 && digits > 0 && k < 4 && v <= 255) {
      out[k++] = v;
      v = 0;
      digits = 0;
    } else {
      break;
    }
  }
  if (i === end && k === 4 && digits > 0 && v <= 65535) {
    for (let z = 4; z < 16; z++) out[z] = 0;
    addrPort.version = 4;
    addrPort.addrEnd = end - digits - 1;
    addrPort.failure = '';
    return v;
  }
  // IPv6, a port named after /etc/services (tcpdump without -n), or not an address.
  addrPort.failure = '';
  let dot = -1;
  for (let i = end - 1; i > start; i--) {
    if (s.charCodeAt(i) === 46) {
      dot = i;
      break;
    }
  }
  if (dot < 0) return -1;
  const j = readUint(s, dot + 1, end);
  let port: number;
  let named = false;
  if (j === end && num.v <= 65535 && num.digits <= 5) {
    port = num.v;
  } else {
    // `10.77.0.2.http-alt`: tcpdump prints the services database's name of the port.
    port = TCP_SERVICES.get(s.slice(dot + 1, end)) ?? -1;
    named = true;
  }
  const version = parseAddr(s, start, dot, out);
  if (version === 0) {
    // `db1.example.com.5432`, `db1.postgresql`: a host name (tcpdump without -n).
    if (hasLetterBeyondHex(s, start, dot)) addrPort.failure = 'host';
    return -1;
  }
  if (port < 0) {
    if (named) addrPort.failure = 'port';
    return -1;
  }
  addrPort.version = version;
  addrPort.addrEnd = dot;
  return port;
}
