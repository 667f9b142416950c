/**
 * tcpdump's timestamp prefixes, and turning them back into absolute times.
 *
 * tcpdump prints one of (print.c / ntp.c, `-t` options):
 *   default  `HH:MM:SS.ffffff`             time of day, local time, no date
 *   -tt      `1591780863.720289`           seconds since the epoch
 *   -ttt     ` 00:00:00.126619`            delta since the previous packet
 *   -tttt    `2020-06-10 09:21:03.720289`  date and time, local time
 *   -ttttt   ` 00:00:00.126619`            delta since the first packet
 *   -t       nothing
 * with 9 fraction digits under `--nano`. A fraction that is not below one
 * second is printed raw and followed by `(invalid ns)` / `(invalid us)`.
 * Seconds and nanoseconds are kept as integers: nothing is rounded.
 */
import { at, isDigit, num, readUint } from './scan.js';
import type { LocalZone } from './zone.js';

export const StampShape = {
  None: 0,
  /** H+:MM:SS[.f]: time of day or a delta. */
  Hms: 1,
  /** S+.f: seconds since the epoch. */
  Epoch: 2,
  /** YYYY-MM-DD HH:MM:SS[.f]. */
  DateTime: 3,
} as const;
export type StampShape = (typeof StampShape)[keyof typeof StampShape];

/** How HH:MM:SS stamps are read. `auto` tells time of day from deltas by the first stamp (a delta starts at 0). */
export type HmsMeaning = 'auto' | 'time-of-day' | 'delta-previous' | 'delta-first';

