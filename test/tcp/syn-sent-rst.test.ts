/**
 * A RST toward an endpoint in SYN_SENT (src/tcp/state-machine.ts reset(),
 * RFC 9293 3.10.7.3): acceptable only with the ACK flag set and an
 * acknowledgement of the SYN (ISN + 1). The Wire clears the acknowledgement
 * field of a segment without ACK; here it is written back after, as a
 * capture can hold it (the field is sent whatever the flag says).
 */
import { describe, expect, it } from 'vitest';
import type { Segment } from '../../src/decode/segment.js';
import { Wire } from './wire.js';
import { must } from '../../src/model/checked.js';

/** The client's SYN (ISN 1000), then a server RST with `flags` whose acknowledgement field holds `ack`. */
function synThenRst(flags: string, ack: number): { w: Wire; accepted: boolean | undefined } {
  const w = new Wire();
  w.c('S');
  const tracker = w.tracker;
  const segment = tracker.segment.bind(tracker);
  tracker.segment = (seg: Segment) => {
    seg.ack = ack;
    return segment(seg);
  };
  w.s(flags, 0, { seq: 0 });
  tracker.segment = segment;
  const last = must(w.rec.segments.at(-1), 'w.rec.segments.at(-1)');
  return { w, accepted: last.info.rstAcceptable };
}

describe('a RST toward a client in SYN_SENT', () => {
  it('with ACK, acknowledging the SYN (1001): the client CLOSED', () => {
    const { w, accepted } = synThenRst('R.', 1001);
    expect(accepted).toBe(true);
    expect(w.states()[0]).toBe('CLOSED');
  });
  it('without the ACK flag, its acknowledgement field 1001 all the same: dropped, the client still in SYN_SENT', () => {
    const { w, accepted } = synThenRst('R', 1001);
    expect(accepted).toBe(false);
    expect(w.states()[0]).toBe('SYN_SENT');
    expect(w.timeline()).toEqual(['client:CLOSED>SYN_SENT']);
  });
  it('with ACK of 1000 (the ISN, not ISN + 1): dropped, the client still in SYN_SENT', () => {
    const { w, accepted } = synThenRst('R.', 1000);
    expect(accepted).toBe(false);
    expect(w.states()[0]).toBe('SYN_SENT');
  });
});
