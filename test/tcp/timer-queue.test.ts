/**
 * The timer queue against a plain array as its model: any sequence of pushes,
 * shifts and forgets (across the ring's wrap-around, growth and shrinking)
 * leaves the same entries in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Connection, Side } from '../../src/tcp/connection.js';
import { type TimerEntry, TimerQueue } from '../../src/tcp/timer-queue.js';
import { at } from '../../src/model/checked.js';

/** Stand-ins for connections: the queue only stores and compares them. */
const conns = Array.from({ length: 8 }, (_, i) => ({ id: i }) as unknown as Connection);

type Op =
  | { op: 'push'; n: number; conn: number; side: Side }
  | { op: 'shift'; n: number }
  | { op: 'forget'; which: number[] };

const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('push' as const),
      n: fc.integer({ min: 1, max: 40 }),
      conn: fc.integer({ min: 0, max: 7 }),
      side: fc.constantFrom<Side>(0, 1),
    }),
    fc.record({ op: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      op: fc.constant('forget' as const),
      which: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
    }),
  ),
  { maxLength: 60 },
);

describe('TimerQueue', () => {
  it('is empty at first: peek() is +Infinity', () => {
    const q = new TimerQueue();
    expect(q.size).toBe(0);
    expect(q.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it('gives entries back in the order pushed, with their times and sides', () => {
    const q = new TimerQueue();
    for (let i = 0; i < 1000; i++) q.push(1.5 + i * 0.25, at(conns, i % 8), (i % 2) as Side);
    const e: TimerEntry = { t: 0, conn: at(conns, 0), side: 0 };
    for (let i = 0; i < 1000; i++) {
      expect(q.peek()).toBe(1.5 + i * 0.25);
      q.shift(e);
      expect(e).toEqual({ t: 1.5 + i * 0.25, conn: conns[i % 8], side: i % 2 });
    }
    expect(q.size).toBe(0);
    expect(q.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it('behaves like an array under any mix of push, shift and forget', () => {
    fc.assert(
      fc.property(ops, (script: Op[]) => {
        const q = new TimerQueue();
        const model: TimerEntry[] = [];
        let t = 0;
        const e: TimerEntry = { t: 0, conn: at(conns, 0), side: 0 };
        for (const o of script) {
          if (o.op === 'push') {
            for (let i = 0; i < o.n; i++) {
              t += 0.5;
              q.push(t, at(conns, o.conn), o.side);
              model.push({ t, conn: at(conns, o.conn), side: o.side });
            }
          } else if (o.op === 'shift') {
            for (let i = 0; i < o.n && model.length > 0; i++) {
              q.shift(e);
              expect(e).toEqual(model.shift());
            }
          } else {
            const gone = new Set(o.which.map((i) => at(conns, i)));
            q.forget(gone);
            model.splice(0, model.length, ...model.filter((m) => !gone.has(m.conn)));
          }
          expect(q.size).toBe(model.length);
          expect(q.peek()).toBe(model[0]?.t ?? Number.POSITIVE_INFINITY);
        }
        while (model.length > 0) {
          q.shift(e);
          expect(e).toEqual(model.shift());
        }
      }),
    );
  });

  it('holds no connection once its entry is taken or forgotten', () => {
    const q = new TimerQueue();
    for (let i = 0; i < 100; i++) q.push(i, at(conns, i % 8), 0);
    const e: TimerEntry = { t: 0, conn: at(conns, 0), side: 0 };
    for (let i = 0; i < 50; i++) q.shift(e);
    q.forget(new Set([at(conns, 3)]));
    const held = (q as unknown as { conns: (Connection | null)[] }).conns.filter((c) => c !== null);
    // 50 pending, less those of connection 3 (entries 51, 59, ..., 99: 7 of them).
    expect(held).toHaveLength(43);
    expect(held).not.toContain(conns[3]);
    expect(q.size).toBe(43);
  });

  it('gives back the room of a burst once the burst is forgotten', () => {
    const q = new TimerQueue();
    for (let i = 0; i < 100_000; i++) q.push(i, at(conns, i % 8), 0);
    q.forget(new Set(conns.slice(1)));
    expect(q.size).toBe(12_500);
    const room = (q as unknown as { conns: unknown[] }).conns.length;
    expect(room).toBeLessThanOrEqual(32_768);
    expect(room).toBeGreaterThanOrEqual(12_500);
  });
});
