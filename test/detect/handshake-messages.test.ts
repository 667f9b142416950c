/**
 * The handshake detectors' messages and figures (src/detect/handshake.ts):
 * counts and their plurals, what was seen of the final ACK, and the reasons a
 * diagnosis is withheld.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { Detectors } from '../../src/detect/detectors.js';
import type { AnomalyReport } from '../../src/model/report.js';
import { Wire } from '../tcp/wire.js';
import { at, EPS, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

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
    expect(must(summary(unansweredSyn([1, 3]))[0], 'summary(unansweredSyn([1, 3]))[0]')[2]).toBe(
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
    // The SYN-ACK answers the last SYN sent (the first, when none was resent).
    const last = T0 + (resends.at(-1) ?? 0);
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
    expect(must(resentSyn([1, 2]).found[0], 'resentSyn([1, 2]).found[0]').message).toBe(
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

describe('handshake-retransmitted counts SYN and SYN-ACK retransmissions together', () => {
  it('one SYN and one SYN-ACK resent: "1 SYN and 1 SYN-ACK retransmissions"', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, { ...at(s.w, T0 + EPS), lost: true });
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.s('S.', 0, at(s.w, T0 + 1 + EPS));
    s.w.c('.', 0, at(s.w, T0 + 1 + 2 * EPS));
    expect(s.found.map((a) => [a.kind, a.message])).toEqual([
      [
        'handshake-retransmitted',
        'connection setup took 1 s: 1 SYN and 1 SYN-ACK retransmissions (a lost SYN or SYN-ACK)',
      ],
    ]);
  });
  it('only the SYN-ACK resent once: "0 SYN and 1 SYN-ACK retransmission"', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, { ...at(s.w, T0 + EPS), lost: true });
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.c('.', 0, at(s.w, T0 + 1 + EPS));
    expect(s.found.map((a) => a.message)).toEqual([
      'connection setup took 1 s: 0 SYN and 1 SYN-ACK retransmission (a lost SYN or SYN-ACK)',
    ]);
  });
  it('a client that resends its SYN and then gives up with a RST: neither handshake-retransmitted nor syn-no-synack', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.c('R', 0, { ...at(s.w, T0 + 1.5), seq: 1001 });
    s.finish(T0 + 10);
    expect(s.w.states()).toEqual(['CLOSED', 'CLOSED']);
    expect(s.kinds()).toEqual([]);
  });
});

describe('figures fixed when raised, or brought to the end of the capture', () => {
  it('syn-no-synack raised at 3 s, then a late SYN-ACK at 5 s: streamed with the figures of 3 s, then retracted from the report', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('S', 0, at(s.w, T0 + 1));
    s.w.c('S', 0, at(s.w, T0 + 3.5));
    s.w.s('S.', 0, at(s.w, T0 + 5));
    s.w.c('.', 0, at(s.w, T0 + 5 + EPS));
    s.finish(T0 + 20);
    expect(summary(s)[0]).toEqual([
      'syn-no-synack',
      'client',
      'SYN to 10.0.0.2:80 got neither SYN-ACK nor RST: 2 retransmissions over 3 s',
      { synRetransmissions: 2, waited: 3 },
    ]);
    expect(s.det.anomalies.map((a) => a.kind)).not.toContain('syn-no-synack');
    expect(s.det.anomalies.map((a) => a.kind)).toContain('handshake-retransmitted');
  });
  it('synack-no-ack whose final ACK came later (T0 + 6): the SYN-ACK span ends at the last segment (T0 + 7), not the capture end', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    // An ACK captured that did not reach the server (loss on the path): the
    // diagnosis stays when the final ACK comes later (late-final-ack.test.ts).
    s.w.c('.', 0, { ...at(s.w, T0 + 2 * EPS), lost: true });
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.s('S.', 0, at(s.w, T0 + 4));
    s.w.c('.', 0, at(s.w, T0 + 6));
    s.w.c('P.', 10, at(s.w, T0 + 6.5));
    s.w.s('.', 0, at(s.w, T0 + 7));
    s.finish(T0 + 20);
    expect(s.w.states()).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(must(s.found[0], 's.found[0]').message).toMatch(/^10\.0\.0\.2:80 sent SYN-ACK 3 times over 7 s: /);
  });
  it('syn-with-data keeps its message at the end of the capture', () => {
    const s = setup();
    s.w.c('S', 20, at(s.w, T0));
    s.finish(T0 + 1);
    expect(
      must(
        s.found.find((a) => a.kind === 'syn-with-data'),
        "s.found.find((a) => a.kind === 'syn-with-data')",
      ).message,
    ).toBe('SYN from the client carried 20 bytes without a TCP Fast Open option');
  });
  it('midstream-start says the connection was picked up as ESTABLISHED', () => {
    const s = setup();
    s.w.c('P.', 10, { ...at(s.w, T0), ack: 5001 });
    expect(summary(s)).toEqual([
      ['midstream-start', null, 'the capture starts after the handshake: picked up as ESTABLISHED', {}],
    ]);
  });
});

describe('what ackSeen needs: an ACK of the SYN-ACK itself', () => {
  /** SYN, SYN-ACK (server ISN `sIsn`) resent twice; the client's one ACK (acknowledging `ack`, if any) is lost. */
  function lostAck(sIsn: number, ack?: number) {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS }, (a) => found.push(a));
    const w = new Wire({}, 40000, 80, 1000, sIsn, det);
    det.senders = (h) => w.tracker.hostSeen(h);
    w.c('S', 0, at(w, T0));
    w.s('S.', 0, at(w, T0 + EPS));
    if (ack !== undefined) w.c('.', 0, { ...at(w, T0 + 2 * EPS), ack, lost: true });
    w.s('S.', 0, at(w, T0 + 1));
    w.s('S.', 0, at(w, T0 + 3));
    w.tracker.finish(T0 + 10);
    det.finish(T0 + 10, w.tracker.conns);
    return found.filter((a) => a.kind === 'synack-no-ack');
  }
  it('an ACK of the server ISN only (not ISN + 1): not seen', () => {
    const [a] = lostAck(5000, 5000);
    expect(must(must(a, 'a').details, "must(a, 'a').details").ackSeen).toBe(false);
    expect(must(a, 'a').message).toMatch(/: no final ACK seen$/);
  });
  it('no ACK at all, a server ISN in the upper half of the sequence space: not seen', () => {
    const [a] = lostAck(0x90000000);
    expect(must(must(a, 'a').details, "must(a, 'a').details").ackSeen).toBe(false);
    expect(must(a, 'a').message).toMatch(/: no final ACK seen$/);
  });
});

describe('without the list of hosts seen sending', () => {
  it('an unanswered SYN never resent is withheld with the general reason (no host can be ruled out)', () => {
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS }, (a) => found.push(a));
    const w = new Wire({}, 40000, 80, 1000, 5000, det);
    w.c('S', 0, at(w, T0));
    w.tracker.finish(T0 + 10);
    det.finish(T0 + 10, w.tracker.conns);
    expect(found.map((a) => [a.kind, a.message])).toEqual([
      [
        'capture-gap',
        'syn-no-synack not raised for the client: the client never resent its SYN: it may have had an answer the capture missed, or be no real TCP (a scan, a spoofed source)',
      ],
    ]);
  });
});

describe('syn-with-data looks at SYNs only', () => {
  it('a data segment without the ACK flag (not a SYN) raises no syn-with-data', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + EPS));
    s.w.c('.', 0, at(s.w, T0 + 2 * EPS));
    s.w.c('P', 20, at(s.w, T0 + 1));
    expect(s.kinds()).not.toContain('syn-with-data');
  });
});
