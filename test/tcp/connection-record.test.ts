/**
 * Connection's edits of its transition record (src/tcp/connection.ts):
 * retractLast() undoes a side's latest change (only for the cause given,
 * the endpoint back in the state, time, frame and evidence of its change
 * before), restampLast() moves it later and never earlier,
 * leftHandshakeBy() asks what the latest change of a side left and why,
 * retractTransitions() forgets one side's changes and keeps the other's;
 * and the round trips and the scaled window it computes from its fields.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/tcp/connection.js';
import { State } from '../../src/model/states.js';

const zeek = { segment() {}, history: '', connState: () => 'OTH' };

/** Client CLOSED -> SYN_SENT (t 1, inferred) -> ESTABLISHED (t 3); server CLOSED -> SYN_RECEIVED (t 2) -> ESTABLISHED (t 4). */
function record(): Connection {
  const c = new Connection(1, 4, zeek);
  c.addTransition(1, 10, 0, State.CLOSED, State.SYN_SENT, 'sent SYN', true);
  c.addTransition(2, 20, 1, State.CLOSED, State.SYN_RECEIVED, 'received SYN');
  c.addTransition(3, 30, 0, State.SYN_SENT, State.ESTABLISHED, 'received SYN-ACK');
  c.addTransition(4, 40, 1, State.SYN_RECEIVED, State.ESTABLISHED, 'received ACK of its SYN');
  c.client.state = State.ESTABLISHED;
  c.server.state = State.ESTABLISHED;
  return c;
}

const times = (c: Connection) => c.transitions.map((r) => [r.side, r.t, r.frame, r.cause]);

describe('retractLast', () => {
  it('undoes the client’s latest change: back in SYN_SENT since t 1, frame 10, inferred as that change was', () => {
    const c = record();
    expect(c.retractLast(0, 'received SYN-ACK')).toBe(true);
    expect(c.client.state).toBe(State.SYN_SENT);
    expect([c.client.stateSince, c.client.stateFrame, c.client.stateInferred]).toEqual([1, 10, true]);
    expect(times(c)).toEqual([
      [0, 1, 10, 'sent SYN'],
      [1, 2, 20, 'received SYN'],
      [1, 4, 40, 'received ACK of its SYN'],
    ]);
  });

  it('undoes the server’s latest change, seen: SYN_RECEIVED since t 2, not inferred', () => {
    const c = record();
    expect(c.retractLast(1)).toBe(true);
    expect(c.server.state).toBe(State.SYN_RECEIVED);
    expect([c.server.stateSince, c.server.stateFrame, c.server.stateInferred]).toEqual([2, 20, false]);
    expect(c.transitionCount).toBe(3);
  });

  it('a side’s only change undone: back to its start (time 0)', () => {
    const c = new Connection(1, 4, zeek);
    c.addTransition(5, 50, 0, State.CLOSED, State.SYN_SENT, 'sent SYN');
    expect(c.retractLast(0)).toBe(true);
    expect(c.client.state).toBe(State.CLOSED);
    expect([c.client.stateSince, c.client.stateFrame]).toEqual([0, 0]);
    expect(c.transitionCount).toBe(0);
  });

  it('another cause did not make the change: nothing undone', () => {
    const c = record();
    expect(c.retractLast(0, 'received FIN')).toBe(false);
    expect(c.transitionCount).toBe(4);
    expect(c.client.state).toBe(State.ESTABLISHED);
  });

  it('a side without changes: nothing to undo', () => {
    const c = new Connection(1, 4, zeek);
    c.addTransition(1, 10, 0, State.CLOSED, State.SYN_SENT, 'sent SYN');
    expect(c.retractLast(1)).toBe(false);
    expect(c.transitionCount).toBe(1);
  });
});

describe('restampLast', () => {
  it('moves the client’s latest change later, into its place in time', () => {
    const c = record();
    c.restampLast(0, 5, 55);
    expect(times(c)).toEqual([
      [0, 1, 10, 'sent SYN'],
      [1, 2, 20, 'received SYN'],
      [1, 4, 40, 'received ACK of its SYN'],
      [0, 5, 55, 'received SYN-ACK'],
    ]);
  });

  it('never earlier, nor to the same time', () => {
    for (const t of [2.5, 3]) {
      const c = record();
      c.restampLast(0, t, 99);
      expect(times(c), `${t}`).toEqual(times(record()));
    }
  });

  it('a side without changes: nothing moves', () => {
    const c = new Connection(1, 4, zeek);
    c.addTransition(1, 10, 0, State.CLOSED, State.SYN_SENT, 'sent SYN');
    c.restampLast(1, 9, 90);
    expect(times(c)).toEqual([[0, 1, 10, 'sent SYN']]);
  });
});

