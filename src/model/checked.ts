/**
 * Reads that the code's own invariants guarantee, checked instead of asserted
 * with `!` (tsconfig's noUncheckedIndexedAccess is on). A miss is a bug in
 * tcptrace-ts, never bad input: the error names what was missing, and the CLI
 * reports it as an internal error (exit 2).
 */

/** Throws the internal error for a broken invariant `what`. */
export function internalError(what: string): never {
  throw new Error(`broken invariant: ${what}`);
}

/** `arr[i]`, which the caller knows is there (an index below a length it checked, a table row). */
export function at<T>(arr: ArrayLike<T>, i: number): T {
  const v = arr[i];
  if (v === undefined) internalError(`index ${i} outside 0..${arr.length - 1}`);
  return v;
}

/** `v`, which the caller knows is set at this point; `what` names it for the error. */
export function must<T>(v: T | null | undefined, what: string): T {
  if (v === undefined || v === null) internalError(`${what} is not set`);
  return v;
}

/**
 * A Float64Array of two slots, one per side: indexing it with a side (0 | 1)
 * is a number, no check needed. Made by `f64Pair`.
 */
export type F64Pair = Float64Array & { 0: number; 1: number };

/** A new F64Pair holding `a` and `b`. */
export function f64Pair(a: number, b: number): F64Pair {
  return Float64Array.of(a, b) as F64Pair;
}

/**
 * `t.map(f)` that keeps the tuple's length in its type: a table built from a
 * fixed list (say one entry per state name) is then indexed by that list's
 * index type without a check.
 */
export function mapTuple<T extends readonly unknown[], U>(
  t: T,
  f: (v: T[number], i: number) => U,
): { -readonly [K in keyof T]: U } {
  return t.map(f) as { -readonly [K in keyof T]: U };
}
