/**
 * The `options [...]` part of a tcpdump TCP line (print-tcp.c, tcp_print):
 * each option by its name from tcp_option_values, comma-separated, e.g.
 * `[mss 1460,sackOK,TS val 2044906138 ecr 0,nop,wscale 7]`,
 * `[nop,nop,sack 1 {1449:2897}]`, `[exp-tfo cookie 090909090000,nop,nop]`,
 * `[mptcp 12 capable v0 flags [AH] csum {0x9b59be3d695e66a7}]`,
 * `[unknown-48 0x3030303030303030 [|tcp]`.
 *
 * The text gives each option's value and, for most, its length; the header
 * length is estimated from the lengths (RFC 9293 §3.1: options fill the header
 * to a multiple of 4 bytes).
 */
import type { Segment } from '../segment.js';
import { at, hexRun, isDigit, num, readUint } from './scan.js';

export const opts = {
  /** Index after the closing `]` (or the line's end when the options were cut). */
  end: 0,
  /** Sum of the option lengths the text gives. */
  bytes: 0,
  /** An option whose length the text does not give (exp-XXXX, unknown names). */
  lenUnknown: false,
  /** `[|tcp]`: tcpdump ran out of captured bytes inside the options. */
  truncated: false,
  /** SACK block edges as printed (relative to the other direction's base unless -S). */
  sackN: 0,
  sack: new Uint32Array(8),
};

// Option kinds (IANA "TCP Option Kind Numbers"), for Segment.otherOptions.
const KIND: Record<string, number> = {
  echo: 6,
  echoreply: 7,
  cc: 11,
  ccnew: 12,
  '': 13, // ccecho: tcpdump's table gives it an empty name
  md5: 19,
  scps: 20,
  uto: 28,
  'tcp-ao': 29,
  mptcp: 30,
};
// Lengths tcpdump's switch fixes for the kinds above (datalen + 2).
const FIXED_LEN: Record<string, number> = {
  echo: 6,
  echoreply: 6,
  cc: 6,
  ccnew: 6,
  '': 6,
  md5: 18,
  scps: 4,
  uto: 4,
};

function other(seg: Segment, kind: number, len: number): void {
  if (seg.otherOptions.length < 8) seg.otherOptions.push((kind << 8) | (len & 0xff));
}

/** Index of the first `[` inside the option optionEnd last scanned, or -1. */
let bracket = -1;

/** End of the option that starts at i: the index of the `,` or `]` that closes it at bracket depth 0, or end. */
function optionEnd(s: string, i: number, end: number): number {
  let depth = 0;
  bracket = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 91 || c === 123) {
      // [ {
      if (c === 91 && bracket < 0) bracket = i;
      depth++;
    } else if (c === 93 || c === 125) {
      // ] }
      if (depth === 0) return c === 93 ? i : -1;
      depth--;
    } else if (c === 44 && depth === 0) return i;
  }
  return end;
}

/** Bytes of a `cookie HEX` / `cookiereq` TFO value after `i`. */
function tfoCookieLen(s: string, i: number, e: number): number {
  // `tfo  cookie HEX`: tcpdump prints a space after the name and another before `cookie`.
  while (i < e && s.charCodeAt(i) === 32) i++;
  if (at(s, i, e, 'cookie ')) return hexRun(s, i + 7, e) >> 1;
  return 0;
}

/**
 * Parses the options starting at p (just after `options [`) up to end, into seg's
 * option fields and `opts`. seg's option fields must have been reset by the caller.
 */
export function parseOptions(s: string, p: number, end: number, seg: Segment): void {
  opts.bytes = 0;
  opts.lenUnknown = false;
  opts.truncated = false;
  opts.sackN = 0;
  let i = p;
  while (i < end) {
    const e = optionEnd(s, i, end);
    if (e < 0) {
      // An unbalanced `}`: not tcpdump's print.
      seg.badOptions = true;
      opts.end = end;
      return;
    }
    parseOne(s, i, e, seg);
    if (e >= end) {
      opts.truncated = true;
      opts.end = end;
      return;
    }
    if (s.charCodeAt(e) === 93) {
      opts.end = e + 1;
      return;
    }
    i = e + 1;
  }
  opts.truncated = true;
  opts.end = end;
}

/** The option's name; the common ones by their first letter and length, without allocating. */
function optionName(s: string, i: number, n: number): string {
  let c = '';
  switch (s.charCodeAt(i)) {
    case 110: // n
      c = 'nop';
      break;
    case 84: // T
      c = 'TS';
      break;
    case 109: // m
      c = 'mss';
      break;
    case 115: // s
      c = n - i === 6 ? 'sackOK' : 'sack';
      break;
    case 119: // w
      c = 'wscale';
      break;
    case 101: // e
      c = 'eol';
      break;
  }
  if (n - i === c.length && s.startsWith(c, i)) return c;
  return s.slice(i, n);
}

