/**
 * Human-friendly numbers and small text helpers shared by the renderers.
 * Pure and locale-independent, so that output (and snapshots) are the same everywhere.
 */
import { formatDuration, trimZero } from '../model/duration.js';

/** `1,234,567` (always a comma, whatever the locale). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = Math.round(Math.abs(n)).toString();
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A duration for the JSON report: rounded to the microsecond, the finest unit
 * a pcap timestamp carries, so a difference of two timestamps does not print
 * as float noise (`0.061328887939453125`).
 */
export function roundMicros(seconds: number): number {
  return Number.isFinite(seconds) ? Math.round(seconds * 1e6) / 1e6 : seconds;
}

/** An anomaly's details with every fractional figure (durations, rates) rounded to 6 decimals. */
export function roundDetails<T extends { details?: Record<string, unknown> }>(a: T): T {
  const d = a.details;
  if (d === undefined) return a;
  let out: Record<string, unknown> | null = null;
  for (const k in d) {
    const v = d[k];
    if (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v)) {
      out ??= { ...d };
      out[k] = roundMicros(v);
    }
  }
  return out === null ? a : { ...a, details: out };
}

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'];

/** SI units, one decimal below 100: `512 B`, `1.2 kB`, `12.3 MB`, `123 GB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) < 1000) return `${Math.round(n)} B`;
  let v = n;
  let unit = -1;
  while (Math.abs(v) >= 999.5 && unit < BYTE_UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${Math.abs(v) < 99.95 ? trimZero(v.toFixed(1)) : Math.round(v)} ${BYTE_UNITS[unit]}`;
}

/** Split epoch seconds into whole seconds and a rounded fraction of `digits` digits. */
function splitTime(t: number, digits: number): { whole: number; frac: string } {
  const scale = 10 ** digits;
  let whole = Math.floor(t);
  let f = Math.round((t - whole) * scale);
  if (f >= scale) {
    whole += 1;
    f -= scale;
  }
  return { whole, frac: digits > 0 ? `.${f.toString().padStart(digits, '0')}` : '' };
}

/**
 * A Date can hold +-8.64e12 s around the epoch; a damaged capture's timestamps
 * (64-bit pcapng units) can be far beyond it. Such a time is shown as epoch
 * seconds (`@18446744073204.168`) instead of making toISOString throw.
 */
const MAX_DATE_SECONDS = 8.64e12;

/** UTC ISO 8601 with `digits` fractional digits (default microseconds): `2025-11-21T12:00:00.123456Z`. */
export function formatIso(t: number, digits = 6): string {
  if (!Number.isFinite(t)) return '-';
  const { whole, frac } = splitTime(t, digits);
  if (Math.abs(whole) > MAX_DATE_SECONDS) return `@${whole}${frac}`;
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}${frac}Z`;
}

/** UTC time of day `12:00:03.512`, or `2025-11-21 12:00:03.512` when `withDate`. */
export function formatClock(t: number, withDate = false, digits = 3): string {
  if (!Number.isFinite(t)) return '-';
  const { whole, frac } = splitTime(t, digits);
  if (Math.abs(whole) > MAX_DATE_SECONDS) return `@${whole}${frac}`;
  const iso = new Date(whole * 1000).toISOString();
  return `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 19)}${frac}`;
}

/** True when both times fall on the same UTC day (time of day alone is then unambiguous). */
export function sameUtcDay(a: number | null, b: number | null): boolean {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return true;
  return Math.floor(a / 86400) === Math.floor(b / 86400);
}

/** `10.0.0.1:4321`, `[2001:db8::1]:443`. */
export function endpointLabel(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `1 connection`, `3 connections`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/**
 * State counts as `812 TIME_WAIT, 3 CLOSE_WAIT`: largest first, CLOSED last
 * (ss does not list closed sockets; here they still say how connections ended).
 */
export function stateCounts(
  states: Record<string, number>,
  oldest?: Record<string, number>,
  now?: number | null,
): string {
  const entries = Object.entries(states).filter(([, n]) => n > 0);
  entries.sort((a, b) => {
    const ac = a[0] === 'CLOSED' ? 1 : 0;
    const bc = b[0] === 'CLOSED' ? 1 : 0;
    return ac - bc || b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  });
  const age = (s: string): string => {
    const since = oldest?.[s];
    if (since === undefined || now === undefined || now === null) return '';
    return ` (oldest ${formatDuration(Math.max(0, now - since))})`;
  };
  return entries.length === 0
    ? 'none'
    : entries.map(([s, n]) => `${formatCount(n)} ${s}${age(s)}`).join(', ');
}

// --- Width handling that ignores SGR colour sequences ---------------------------------

const SGR = /\x1b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(SGR, '');
}

/** Printed width, counting code points and ignoring colour sequences (no wide-character table). */
export function visibleLength(s: string): number {
  let n = 0;
  for (const _ of stripAnsi(s)) n++;
  return n;
}

/** Cut to `width` printed columns, ending with `…` when cut; colour sequences are kept and closed. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (visibleLength(s) <= width) return s;
  let out = '';
  let n = 0;
  let i = 0;
  let coloured = false;
  while (i < s.length && n < width - 1) {
    if (s[i] === '\x1b') {
      const m = /^\x1b\[[0-9;]*m/.exec(s.slice(i));
      if (m) {
        out += m[0];
        coloured = true;
        i += m[0].length;
        continue;
      }
    }
    const cp = s.codePointAt(i);
    if (cp === undefined) break;
    const ch = String.fromCodePoint(cp);
    out += ch;
    i += ch.length;
    n++;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

/** trimEnd that also sees spaces inside trailing colour sequences (`\x1b[1mCLOSED   \x1b[22m`). */
export function trimEndAnsi(s: string): string {
  let prev: string;
  do {
    prev = s;
    s = s.replace(/\s+((?:\x1b\[[0-9;]*m)*)$/, '$1');
  } while (s !== prev);
  return s;
}

export function padEnd(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : s + ' '.repeat(width - n);
}

export function padStart(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : ' '.repeat(width - n) + s;
}

/**
 * Word-wrap plain text to `width` columns (`firstWidth` for the first line, whose
 * prefix is the caller's). Runs of spaces inside a line are kept; a line never
 * starts with the space it broke at. Words longer than a line are cut.
 */
export function wrap(text: string, width: number, firstWidth = width): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  let limit = Math.max(8, firstWidth);
  const flush = () => {
    lines.push(line.trimEnd());
    line = '';
    limit = Math.max(8, width);
  };
  for (let word of words) {
    if (line === '' && word === '' && lines.length > 0) continue;
    while (true) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (visibleLength(candidate) <= limit) {
        line = candidate;
        break;
      }
      if (line.trim() !== '') {
        flush();
        if (word === '') break;
        continue;
      }
      // A single word longer than the line: hard cut.
      const chars = [...word];
      line = chars.slice(0, limit).join('');
      word = chars.slice(limit).join('');
      flush();
      if (word === '') break;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
