/**
 * Unsigned integer reads at a byte offset, in either byte order: what capture
 * file headers and every protocol header are made of. Kept one expression
 * each (see docs/performance.md#inlining). The caller has checked the length
 * (a byte past the end would read as 0).
 */

/** Little-endian unsigned 32-bit read. */
export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Big-endian (network order) unsigned 32-bit read. */
export function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Big-endian unsigned 24-bit read (VXLAN's and Geneve's VNI). */
export function u24be(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

/** Little-endian unsigned 16-bit read. */
export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

/** Big-endian (network order) unsigned 16-bit read. */
export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
