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
    if (this.pos + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Appends one ASCII character by its code. */
  byte(c: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** Appends a number as JSON.stringify writes it; integers without making a string. */
  num(x: number): void {
    if (x >= 0 && x <= 0xffffffff && x === Math.floor(x)) this.uint32(x >>> 0);
    else this.ascii(numberJson(x));
  }

  private uint32(x: number): void {
    let digits = 1;
    for (let y = x; y >= 10; y = Math.floor(y / 10)) digits++;
    if (this.pos + digits > this.buf.length) this.grow(digits);
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = Math.floor(x / 10);
      b[--p] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
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