/** What the last readStamp found. */
export const stamp = {
  shape: StampShape.None as StampShape,
  sec: 0,
  nsec: 0,
  /** Negative (a -ttt delta across timestamps that go back). */
  negative: false,
  invalid: false,
  /** Fraction digits of the last valid stamp (6 or 9): the unit of an invalid one's raw count. */
  digits: 6,
};

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `.digits` at i (6 or 9 of them): the fraction into stamp.nsec (an invalid one's raw value is kept). */
function readFraction(s: string, i: number, end: number): number {
  stamp.nsec = 0;
  stamp.invalid = false;
  if (i >= end || s.charCodeAt(i) !== 46) return -1;
  const j = readUint(s, i + 1, end);
  if (j < 0 || num.digits > 12) return -1;
  const d = num.digits;
  let v = num.v;
  // ` (invalid ns)` / ` (invalid us)`: the raw count, not a fraction of a second.
  if (at(s, j, end, ' (invalid ns)')) {
    stamp.invalid = true;
    stamp.nsec = v;
    return j + 13;
  }
  if (at(s, j, end, ' (invalid us)')) {
    stamp.invalid = true;
    stamp.nsec = v * 1000;
    return j + 13;
  }
  // tcpdump prints 6 digits, or 9 under --nano (%06u / %09u); more when the
  // fraction is not below a second (4.99 without a marker): a raw count then.
  if (d === 6 || d === 9) {
    for (let k = d; k < 9; k++) v *= 10;
    stamp.nsec = v;
    stamp.digits = d;
    return j;
  }
  if (d < 6) return -1;
  stamp.invalid = true;
  stamp.nsec = d < 9 || stamp.digits === 6 ? v * 1000 : v;
  return j;
}

/** H+:MM:SS at i: seconds into stamp.sec. */
function readHms(s: string, i: number, end: number): number {
  let j = readUint(s, i, end);
  if (j < 0 || num.digits > 9 || j >= end || s.charCodeAt(j) !== 58) return -1;
  const h = num.v;
  const k = readUint(s, j + 1, end);
  if (k < 0 || num.digits !== 2 || num.v > 59 || k >= end || s.charCodeAt(k) !== 58) return -1;
  const m = num.v;
  j = readUint(s, k + 1, end);
  if (j < 0 || num.digits !== 2 || num.v > 60) return -1;
  stamp.sec = h * 3600 + m * 60 + num.v;
  return j;
}

/**
 * A timestamp at i, followed by a space (or the end): its shape and value in
 * `stamp`; returns the index after it, or -1 (stamp.shape None) when there is none.
 */
export function readStamp(s: string, i: number, end: number): number {
  stamp.shape = StampShape.None;
  stamp.negative = false;
  if (i < end && s.charCodeAt(i) === 45) {
    // `-00:00:00.314748`: tcpdump's delta when time went back.
    stamp.negative = true;
    i++;
  }
  if (i >= end || !isDigit(s.charCodeAt(i))) return -1;
  let j = readUint(s, i, end);
  if (j < 0) return -1;
  const first = num.v;
  const firstDigits = num.digits;
  const c = j < end ? s.charCodeAt(j) : -1;
  let shape: StampShape;
  if (c === 45 && firstDigits === 4) {
    // YYYY-MM-DD HH:MM:SS
    const mj = readUint(s, j + 1, end);
    if (mj < 0 || num.digits !== 2 || num.v < 1 || num.v > 12 || s.charCodeAt(mj) !== 45) return -1;
    const month = num.v;
    const dj = readUint(s, mj + 1, end);
    if (dj < 0 || num.digits !== 2 || num.v < 1 || num.v > 31 || s.charCodeAt(dj) !== 32) return -1;
    const day = num.v;
    j = readHms(s, dj + 1, end);
    if (j < 0) return -1;
    stamp.sec += daysFromCivil(first, month, day) * 86400;
    shape = StampShape.DateTime;
  } else if (stamp.negative && c !== 58) {
    return -1;
  } else if (c === 58) {
    j = readHms(s, i, end);
    if (j < 0) return -1;
    shape = StampShape.Hms;
  } else if (c === 46) {
    // S+.f: only with a fraction, so that `10.0.0.1.80` is not taken for one.
    stamp.sec = first;
    shape = StampShape.Epoch;
  } else {
    return -1;
  }
  j = readFraction(s, j, end);
  if (j < 0) return -1;
  if (j < end && s.charCodeAt(j) !== 32) return -1;
  if (stamp.nsec >= 1e9) {
    stamp.sec += Math.floor(stamp.nsec / 1e9);
    stamp.nsec %= 1e9;
  }
  stamp.shape = shape;
  return j;
}

/** Absolute time of a line, from its stamp and what came before. */
export class Clock {
  /** The meaning HH:MM:SS stamps were given (auto resolves at the first one). */
  hms: HmsMeaning;
  sec = 0;
  nsec = 0;
  private started = false;
  /** For `auto` deltas: the previous delta, to see whether they only grow (-ttttt) or not (-ttt). */
  private prevDeltaSec = 0;
  private prevDeltaNsec = 0;
  private autoDelta = false;
  /** Sum of all deltas so far: the -ttt time, also after `auto` found out late that it is -ttt. */
  private sumSec = 0;
  private sumNsec = 0;
  /** Whole days added to time-of-day stamps after midnight was crossed. */
  private dayOffset = 0;
  private lastTod = -1;

  /**
   * `zone` reads local stamps (default and -tttt) in a time zone; without one,
   * they are `utcOffset` seconds east of UTC. baseDate is local midnight counted
   * as wall-clock seconds.
   */
  constructor(
    private readonly baseDate: number,
    private readonly utcOffset: number,
    hms: HmsMeaning,
    private readonly zone: LocalZone | null = null,
  ) {
    this.hms = hms;
  }

  private toUtc(wall: number): number {
    return this.zone === null ? wall - this.utcOffset : this.zone.toUtc(wall);
  }

  /** The time of the stamp just read (readStamp), into this.sec / this.nsec. */
  apply(): void {
    let sec = stamp.sec;
    let nsec = stamp.nsec;
    switch (stamp.shape) {
      case StampShape.DateTime:
        sec = this.toUtc(sec);
        break;
      case StampShape.Epoch:
        break;
      case StampShape.Hms: {
        if (this.hms === 'auto') {
          // A delta print starts at 00:00:00.0; a capture that starts exactly at midnight is rarer.
          if (sec === 0 && nsec === 0) {
            this.hms = 'delta-first';
            this.autoDelta = true;
          } else {
            this.hms = 'time-of-day';
          }
        }
        if (this.hms === 'time-of-day') {
          // Back by more than 12 h: the clock went past midnight.
          if (this.lastTod >= 0 && sec < this.lastTod - 43200) this.dayOffset += 86400;
          this.lastTod = sec;
          sec = this.toUtc(sec + this.baseDate + this.dayOffset);
        } else {
          if (stamp.negative) {
            // Keep (sec, nsec) normalised: -1.2 s is (-2, 0.8e9).
            sec = -sec;
            nsec = -nsec;
            if (nsec < 0) {
              sec -= 1;
              nsec += 1e9;
            }
          }
          if (this.autoDelta && this.hms === 'delta-first' && this.started) {
            // -ttttt deltas never shrink; the first one that does shows -ttt.
            if (sec < this.prevDeltaSec || (sec === this.prevDeltaSec && nsec < this.prevDeltaNsec)) {
              this.hms = 'delta-previous';
            }
          }
          this.prevDeltaSec = sec;
          this.prevDeltaNsec = nsec;
          this.sumSec += sec;
          this.sumNsec += nsec;
          if (this.sumNsec >= 1e9) {
            this.sumSec += 1;
            this.sumNsec -= 1e9;
          }
          if (this.hms === 'delta-previous') {
            sec = this.sumSec;
            nsec = this.sumNsec;
          }
          sec += this.baseDate;
        }
        break;
      }
      default:
        return;
    }
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    this.sec = sec;
    this.nsec = nsec;
    this.started = true;
  }
}
