/**
 * The handshake detectors' messages and figures (src/detect/handshake.ts):
 * counts and their plurals, what was seen of the final ACK, and the reasons a
 * diagnosis is withheld.
 */
import { describe, expect, it } from 'vitest';
import { at, EPS, setup, T0 } from './helpers.js';

const summary = (s: ReturnType<typeof setup>) =>
  s.found.map((a) => [a.kind, a.endpoint, a.message, a.details]);

/** A SYN at T0 resent at each of `resends` (seconds after T0), unanswered; the capture ends at T0 + 10. */
function unansweredSyn(resends: number[]) {
  const s = setup();
  s.w.c('S', 0, at(s.w, T0));
  for (const t of resends) s.w.c('S', 0, at(s.w, T0 + t));
  s.finish(T0 + 10);
  return s;
}

describe('syn-no-synack: the count of retransmissions and the wait up to the end of the capture', () => {
  it('one resend: "1 retransmission"', () => {
    expect(summary(unansweredSyn([1]))).toEqual([
      [
        'syn-no-synack',
        'client',
        'SYN to 10.0.0.2:80 got neither SYN-ACK nor RST: 1 retransmission over 10 s',
        { synRetransmissions: 1, waited: 10 },
      ],
    ]);
  });
  it('two resends: "2 retransmissions"', () => {
    expect(summary(unansweredSyn([1, 3]))[0]![2]).toBe(
      'SYN to 10.0.0.2:80 got neither SYN-ACK nor RST: 2 retransmissions over 10 s',
    );
  });
  it('no resend and no packet of the server in the capture: withheld, with the reason', () => {
    expect(summary(unansweredSyn([]))).toEqual([
      [
        'capture-gap',
        'client',
        'syn-no-synack not raised for the client: no packet from 10.0.0.2:80 is in the capture at all, and the client never resent its SYN: the answer may just not have been captured',
        { withheld: 'syn-no-synack' },
      ],
    ]);
  });
});

describe('synack-no-ack: SYN-ACKs sent, and what was captured of the final ACK', () => {
  it('resent once, the client silent after its SYN: "2 times", no final ACK seen, ackSeen false', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.finish(T0 + 10);
    expect(summary(s)).toEqual([
      [
        'synack-no-ack',
        'server',
        '10.0.0.2:80 sent SYN-ACK 2 times over 10 s: no final ACK seen',
        { synackRetransmissions: 1, ackSeen: false },
      ],
    ]);
  });
  it('the final ACK captured but lost, the SYN-ACK resent twice: "3 times", ackSeen true', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.c('.', 0, { ...at(s.w, T0 + 2 * EPS), lost: true });
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.s('S.', 0, at(s.w, T0 + 3));
    s.finish(T0 + 10);
    expect(summary(s)).toEqual([
      [
        'synack-no-ack',
        'server',
        '10.0.0.2:80 sent SYN-ACK 3 times over 10 s: ACKs from the client were captured but did not reach it',
        { synackRetransmissions: 2, ackSeen: true },
      ],
    ]);
  });
  it('sent once and never resent: withheld, the final ACK may have gone uncaptured', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.finish(T0 + 10);
    expect(summary(s)).toEqual([
      [
        'capture-gap',
        'server',
        'synack-no-ack not raised for the server: it never resent its SYN-ACK, so the final ACK may have arrived uncaptured',
        { withheld: 'synack-no-ack' },
      ],
    ]);
  });
});

describe('handshake-retransmitted: the setup delay and the counts', () => {
  function resentSyn(resends: number[]) {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    for (const t of resends) s.w.c('S', 0, at(s.w, T0 + t));
    const last = T0 + resends[resends.length - 1]!;
    s.w.s('S.', 0, at(s.w, last + EPS));
    s.w.c('.', 0, at(s.w, last + 2 * EPS));
    return s;
  }
  it('one SYN resent: "1 SYN and 0 SYN-ACK retransmission", the delay to the client\'s ESTABLISHED', () => {
    expect(summary(resentSyn([1]))).toEqual([
      [
        'handshake-retransmitted',
        'client',
        'connection setup took 1 s: 1 SYN and 0 SYN-ACK retransmission (a lost SYN or SYN-ACK)',
        { delay: 1 + 2 * EPS, synRetransmissions: 1, synackRetransmissions: 0 },
      ],
    ]);
  });
  it('two SYNs resent: "retransmissions"', () => {
    expect(resentSyn([1, 2]).found[0]!.message).toBe(
      'connection setup took 2 s: 2 SYN and 0 SYN-ACK retransmissions (a lost SYN or SYN-ACK)',
    );
  });
  it('no resend: not raised', () => expect(resentSyn([]).kinds()).toEqual([]));
});

describe('syn-with-data', () => {
  it('a SYN with 20 bytes and no Fast Open option: the byte count', () => {
    const s = setup();
    s.w.c('S', 20, at(s.w, T0));
    expect(summary(s)).toEqual([
      [
        'syn-with-data',
        'client',
        'SYN from the client carried 20 bytes without a TCP Fast Open option',
        { bytes: 20 },
      ],
    ]);
  });
});
