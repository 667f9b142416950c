/**
 * Unsigned integer reads at a byte offset, in either byte order: what capture
 * file headers and every protocol header are made of. Kept one expression
 * each (see docs/performance.md#inlining). The caller has checked the length
 * (a byte past the end reads as 0, what a missing byte always gave in the
 * shifts, so a read never throws).
 */

/** One byte: the field accessor the decoders use after their length check. */
export function u8(b: Uint8Array, o: number): number {
  return b[o] ?? 0;
}

/** Little-endian unsigned 32-bit read. */
export function u32le(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

/** Big-endian (network order) unsigned 32-bit read. */
export function u32be(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

/** Big-endian unsigned 24-bit read (VXLAN's and Geneve's VNI). */
export function u24be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
}

/** Little-endian unsigned 16-bit read. */
export function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

/** Big-endian (network order) unsigned 16-bit read. */
export function u16be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

/** Writes a big-endian 16-bit value: the one header field a rebuilt datagram changes (defrag.ts). */
export function setU16be(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
