/**
 * The causes that say a connection's end was not captured because a new
 * connection took its 4-tuple over (isEndNotCaptured): the two of
 * END_NOT_CAPTURED, no other.
 */
import { describe, expect, it } from 'vitest';
import { END_NOT_CAPTURED, EVENT_CAUSE, Ev, isEndNotCaptured } from '../../src/tcp/transitions.js';

describe('isEndNotCaptured', () => {
  it('is true for the 4-tuple reused and for a new connection accepted', () => {
    expect(isEndNotCaptured(END_NOT_CAPTURED.reused)).toBe(true);
    expect(isEndNotCaptured(END_NOT_CAPTURED.accepted)).toBe(true);
  });
  it('is false for any other cause', () => {
    expect(isEndNotCaptured(EVENT_CAUSE[Ev.RCV_RST])).toBe(false);
    expect(isEndNotCaptured('2 x MSL elapsed in TIME_WAIT')).toBe(false);
  });
});
