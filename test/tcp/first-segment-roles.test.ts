/**
 * Which endpoint of a connection picked up without its SYN is the client
 * (Tracker.open): the sender of a SYN-ACK is the server; then a port below
 * 1024 on one side only is the server's; then a port seen answering SYNs
 * (a listener) in the capture; then the lower port; then the first sender
 * is the client.
 */
import { describe, expect, it } from 'vitest';
import { CLIENT, SERVER } from '../../src/tcp/connection.js';
import { Wire } from './wire.js';

/** A wire whose server side (10.0.0.2:`sPort`) answered a SYN: a listener learned there. */
function withListenerAtServer(cPort: number, sPort: number): Wire {
  const w = new Wire({}, cPort, sPort);
  w.c('S');
  w.s('S.');
  return w;
}

/** A wire whose client side (10.0.0.1:`cPort`) answered a SYN from 10.0.0.2: a listener learned at 10.0.0.1:cPort. */
function withListenerAtClient(cPort: number, sPort: number): Wire {
  const w = new Wire({}, cPort, sPort);
  w.s('S');
  w.c('S.');
  return w;
}

describe('the first segment is a SYN-ACK', () => {
  it('its sender is the server, even from a high port to a well-known one', () => {
    const w = new Wire({}, 40000, 80);
    w.c('S.'); // 10.0.0.1:40000 -> 10.0.0.2:80
    expect(w.conn.server.port).toBe(40000);
    expect(w.conn.client.port).toBe(80);
    expect(w.conn.firstSender).toBe(SERVER);
    expect(w.conn.roleInferred).toBe(true);
  });
});

describe('a well-known port (below 1024) on one side only is the server, whatever the listeners say', () => {
  it('from port 80 to a port seen listening: the sender (port 80) is the server', () => {
    const w = withListenerAtClient(40000, 80);
    w.side[1].port = 81; // another 4-tuple: 10.0.0.2:81 -> 10.0.0.1:40000
    w.s('.', 10);
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.server.port).toBe(81);
    expect(w.conn.firstSender).toBe(SERVER);
  });

  it('from a port seen listening to port 80: the receiver (port 80) is the server', () => {
    const w = withListenerAtClient(40000, 80);
    w.side[1].port = 81;
    w.c('.', 10); // 10.0.0.1:40000 (a listener) -> 10.0.0.2:81
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.server.port).toBe(81);
    expect(w.conn.firstSender).toBe(CLIENT);
  });

  it('from port 80 to port 1024 (not well-known): the sender is the server', () => {
    const w = new Wire({}, 80, 1024);
    w.c('.', 10);
    expect(w.conn.server.port).toBe(80);
    expect(w.conn.client.port).toBe(1024);
  });
});

describe('port 1024 is not well-known: the listeners decide', () => {
  it('from port 1024 to a port seen listening (2000): the sender is the client', () => {
    const w = withListenerAtServer(30000, 2000);
    w.side[0].port = 1024;
    w.c('.', 10); // 10.0.0.1:1024 -> 10.0.0.2:2000 (a listener)
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.client.port).toBe(1024);
    expect(w.conn.server.port).toBe(2000);
  });

  it('from port 2000 to a port seen listening (1024): the sender is the client', () => {
    const w = withListenerAtServer(30000, 1024);
    w.side[0].port = 2000;
    w.c('.', 10); // 10.0.0.1:2000 -> 10.0.0.2:1024 (a listener)
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.client.port).toBe(2000);
    expect(w.conn.server.port).toBe(1024);
  });

  it('from 1500 to a listener on 2000 the sender is the client, though the lower port would say server', () => {
    const w = withListenerAtServer(30000, 2000);
    w.side[0].port = 1500;
    w.c('.', 10);
    expect(w.conn.client.port).toBe(1500);
    expect(w.conn.firstSender).toBe(CLIENT);
  });
});

describe('no rule applies', () => {
  it('the same port on both sides: the first sender is the client', () => {
    const w = new Wire({}, 5000, 5000);
    w.s('.', 10); // from 10.0.0.2:5000
    expect(w.conn.firstSender).toBe(CLIENT);
    expect(w.conn.client.addr4).not.toBe(w.conn.server.addr4);
    expect(w.conn.client.packets).toBe(1);
    expect(w.conn.server.packets).toBe(0);
  });

  it('no listener and two high ports: the higher port is the client', () => {
    const w = new Wire({}, 3000, 40000);
    w.c('.', 10); // 3000 -> 40000
    expect(w.conn.client.port).toBe(40000);
    expect(w.conn.server.port).toBe(3000);
  });
});

describe('only a SYN-ACK makes its sender a listener', () => {
  it('a SYN from 10.0.0.1:30000 does not: a segment from 10.0.0.2:1500 to it is still judged by the lower port', () => {
    const w = new Wire({}, 30000, 40000);
    w.c('S'); // 10.0.0.1:30000 -> 10.0.0.2:40000
    w.c('P.', 10, { dt: 0.1 }); // (data before any answer: the client's SYN and data, no SYN-ACK)
    w.side[1].port = 1500;
    w.s('.', 10); // 10.0.0.2:1500 -> 10.0.0.1:30000
    expect(w.tracker.conns).toHaveLength(2);
    expect(w.conn.server.port).toBe(1500);
  });
});
