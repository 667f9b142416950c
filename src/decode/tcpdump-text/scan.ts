/**
 * Small scanners over a range of a string, for the tcpdump text parser.
 *
 * Hand-written rather than regular expressions: every scanner looks at each
 * character at most once, so no input can make them backtrack, and they
 * allocate nothing. A scanner returns the index after what it read, or -1.
 */

/** The value read by the last successful readUint / readHex. Module-level so reading allocates nothing. */
export const num = { v: 0, digits: 0 };

/** More digits than this is not a number tcpdump prints (and would lose precision). */
const MAX_DIGITS = 15;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Decimal digits at i (before end): their value in `num`. */
export function readUint(s: string, i: number, end: number): number {
  let v = 0;
  let j = i;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    if (j - i >= MAX_DIGITS) return -1;
    v = v * 10 + (c - 48);
    j++;
  }
  if (j === i) return -1;
  num.v = v;
  num.digits = j - i;
  return j;
}

/** Hex digits at i (at most 13, so the value stays exact): their value in `num`. */
export function readHex(s: string, i: number, end: number): number {
  let v = 0;
  let j = i;
  while (j < end) {
    const h = hexValue(s.charCodeAt(j));
    if (h < 0) break;
    if (j - i >= 13) return -1;
    v = v * 16 + h;
    j++;
  }
  if (j === i) return -1;
  num.v = v;
  num.digits = j - i;
  return j;
}

/** Number of hex digits at i (no limit). */
export function hexRun(s: string, i: number, end: number): number {
  let j = i;
  while (j < end && hexValue(s.charCodeAt(j)) >= 0) j++;
  return j - i;
}

export function skipSpaces(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** `lit` at i, wholly before end. */
export function at(s: string, i: number, end: number, lit: string): boolean {
  return i + lit.length <= end && s.startsWith(lit, i);
}

/** First index of `lit` in [from, end), or -1. */
export function find(s: string, lit: string, from: number, end: number): number {
  const k = s.indexOf(lit, from);
  return k >= 0 && k + lit.length <= end ? k : -1;
}

/** Last index of `lit` starting in [from, before), or -1. */
export function findLast(s: string, lit: string, from: number, before: number): number {
  if (before <= from) return -1;
  const k = s.lastIndexOf(lit, before - 1);
  return k >= from ? k : -1;
}

/** Index of the last space or tab in [from, before), or from - 1. */
export function lastSpace(s: string, from: number, before: number): number {
  for (let i = before - 1; i >= from; i--) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) return i;
  }
  return from - 1;
}
