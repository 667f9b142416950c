/**
 * One declared layout per long-lived record (the tracker's Endpoint and
 * Connection, Zeek's endpoint and connection, a transition): each field named
 * once, with how it is stored and its initial value; the offsets and bit
 * masks are computed from that list, so no two fields can share a slot or a
 * bit and no row is sized by hand, and the records' accessors are made from
 * it (defineAccessors). Why the records are stored this way:
 * docs/performance.md#slab-rows.
 *
 * - `bit`: a yes/no fact, one bit of the record's `bits` integer;
 * - `f64`: a number in the record's slab row (tcp/slab.ts), made with it;
 * - `rare`: a number in a second slab row, made only when one of them first
 *   leaves its default (counters most records never use).
 */
import { slabRow, slabRowOf } from './slab.js';
import { must } from '../model/checked.js';

export type FieldKind = 'bit' | 'f64' | 'rare';

export interface FieldDecl<K extends FieldKind = FieldKind> {
  readonly kind: K;
  /** The field's value in a new record (a bit: 1 set, 0 clear). */
  readonly init: number;
}

/** A yes/no fact, clear (or set) in a new record. */
export const bit = (init = false): FieldDecl<'bit'> => ({ kind: 'bit', init: init ? 1 : 0 });
/** A number of the record's row, `init` in a new record. */
export const f64 = (init = 0): FieldDecl<'f64'> => ({ kind: 'f64', init });
/** A number of the rare row, `init` until it is first set to something else. */
export const rare = (init = 0): FieldDecl<'rare'> => ({ kind: 'rare', init });

type Decls = Readonly<Record<string, FieldDecl>>;
/** The names of F's fields of kind K. */
type NamesOf<F extends Decls, K extends FieldKind> = {
  [P in keyof F]: F[P] extends FieldDecl<K> ? P : never;
}[keyof F];

/** Bits a record's `bits` integer may use: below 2^30 it stays a small integer, never a heap number. */
export const MAX_BITS = 30;

export interface RecordLayout<F extends Decls> {
  readonly name: string;
  readonly fields: F;
  /** Each bit field's mask in `bits`. */
  readonly mask: Readonly<Record<NamesOf<F, 'bit'>, number>>;
  /** Each f64 field's offset in the record's row. */
  readonly at: Readonly<Record<NamesOf<F, 'f64'>, number>>;
  /** Each rare field's offset in the rare row. */
  readonly rareAt: Readonly<Record<NamesOf<F, 'rare'>, number>>;
  /** `bits` of a new record. */
  readonly initBits: number;
  /** The record's row, and the rare row, as a new record holds them (their lengths are the rows' sizes). */
  readonly rowInit: readonly number[];
  readonly rareInit: readonly number[];
  /** Every f64 field starts at 0 (a fresh slab row is all zeros). */
  readonly rowZero: boolean;
}

/**
 * The layout of a record whose fields are `fields`, in declaration order:
 * bit i of `bits` is the i-th bit field, slot i of the row the i-th f64
 * field, slot i of the rare row the i-th rare field.
 */
export function recordLayout<const F extends Decls>(name: string, fields: F): RecordLayout<F> {
  const mask: [string, number][] = [];
  const at: [string, number][] = [];
  const rareAt: [string, number][] = [];
  const rowInit: number[] = [];
  const rareInit: number[] = [];
  let initBits = 0;
  for (const [field, d] of Object.entries(fields)) {
    if (d.kind === 'bit') {
      if (mask.length === MAX_BITS) throw new Error(`${name}: more than ${MAX_BITS} bit fields (${field})`);
      const m = 1 << mask.length;
      mask.push([field, m]);
      if (d.init !== 0) initBits |= m;
    } else if (d.kind === 'f64') {
      at.push([field, rowInit.length]);
      rowInit.push(d.init);
    } else {
      rareAt.push([field, rareInit.length]);
      rareInit.push(d.init);
    }
  }
  // The computed numbers by field name, for defineAccessors() and the tests.
  const table = (e: [string, number][]) => Object.freeze(Object.fromEntries(e));
  return Object.freeze({
    name,
    fields,
    mask: table(mask),
    at: table(at),
    rareAt: table(rareAt),
    initBits,
    rowInit: Object.freeze(rowInit),
    rareInit: Object.freeze(rareInit),
    rowZero: rowInit.every((v) => v === 0),
  }) as unknown as RecordLayout<F>;
}

/** A new record's row of `layout` (the returned object is reused: copy its fields). */
export function newRow(layout: { readonly rowInit: readonly number[]; readonly rowZero: boolean }): {
  d: Float64Array;
  o: number;
} {
  return layout.rowZero ? slabRow(layout.rowInit.length) : slabRowOf(layout.rowInit);
}

/** The fields of a layout as properties: a bit reads as a boolean, a number as a number. */
export type LayoutFields<F extends Decls> = {
  -readonly [P in keyof F]: F[P] extends FieldDecl<'bit'> ? boolean : number;
};

/** A record's storage, as the generated accessors read it (the class declares these fields). */
export interface RecordStorage {
  bits: number;
  readonly d: Float64Array;
  readonly o: number;
  cd: Float64Array | null;
  co: number;
}

/** Makes a record's rare row, holding the defaults (a rare field's first change). */
function makeRare(rec: RecordStorage, init: readonly number[]): void {
  const row = slabRowOf(init);
  rec.cd = row.d;
  rec.co = row.o;
}

/**
 * Defines on `proto` a getter and a setter for every field of `layout`, each
 * with its field's offset or mask as a literal in its code: what a
 * hand-written accessor would be, and as fast (docs/performance.md#slab-rows),
 * without writing a number twice. The class declares the fields' types by
 * merging LayoutFields<F> into its interface.
 */
export function defineAccessors(proto: object, layout: RecordLayout<Decls>): void {
  const mask = layout.mask as Record<string, number>;
  const at = layout.at as Record<string, number>;
  const rareAt = layout.rareAt as Record<string, number>;
  for (const name of Object.keys(layout.fields)) {
    if (!/^[A-Za-z_]\w*$/.test(name))
      throw new Error(`${layout.name}: field name ${name} is not an identifier`);
    let get: string;
    let set: string;
    const m = mask[name];
    const k = at[name];
    if (m !== undefined) {
      get = `return (this.bits & ${m}) !== 0;`;
      set = `this.bits = v ? this.bits | ${m} : this.bits & ${~m};`;
    } else if (k !== undefined) {
      get = `return this.d[this.o + ${k}];`;
      set = `this.d[this.o + ${k}] = v;`;
    } else {
      const k = must(rareAt[name], `${layout.name}: the slot of field ${name}`);
      const init = must(layout.rareInit[k], `${layout.name}: the initial value of field ${name}`);
      get = `return this.cd === null ? ${init} : this.cd[this.co + ${k}];`;
      set = `if (this.cd === null) { if (v === ${init}) return; makeRare(this, rareInit); } this.cd[this.co + ${k}] = v;`;
    }
    // The generated code: a getter and a setter with their numbers inlined.
    const make = new Function(
      'makeRare',
      'rareInit',
      `'use strict'; return [function get_${name}() { ${get} }, function set_${name}(v) { ${set} }];`,
    ) as (mk: typeof makeRare, init: readonly number[]) => [() => unknown, (v: unknown) => void];
    const [g, s] = make(makeRare, layout.rareInit);
    Object.defineProperty(proto, name, { get: g, set: s, configurable: true, enumerable: false });
  }
}
