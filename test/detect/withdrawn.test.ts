/**
 * A stuck-state diagnosis raised on the capture's silence, which a later
 * segment shows rested on a lost one (issue 19 item 6): the endpoint's
 * 4-tuple is reused by a new connection, so its earlier end was not
 * captured and how long it stayed stuck is not known. The diagnosis becomes
 * a capture-gap note in the report and its counts. (Found by the simulator
 * oracle: test/sim/oracle.test.ts, formerly the gap
 * capture-gaps-raise-close-wait-stuck.)
 */
import { describe, expect, it } from 'vitest';
import { at, established, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

/** Established; the server closes (client CLOSE_WAIT); its end is not captured; `reuse` s later a SYN-ACK with a new ISN (its SYN not captured) reuses the 4-tuple. */
function closeWaitThenReuse(reuse: number) {
  const s = setup({ closeWaitTimeout: 5 });
  const { w } = s;
  established(w);
  w.s('F.', 0, at(w, T0 + 1));
  w.c('.', 0, at(w, T0 + 1.25));
  w.newIsn(1, 9_000_000);
  // As the pipeline does (analyze.ts): deadlines that passed fire before the segment.
  s.det.tick(T0 + 1 + reuse);
  w.s('S.', 0, { ...at(w, T0 + 1 + reuse), ack: 51 });
  const found = s.finish(T0 + 1 + reuse + 1);
  return { ...s, found };
}

describe('close-wait-stuck withdrawn when the 4-tuple is reused (the end not captured)', () => {
  it('reused 20 s later: a capture-gap note saying so, no close-wait-stuck in the counts', () => {
    const { det, found } = closeWaitThenReuse(20);
    const first = found.filter((a) => a.connection === found[0]?.connection);
    expect(first.map((a) => `${a.kind} ${a.severity}`)).toEqual(['capture-gap info']);
    expect(must(first[0], 'first[0]').message).toMatch(
      /^close-wait-stuck withdrawn for the client: its end was not captured/,
    );
    expect(must(first[0], 'first[0]').details).toEqual({ withheld: 'close-wait-stuck' });
    expect(det.counts.get('close-wait-stuck')).toBeUndefined();
    expect(det.counts.get('capture-gap')).toBe(1);
  });

  it('the same CLOSE_WAIT still there at the end of the capture stays close-wait-stuck', () => {
    const s = setup({ closeWaitTimeout: 5 });
    const { w } = s;
    established(w);
    w.s('F.', 0, at(w, T0 + 1));
    w.c('.', 0, at(w, T0 + 1.25));
    const found = s.finish(T0 + 21);
    expect(found.map((a) => a.kind)).toContain('close-wait-stuck');
  });

  it('a CLOSE_WAIT whose close was captured keeps its close-wait-stuck, with the time it took', () => {
    const s = setup({ closeWaitTimeout: 5 });
    const { w } = s;
    established(w);
    w.s('F.', 0, at(w, T0 + 1));
    w.c('.', 0, at(w, T0 + 1.25));
    s.det.tick(T0 + 21);
    w.c('F.', 0, at(w, T0 + 21));
    w.s('.', 0, at(w, T0 + 21.25));
    const found = s.finish(T0 + 22);
    const a = found.find((x) => x.kind === 'close-wait-stuck');
    expect(a?.message).toMatch(/stayed in CLOSE_WAIT for [0-9.]+ s before it closed/);
    expect(a?.details?.duration).toBeCloseTo(19.75, 2);
  });
});

describe('syn-no-synack retracted when the SYN is answered after its threshold (issue 19 item 5)', () => {
  /** SYNs at 0, 1 and 3 s (Linux's schedule); the deadline (3 s) passes at the third; then `answer`. */
  function slowSyn(answer: (s: ReturnType<typeof setup>) => void) {
    const s = setup();
    const { w } = s;
    w.c('S', 0, at(w, T0));
    w.c('S', 0, at(w, T0 + 1));
    s.det.tick(T0 + 3);
    w.c('S', 0, at(w, T0 + 3));
    expect(s.det.counts.get('syn-no-synack')).toBe(1);
    answer(s);
    s.finish(T0 + 10);
    return s;
  }

  it('a SYN-ACK 1 ms after the threshold: handshake-retransmitted only', () => {
    const s = slowSyn(({ w }) => {
      w.s('S.', 0, at(w, T0 + 3.001));
      w.c('.', 0, at(w, T0 + 3.002));
    });
    expect(s.det.anomalies.map((a) => a.kind)).toEqual(['handshake-retransmitted', 'capture-ended-open']);
    expect(s.det.counts.get('syn-no-synack')).toBeUndefined();
    expect(s.w.conn.anomalies).not.toContain('syn-no-synack');
  });

  it('a RST refusing it 1 ms after the threshold: connection-refused only', () => {
    const s = slowSyn(({ w }) => {
      w.s('R.', 0, { ...at(w, T0 + 3.001), seq: 0, ack: 1001 });
    });
    expect(s.det.anomalies.map((a) => a.kind)).toEqual(['connection-refused']);
  });

  it('no answer: syn-no-synack stays', () => {
    const s = slowSyn(() => {});
    expect(s.det.anomalies.map((a) => a.kind)).toEqual(['syn-no-synack']);
  });
});
