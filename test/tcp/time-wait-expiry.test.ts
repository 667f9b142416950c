/**
 * TIME_WAIT lasts exactly 2 x MSL from the moment it began (src/tcp/state-machine.ts,
 * tracker.ts): the boundary, the time stamped on the change to CLOSED, and
 * the restart by a retransmitted FIN.
 */
import { describe, expect, it } from 'vitest';
import { Wire } from './wire.js';

const T0 = 1_700_000_000;
const EPS = 1 / 128;

/** The client closes first; its ACK of the server's FIN at T0 + 2: client TIME_WAIT from T0 + 2 (msl 1: until T0 + 4). */
function clientTimeWait(): Wire {
  const w = new Wire({ msl: 1 });
  w.t = T0;
  w.c('S', 0, { dt: 0 });
  w.s('S.', 0, { dt: EPS });
  w.c('.', 0, { dt: EPS });
  w.c('F.', 0, { dt: T0 + 1 - w.t });
  w.s('F.', 0, { dt: EPS });
  w.c('.', 0, { dt: T0 + 2 - w.t });
  return w;
}

describe('TIME_WAIT: 2 x MSL (msl 1 s)', () => {
  it("began at T0 + 2 (the client's last ACK)", () => {
    const w = clientTimeWait();
    expect(w.states()[0]).toBe('TIME_WAIT');
    expect(w.conn.client.stateSince).toBe(T0 + 2);
  });
  it('still TIME_WAIT at 2 s - EPS', () => {
    const w = clientTimeWait();
    w.tracker.advance(T0 + 4 - EPS);
    expect(w.states()[0]).toBe('TIME_WAIT');
  });
  it('CLOSED at exactly 2 s, the change stamped T0 + 4', () => {
    const w = clientTimeWait();
    w.tracker.advance(T0 + 4);
    expect(w.states()[0]).toBe('CLOSED');
    expect(w.conn.client.stateSince).toBe(T0 + 4);
    expect(w.timeline().at(-1)).toBe('client:TIME_WAIT>CLOSED');
  });
  it('a retransmitted FIN at T0 + 3, acknowledged at once, restarts its timer (in TIME_WAIT since T0 + 2): TIME_WAIT at T0 + 5 - EPS, CLOSED at T0 + 5', () => {
    const w = clientTimeWait();
    w.s('F.', 0, { seq: w.side[1].nxt - 1, dt: T0 + 3 - w.t });
    w.c('.', 0, { dt: 0 }); // its ACK shows the FIN arrived
    // In TIME_WAIT since T0 + 2 still; its timer restarted at T0 + 3.
    expect(w.conn.client.stateSince).toBe(T0 + 2);
    expect(w.conn.client.timeWaitStart).toBe(T0 + 3);
    w.tracker.advance(T0 + 5 - EPS);
    expect(w.states()[0]).toBe('TIME_WAIT');
    w.tracker.advance(T0 + 5);
    expect(w.states()[0]).toBe('CLOSED');
  });
});