describe('leftHandshakeBy', () => {
  it('the latest change of each side left a handshake state, for its own cause only', () => {
    const c = record();
    expect(c.leftHandshakeBy(0, 'received SYN-ACK')).toBe(true);
    expect(c.leftHandshakeBy(1, 'received ACK of its SYN')).toBe(true);
    expect(c.leftHandshakeBy(0, 'received ACK of its SYN')).toBe(false);
  });

  it('a latest change from CLOSED left no handshake state; a side without changes neither', () => {
    const c = new Connection(1, 4, zeek);
    c.addTransition(1, 10, 0, State.CLOSED, State.SYN_SENT, 'sent SYN');
    expect(c.leftHandshakeBy(0, 'sent SYN')).toBe(false);
    expect(c.leftHandshakeBy(1, 'sent SYN')).toBe(false);
  });

  it('from SYN_RECEIVED to CLOSED by a RST counts', () => {
    const c = new Connection(1, 4, zeek);
    c.addTransition(1, 10, 1, State.CLOSED, State.SYN_RECEIVED, 'received SYN');
    c.addTransition(2, 20, 1, State.SYN_RECEIVED, State.CLOSED, 'received RST');
    expect(c.leftHandshakeBy(1, 'received RST')).toBe(true);
  });
});

describe('retractTransitions', () => {
  it('forgets the server’s changes and keeps the client’s in order', () => {
    const c = record();
    c.retractTransitions(1);
    expect(times(c)).toEqual([
      [0, 1, 10, 'sent SYN'],
      [0, 3, 30, 'received SYN-ACK'],
    ]);
  });

  it('forgets the client’s first change and keeps the rest', () => {
    const c = record();
    c.retractTransitions(0);
    expect(times(c)).toEqual([
      [1, 2, 20, 'received SYN'],
      [1, 4, 40, 'received ACK of its SYN'],
    ]);
  });
});

describe('round-trip times', () => {
  it('to the server only once a SYN-ACK followed the SYN; to the client only once the final ACK followed the SYN-ACK', () => {
    const c = new Connection(1, 4, zeek);
    expect([c.rttToServer, c.rttToClient]).toEqual([0, 0]);
    c.lastSynTs = 10;
    expect(c.rttToServer).toBe(0);
    c.synAckTs = 10.25;
    expect(c.rttToServer).toBe(0.25);
    c.lastSynAckTs = 10.25;
    expect(c.rttToClient).toBe(0);
    c.ackTs = 10.75;
    expect(c.rttToClient).toBe(0.5);
  });

  it('none when the answer came at the same instant or before (records out of order)', () => {
    const c = new Connection(1, 4, zeek);
    c.lastSynTs = 10;
    c.synAckTs = 10;
    c.lastSynAckTs = 10;
    c.ackTs = 9;
    expect([c.rttToServer, c.rttToClient]).toEqual([0, 0]);
  });

  it('none without the final ACK even with a SYN-ACK time', () => {
    const c = new Connection(1, 4, zeek);
    c.lastSynAckTs = 10;
    c.ackTs = 0;
    expect(c.rttToClient).toBe(0);
    const d = new Connection(2, 4, zeek);
    d.lastSynAckTs = 0;
    d.ackTs = 10;
    expect(d.rttToClient).toBe(0);
  });
});

describe('the window an endpoint advertises', () => {
  it('65535 before any segment; scaled only with scaling on and a window scale, 0 included', () => {
    const c = new Connection(1, 4, zeek);
    const e = c.client;
    expect(e.scaledWindow(true)).toBe(65535);
    e.lastWin = 100;
    expect(e.scaledWindow(true)).toBe(100); // no window scale option
    e.wscale = 0;
    expect(e.scaledWindow(true)).toBe(100);
    e.wscale = 3;
    expect(e.scaledWindow(true)).toBe(800);
    expect(e.scaledWindow(false)).toBe(100);
  });
});