function parseOne(s: string, i: number, e: number, seg: Segment): void {
  if (i >= e) return;
  // The rest of `md5 shared secret not supplied with -M, can't check - HEX`: not an option.
  if (at(s, i, e, " can't check")) return;
  // The option's name runs to a space, `[` or the end; `opt-N:` is older tcpdump's unknown option.
  let n = i;
  while (n < e) {
    const c = s.charCodeAt(n);
    if (c === 32 || c === 91 || c === 58) break;
    n++;
  }
  // Notes in brackets: `[len N]` (the option's length field disagrees with what
  // was printed), `[bad opt]`, `[|tcp]` (the capture ends here).
  let len = -1;
  if (bracket >= 0) {
    // Within the option only: a search to the line's end per option would be quadratic.
    for (let b = bracket; b < e; b++) {
      if (s.charCodeAt(b) !== 91) continue;
      if (at(s, b, e, '[len ') && readUint(s, b + 5, e) > 0) len = num.v;
      else if (at(s, b, e, '[bad opt]')) seg.badOptions = true;
      else if (at(s, b, e, '[|tcp]')) opts.truncated = true;
    }
  }
  let known = -1;
  switch (optionName(s, i, n)) {
    case 'nop':
    case 'eol':
      known = 1;
      break;
    case 'mss':
      if (readUint(s, n + 1, e) > 0) seg.mss = num.v;
      known = 4;
      break;
    case 'wscale':
      if (readUint(s, n + 1, e) > 0) seg.wscale = num.v;
      known = 3;
      break;
    case 'sackOK':
      seg.sackPermitted = true;
      known = 2;
      break;
    case 'sack': {
      const j = readUint(s, n + 1, e);
      if (j < 0) {
        seg.badOptions = true; // `sack invalid`
        break;
      }
      const count = num.v;
      known = 2 + 8 * count;
      let k = j + 1;
      let b = 0;
      while (k < e && s.charCodeAt(k) === 123 && b < 4) {
        const a = readUint(s, k + 1, e);
        if (a < 0 || s.charCodeAt(a) !== 58) break;
        opts.sack[2 * b] = num.v;
        const z = readUint(s, a + 1, e);
        if (z < 0 || s.charCodeAt(z) !== 125) break;
        opts.sack[2 * b + 1] = num.v;
        b++;
        k = z + 1;
      }
      opts.sackN = b;
      break;
    }
    case 'TS': {
      // `TS val A ecr B`
      if (at(s, n, e, ' val ')) {
        const j = readUint(s, n + 5, e);
        if (j > 0) {
          seg.tsVal = num.v;
          if (at(s, j, e, ' ecr ') && readUint(s, j + 5, e) > 0) seg.tsEcr = num.v;
          else seg.tsEcr = 0;
        }
      }
      known = 10;
      break;
    }
    case 'tfo':
      // RFC 7413 kind 34: `tfo cookiereq` or `tfo cookie HEX`
      seg.tfo = true;
      known = 2 + tfoCookieLen(s, n, e);
      break;
    case 'exp-tfo':
      // kind 254 with the 0xF989 magic (RFC 6994 / RFC 7413 §4.1.1)
      seg.tfo = true;
      known = 4 + tfoCookieLen(s, n, e);
      break;
    case 'mptcp':
      // RFC 8684: `mptcp <length> <subtype> ...`
      if (readUint(s, n + 1, e) > 0) known = num.v;
      other(seg, 30, Math.max(known, 0));
      break;
    case 'tcp-ao': {
      // `tcp-ao keyid K rnextkeyid R mac 0xHEX`
      let m = n;
      while (m < e && !at(s, m, e, ' mac 0x')) m++;
      known = 4 + (m < e ? hexRun(s, m + 7, e) >> 1 : 0);
      other(seg, 29, known);
      break;
    }
    default: {
      const name = s.slice(i, n);
      const kind = KIND[name];
      // KIND's names past the cases above (all but mptcp and tcp-ao) have a FIXED_LEN.
      const fixed = FIXED_LEN[name];
      if (kind !== undefined && fixed !== undefined) {
        known = fixed;
        other(seg, kind, len >= 0 ? len : known);
      } else if (name.startsWith('unknown-') && readUint(s, i + 8, n) === n) {
        // `unknown-K 0xHEX`
        const k = num.v;
        known = 2 + (at(s, n, e, ' 0x') ? hexRun(s, n + 3, e) >> 1 : 0);
        other(seg, k & 0xff, len >= 0 ? len : known);
      } else if (name.startsWith('opt-') && readUint(s, i + 4, n) === n) {
        // older tcpdump: `opt-K:HEX`
        const k = num.v;
        known = 2 + (n < e && s.charCodeAt(n) === 58 ? hexRun(s, n + 1, e) >> 1 : 0);
        other(seg, k & 0xff, len >= 0 ? len : known);
      } else if (name.startsWith('exp-')) {
        // kind 254 with another RFC 6994 magic (`exp-XXXX`, AccECN's `exp-acc0` ...): length not printed
        other(seg, 254, Math.max(len, 0));
      } else if (name.length > 0 && isDigit(name.charCodeAt(0))) {
        seg.badOptions = true;
      }
    }
  }
  if (len >= 0) known = len;
  if (known < 0) opts.lenUnknown = true;
  else opts.bytes += known;
}
