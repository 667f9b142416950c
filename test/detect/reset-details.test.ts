/**
 * The reset detectors' figures and branches one at a time (src/detect/resets.ts):
 * which end sent a RST and in what state, the signed offset of a RST outside the
 * window, a client giving up after the SYN-ACK, and what counts as in flight.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { Detectors } from '../../src/detect/detectors.js';
import type { AnomalyReport } from '../../src/model/report.js';
import { Wire } from '../tcp/wire.js';
import { at, established, setup, T0 } from './helpers.js';
import { must } from '../../src/model/checked.js';

const summary = (s: ReturnType<typeof setup>) => s.found.map((a) => [a.kind, a.endpoint, a.details]);

describe('handshake-aborted: the client resets after the SYN-ACK instead of completing', () => {
  it('SYN at T0, SYN-ACK at T0 + 1, client RST at T0 + 2: raised on the client, waited 2 s since its SYN', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.c('R', 0, at(s.w, T0 + 2));
    expect(summary(s)).toEqual([['handshake-aborted', 'client', { waited: 2 }]]);
    expect(must(s.found[0], 's.found[0]').message).toBe(
      '10.0.0.1:40000 answered the SYN-ACK with RST 2 s after its first SYN: it had given up on the connection',
    );
  });
  it('a client RST after its SYN with no SYN-ACK sent is not handshake-aborted', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.c('R', 0, { ...at(s.w, T0 + 1), seq: 1001 });
    expect(s.kinds()).not.toContain('handshake-aborted');
  });
});

describe('mid-stream-rst names the sender and the receiver with their own states', () => {
  it('server RST (ESTABLISHED) while the client is in FIN_WAIT_1; the lost FIN is no byte in flight', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, { ...at(s.w, T0 + 1), lost: true });
    s.w.s('R', 0, at(s.w, T0 + 2));
    expect(summary(s)).toEqual([
      [
        'mid-stream-rst',
        'server',
        { senderState: 'ESTABLISHED', receiverState: 'FIN_WAIT_1', inFlight: 0, unreadBySender: 0 },
      ],
    ]);
  });
  it('client RST from FIN_WAIT_2 while the server is in LAST_ACK', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('.', 0, at(s.w, T0 + 1.5));
    s.w.s('F.', 0, at(s.w, T0 + 100));
    s.w.c('R', 0, at(s.w, T0 + 100.5));
    const a = must(
      s.found.find((x) => x.kind === 'mid-stream-rst'),
      "s.found.find((x) => x.kind === 'mid-stream-rst')",
    );
    expect(a.endpoint).toBe('client');
    expect(a.details).toMatchObject({ senderState: 'FIN_WAIT_2', receiverState: 'LAST_ACK' });
  });
  it('one end synchronized is enough: a server RST from SYN_RECEIVED to an ESTABLISHED client', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('S.', 0, at(s.w, T0 + 1));
    s.w.c('.', 0, { ...at(s.w, T0 + 2), lost: true });
    s.w.s('R', 0, at(s.w, T0 + 3));
    expect(summary(s)).toEqual([
      [
        'mid-stream-rst',
        'server',
        { senderState: 'SYN_RECEIVED', receiverState: 'ESTABLISHED', inFlight: 0, unreadBySender: 0 },
      ],
    ]);
  });
  it('a client that sent no data and resets after receiving 600 bytes is no client-abort', () => {
    const s = setup();
    established(s.w);
    s.w.s('P.', 600, at(s.w, T0 + 1));
    s.w.c('.', 0, at(s.w, T0 + 2));
    s.w.c('R.', 0, at(s.w, T0 + 3));
    expect(s.kinds()).toEqual(['mid-stream-rst']);
  });
  it('data in flight near the top of the sequence space counts in full when no FIN was sent', () => {
    // Client ISN 2^32 - 296: its next sequence numbers wrap past 0.
    const found: AnomalyReport[] = [];
    const det = new Detectors({ ...DEFAULT_SETTINGS }, (a) => found.push(a));
    const w = new Wire({}, 40000, 80, 4294967000, 5000, det);
    det.senders = (h) => w.tracker.hostSeen(h);
    established(w);
    w.c('P.', 100, { ...at(w, T0 + 1), lost: true });
    w.s('R', 0, at(w, T0 + 2));
    expect(
      found.map((a) => [
        a.kind,
        must(a.details, 'a.details').inFlight,
        must(a.details, 'a.details').unreadBySender,
      ]),
    ).toEqual([['mid-stream-rst', 100, 100]]);
  });
});

describe('RSTs that reset nothing raise nothing', () => {
  it('after the connection was reset, further out-of-window RSTs from either end raise no more anomalies', () => {
    const s = setup();
    established(s.w);
    s.w.c('R', 0, at(s.w, T0 + 1));
    s.w.c('R', 0, { ...at(s.w, T0 + 2), seq: 900000 });
    s.w.s('R', 0, { ...at(s.w, T0 + 3), seq: 900000 });
    expect(s.kinds()).toEqual(['mid-stream-rst']);
  });
  it('a RST from TIME_WAIT after the peer closed: no anomaly', () => {
    const s = setup();
    established(s.w);
    s.w.c('F.', 0, at(s.w, T0 + 1));
    s.w.s('F.', 0, at(s.w, T0 + 1.5));
    s.w.c('.', 0, at(s.w, T0 + 2));
    s.w.settle(5);
    expect(s.w.states()).toEqual(['TIME_WAIT', 'CLOSED']);
    s.w.c('R', 0, at(s.w, T0 + 10));
    expect(s.kinds()).toEqual([]);
  });
});

describe("rst-out-of-window states the signed offset from the receiver's next expected", () => {
  function rst(offset: number) {
    const s = setup();
    established(s.w);
    s.w.c('P.', 1000, at(s.w, T0 + 3));
    s.w.s('P.', 1000, at(s.w, T0 + 4));
    s.w.c('.', 0, at(s.w, T0 + 5));
    s.w.s('R', 0, { ...at(s.w, T0 + 6), seq: (s.w.conn.client.lastAck + offset) >>> 0 });
    return must(s.found[0], 's.found[0]');
  }
  it('below: a minus sign', () =>
    expect(rst(-2).message).toMatch(/with sequence number -2 from the receiver/));
  it('above the window: a plus sign', () => {
    const off = (64240 << 7) + 1;
    expect(rst(off).message).toContain(`with sequence number +${off} from the receiver`);
  });
});
describe('rst-out-of-window to a client in SYN_SENT, which has acknowledged nothing yet', () => {
  it('a RST+ACK of the ISN (not ISN + 1): offset +0, the client stays in SYN_SENT', () => {
    const s = setup();
    s.w.c('S', 0, at(s.w, T0));
    s.w.s('R.', 0, { ...at(s.w, T0 + 1), seq: 0, ack: 1000 });
    expect(s.w.states()[0]).toBe('SYN_SENT');
    expect(s.found.map((a) => [a.kind, a.details])).toEqual([['rst-out-of-window', { offset: 0 }]]);
    expect(must(s.found[0], 's.found[0]').message).toContain('with sequence number +0 from the receiver');
  });
});
