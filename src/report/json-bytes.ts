/**
 * A growable byte buffer for JSON text that is ASCII by construction (the
 * report's connections: numbers, literals and strings escaped to ASCII).
 * `--json` on a big capture writes tens of MB of it: writing the bytes
 * directly skips building strings, flattening them and encoding them to
 * UTF-8 for stdout, which cost more than making the text did.
 */

/** JSON.stringify of a number (non-finite numbers are `null`). */
export function numberJson(x: number): string {
  return Number.isFinite(x) ? `${x}` : 'null';
}

/** Half the spacing of doubles in [2^e, 2^(e+1)), in microseconds, less the check's margin; by e. */
const HALF_SPACING_US = Array.from({ length: 34 }, (_, e) => 2 ** (e - 53) * 1e6 - 1e-6);

/**
 * For 1 <= x < 2^33 (`sec` its whole part), the number of microseconds after
 * the whole second that JSON.stringify(x) prints, when x is the double nearest
 * to a whole number of microseconds (capture timestamps are); otherwise -1.
 *
 * Why that is what it prints: below 2^33 a double's spacing is under 1 us,
 * so at most one decimal with six or fewer fraction digits rounds to x; if one
 * does, it is the shortest text that reads back as x, and ECMAScript's
 * Number::toString prints the shortest. x is that decimal's nearest double
 * when the decimal lies within half a spacing of x, checked here with a margin
 * (1e-6 us) far wider than the rounding of the check itself (~1e-10 us).
 */
export function wholeMicros(x: number, sec: number): number {
  const us = (x - sec) * 1e6; // x - sec is exact
  const k = Math.round(us);
  const exp = sec >= 4294967296 ? 32 : 31 - Math.clz32(sec);
  // No spacing for exp (outside the table): not provably whole, -1.
  return Math.abs(k - us) < (HALF_SPACING_US[exp] ?? 0) ? k : -1;
}

/**
 * For 0 < x < 1, the k in 1..999999 with x === k / 1e6 (x is the double
 * nearest to k millionths), which JSON.stringify(x) prints as 0. and k's six
 * digits without trailing zeros; otherwise -1. Why: ECMAScript's
 * Number::toString prints the shortest decimal that reads back as x, in fixed
 * notation from 1e-6 up. k millionths reads back as x (the division is
 * correctly rounded), and any other decimal of at most six significant
 * digits differs from it by a multiple of 10^(e-5) (10^e <= x), far more
 * than the doubles' spacing near x: none shorter or as short reads back as x.
 */
export function subMicros(x: number): number {
  const k = Math.round(x * 1e6);
  return k > 0 && k < 1e6 && k / 1e6 === x ? k : -1;
}

/** Powers of ten up to 2^53. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

export class JsonBytes {
  buf: Buffer;
  pos = 0;

  constructor(size = 1 << 17) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  private grow(n: number): void {
    const b = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** Appends a string of ASCII characters (the caller guarantees they are). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Appends bytes (of ASCII text). */
  bytes(src: Uint8Array): void {
    const n = src.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n > 16) {
      this.buf.set(src, this.pos);
      this.pos += n;
      return;
    }
    // Short fragments (most keys) copy faster by hand than through set().
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = src[i] ?? 0; // i < src.length
    this.pos = p;
  }

  /** Appends one ASCII character by its code. */
  byte(c: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /**
   * Appends a number as JSON.stringify writes it: integers and timestamps
   * of whole microseconds without making a string.
   */
  num(x: number): void {
    const whole = Math.floor(x);
    if (x === whole && x >= 0 && x < 2 ** 53) {
      this.uint(x);
      return;
    }
    if (x >= 1 && x < 2 ** 33) {
      const k = wholeMicros(x, whole);
      if (k >= 0) {
        if (k === 1e6) this.uint(whole + 1);
        else this.micros(whole, k);
        return;
      }
    } else if (x > 0 && x < 1) {
      // Durations and RTTs under a second (most of them): see subMicros.
      const k = subMicros(x);
      if (k > 0) {
        this.micros(0, k);
        return;
      }
    }
    this.ascii(numberJson(x));
  }

  /** `sec` and, after a point, `k` millionths without trailing zeros (k < 1e6). */
  private micros(sec: number, k: number): void {
    this.uint(sec);
    if (k === 0) return;
    let digits = 6;
    while (k % 10 === 0) {
      k /= 10;
      digits--;
    }
    if (this.pos + 1 + digits > this.buf.length) this.grow(1 + digits);
    const b = this.buf;
    b[this.pos] = 46; // .
    let p = this.pos + 1 + digits;
    this.pos = p;
    for (let i = 0; i < digits; i++) {
      const q = (k / 10) | 0;
      b[--p] = 48 + k - q * 10;
      k = q;
    }
  }

  /** A whole number 0 <= x < 2^53. */
  private uint(x: number): void {
    let digits = 1;
    while (digits < 16 && x >= (POW10[digits] ?? Infinity)) digits++;
    if (this.pos + digits > this.buf.length) this.grow(digits);
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    while (x >= 2147483648) {
      const q = Math.floor(x / 10);
      b[--p] = 48 + x - q * 10;
      x = q;
    }
    let i = x | 0;
    do {
      const q = (i / 10) | 0;
      b[--p] = 48 + i - q * 10;
      i = q;
    } while (i > 0);
  }

  /** The text written so far (for tests and string callers). */
  text(): string {
    return this.buf.toString('latin1', 0, this.pos);
  }

  /**
   * The bytes written so far, and a fresh start: later writes reuse the same
   * memory unless `detach()` is called first.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Bytes given out by take() stay as they are: later writes go to a new buffer. */
  detach(): void {
    this.buf = Buffer.allocUnsafeSlow(this.buf.length);
  }
}
