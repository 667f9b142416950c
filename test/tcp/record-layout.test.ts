/**
 * The records' declared layouts (src/tcp/record-layout.ts): no two fields
 * share a bit or a slot, every declared field is read and written by an
 * accessor of its own, and no record's accessors reach past its row (two
 * records made one after the other share a slab chunk: writing every field of
 * one leaves the other as new).
 */
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_LAYOUT,
  Connection,
  ENDPOINT_LAYOUT,
  Endpoint,
  NO_ZEEK,
  TRANSITION_LAYOUT,
} from '../../src/tcp/connection.js';
import { MAX_BITS, bit, f64, recordLayout, type FieldDecl } from '../../src/tcp/record-layout.js';
import { ZEEK_CONN_LAYOUT, ZeekConn } from '../../src/zeek/conn-state.js';
import { Endpoint as ZeekEndpoint, ZEEK_ENDPOINT_LAYOUT } from '../../src/zeek/endpoint.js';
import { must } from '../../src/model/checked.js';

interface Layout {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDecl>>;
  readonly mask: Readonly<Record<string, number>>;
  readonly at: Readonly<Record<string, number>>;
  readonly rareAt: Readonly<Record<string, number>>;
  readonly initBits: number;
  readonly rowInit: readonly number[];
  readonly rareInit: readonly number[];
}

type Rec = Record<string, unknown>;

/** Each layout with a maker of two records made one after the other. */
const RECORDS: [Layout, () => [Rec, Rec]][] = [
  [ENDPOINT_LAYOUT, () => [new Endpoint(4), new Endpoint(4)] as unknown as [Rec, Rec]],
  [
    CONNECTION_LAYOUT,
    () => [new Connection(1, 4, NO_ZEEK), new Connection(2, 4, NO_ZEEK)] as unknown as [Rec, Rec],
  ],
  [ZEEK_ENDPOINT_LAYOUT, () => [new ZeekEndpoint(true), new ZeekEndpoint(true)] as unknown as [Rec, Rec]],
  [ZEEK_CONN_LAYOUT, () => [new ZeekConn(), new ZeekConn()] as unknown as [Rec, Rec]],
];

/** A value for field `i` unlike any default and any other field's. */
function valueOf(d: FieldDecl, i: number): number | boolean {
  return d.kind === 'bit' ? d.init === 0 : 1000 + i + 0.25;
}
const initOf = (d: FieldDecl): number | boolean => (d.kind === 'bit' ? d.init !== 0 : d.init);

describe('record layouts', () => {
  const all: Layout[] = [...RECORDS.map(([l]) => l), TRANSITION_LAYOUT];
  it.each(all.map((l) => [l.name, l] as const))(
    '%s: every field has a bit or a slot of its own, inside its row',
    (_, l) => {
      const names = Object.keys(l.fields);
      const masks = Object.values(l.mask);
      const slots = Object.values(l.at);
      const rareSlots = Object.values(l.rareAt);
      expect(masks.length + slots.length + rareSlots.length).toBe(names.length);
      for (const m of masks) {
        expect(m & (m - 1)).toBe(0); // one bit
        expect(m).toBeGreaterThan(0);
        expect(m).toBeLessThan(2 ** MAX_BITS);
      }
      expect(new Set(masks).size).toBe(masks.length);
      expect(new Set(slots).size).toBe(slots.length);
      expect(new Set(rareSlots).size).toBe(rareSlots.length);
      for (const s of slots) expect(s).toBeLessThan(l.rowInit.length);
      for (const s of rareSlots) expect(s).toBeLessThan(l.rareInit.length);
    },
  );

  it.each(RECORDS.map(([l, make]) => [l.name, l, make] as const))(
    '%s: each field is read and written by its own accessor, and none reaches past its row',
    (_, l, make) => {
      const [rec, next] = make();
      const proto = Object.getPrototypeOf(rec) as object;
      const names = Object.keys(l.fields);
      for (const n of names) {
        const desc = Object.getOwnPropertyDescriptor(proto, n);
        expect(desc?.get, `${l.name}.${n} getter`).toBeTypeOf('function');
        expect(desc?.set, `${l.name}.${n} setter`).toBeTypeOf('function');
      }
      const fresh = (r: Rec) => Object.fromEntries(names.map((n) => [n, r[n]]));
      const init = Object.fromEntries(names.map((n) => [n, initOf(must(l.fields[n], 'l.fields[n]'))]));
      // These Zeek endpoints are made as originators: a bit the constructor sets.
      if (l === ZEEK_ENDPOINT_LAYOUT) init.isOrig = true;
      expect(fresh(rec)).toEqual(init);
      expect(fresh(next)).toEqual(init);
      const want = { ...init };
      names.forEach((n, i) => {
        const v = valueOf(must(l.fields[n], 'l.fields[n]'), i);
        rec[n] = v;
        want[n] = v;
        // This field changed, and no other one did.
        expect(fresh(rec)).toEqual(want);
      });
      expect(fresh(next)).toEqual(init);
    },
  );

  it('refuses more bit fields than fit a small integer', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_BITS + 1 }, (_, i) => [`b${i}`, bit()]));
    expect(() => recordLayout('too many', many)).toThrow(/more than 30 bit fields/);
    expect(
      recordLayout('enough', { ...Object.fromEntries(Object.entries(many).slice(1)), x: f64(2) }).rowInit,
    ).toEqual([2]);
  });
});
