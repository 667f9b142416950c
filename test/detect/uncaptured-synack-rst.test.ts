/**
 * A client's RST without ACK at its ISN + 1 after syn-no-synack was raised:
 * a TCP resets from SYN_SENT (or, having given up, from CLOSED) only in
 * answer to a segment acknowledging its SYN (RFC 9293 3.10.7.3: seq =
 * SEG.ACK), a SYN-ACK the capture missed: the diagnosis leaves the report.
 * Any other RST (with ACK, at another sequence number, from the server
 * before any answer) leaves it standing.
 */
import { describe, expect, it } from 'vitest';
import { at, setup, T0 } from './helpers.js';

/** SYNs at T0 and T0 + 1, unanswered past the 3 s wait (syn-no-synack raised at T0 + 3). */
function raised() {
  const s = setup();
  s.w.c('S', 0, at(s.w, T0));
  s.w.c('S', 0, at(s.w, T0 + 1));
  s.w.tracker.advance(T0 + 3.5);
  s.det.tick(T0 + 3.5);
  expect(s.det.anomalies.map((a) => a.kind)).toEqual(['syn-no-synack']);
  return s;
}

const open = (s: ReturnType<typeof setup>) => s.det.anomalies.map((a) => a.kind);

describe('after syn-no-synack was raised', () => {
  it('the client’s RST without ACK at ISN + 1 withdraws it', () => {
    const s = raised();
    s.w.c('R', 0, { ...at(s.w, T0 + 4), seq: 1001 });
    expect(open(s)).not.toContain('syn-no-synack');
  });

  it('a RST with ACK at ISN + 1 leaves it', () => {
    const s = raised();
    s.w.c('R.', 0, { ...at(s.w, T0 + 4), seq: 1001, ack: 7 });
    expect(open(s)).toContain('syn-no-synack');
  });

  it('a RST without ACK at the ISN itself leaves it', () => {
    const s = raised();
    s.w.c('R', 0, { ...at(s.w, T0 + 4), seq: 1000 });
    expect(open(s)).toContain('syn-no-synack');
  });

  it('a RST from the server is an answer: it withdraws it', () => {
    const s = raised();
    s.w.s('R.', 0, { ...at(s.w, T0 + 4), ack: 1001 });
    expect(open(s)).not.toContain('syn-no-synack');
  });

  it('an ACK from the server that does not acknowledge the SYN is no answer: it stays', () => {
    const s = raised();
    s.w.s('.', 0, { ...at(s.w, T0 + 4), ack: 1500 });
    expect(open(s)).toContain('syn-no-synack');
  });
});
