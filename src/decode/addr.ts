/**
 * IP addresses as text: formatAddr prints them as tcpdump and tshark do,
 * parseAddr reads them back (tcpdump text input, --host filters).
 * Not on the per-packet path: formatting is for reports.
 */
import { u16be } from '../capture/bytes.js';

function hex16(v: number): string {
  // Lower case without leading zeros (RFC 5952 sections 4.1 and 4.3).
  return v.toString(16);
}

/** An IPv4 address given as an unsigned 32-bit number, dotted. */
export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * `bytes` holds 4 (IPv4) or 16 (IPv6) meaningful bytes; a Segment's 16-byte
 * address buffer can be passed as it is.
 *
 * IPv6 follows RFC 5952 section 4: the longest run of two or more zero groups
 * becomes "::" (the first one on a tie), and IPv4-mapped addresses
 * (::ffff:0:0/96) end in dotted decimal (section 5). Checked against tcpdump
 * 4.99 and tshark 4.0, which print alike.
 */
export function formatAddr(ipVersion: 4 | 6, bytes: Uint8Array): string {
  if (ipVersion === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = u16be(bytes, 2 * i);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0) {
    const v4 = `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
    if (g[5] === 0xffff) return `::ffff:${v4}`;
    // IPv4-compatible (deprecated, RFC 4291 section 2.5.5.1): both tools print
    // ::1.2.3.4, but ::2 and ::1 stay hex (the rule of BIND's inet_ntop).
    if (g[5] === 0 && g[6] !== 0) return `::${v4}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened (section 4.2.2)
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map(hex16).join(':');
  const head = g.slice(0, bestStart).map(hex16).join(':');
  const tail = g
    .slice(bestStart + bestLen)
    .map(hex16)
    .join(':');
  return `${head}::${tail}`;
}

export interface ParsedAddr {
  ipVersion: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
}

/** Dotted decimal into out[at..at+4); false unless exactly four decimal parts 0..255. */
function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const [i, p] of parts.entries()) {
    // No leading zeros beyond "0": inet_pton rejects them, and they read as octal elsewhere.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

function parseGroups(text: string, out: number[]): boolean {
  if (text === '') return true;
  for (const part of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
    out.push(Number.parseInt(part, 16));
  }
  return true;
}

function parseV6(text: string): Uint8Array | null {
  const bytes = new Uint8Array(16);
  let s = text;
  // Dotted IPv4 in the last 32 bits (RFC 4291 section 2.2, form 3).
  let v4 = false;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) >= 0) {
    if (!parseV4(s.slice(lastColon + 1), bytes, 12)) return null;
    v4 = true;
    // Keep the colon so "::1.2.3.4" leaves "::" and "a::b:1.2.3.4" leaves "a::b:".
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const groupsWanted = v4 ? 6 : 8;
  const head: number[] = [];
  const tail: number[] = [];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    if (!parseGroups(s.slice(0, dbl), head) || !parseGroups(s.slice(dbl + 2), tail)) return null;
    if (head.length + tail.length > groupsWanted - 1) return null;
  } else {
    if (!parseGroups(s, head) || head.length !== groupsWanted) return null;
  }
  for (const [i, g] of head.entries()) {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  }
  const tailStart = groupsWanted - tail.length;
  for (const [i, g] of tail.entries()) {
    bytes[2 * (tailStart + i)] = g >> 8;
    bytes[2 * (tailStart + i) + 1] = g & 0xff;
  }
  return bytes;
}

/**
 * An IPv4 address in dotted decimal or an IPv6 address in any RFC 4291 text
 * form (compressed, upper or lower case, trailing dotted IPv4), optionally in
 * brackets and with a zone ("fe80::1%eth0", dropped). Null when it is neither.
 */
export function parseAddr(text: string): ParsedAddr | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.indexOf(':') < 0) {
    const bytes = new Uint8Array(4);
    return parseV4(s, bytes, 0) ? { ipVersion: 4, bytes } : null;
  }
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const bytes = parseV6(s);
  return bytes ? { ipVersion: 6, bytes } : null;
}
