/**
 * Ladders several tracker tests share (on a Wire, test/tcp/wire.ts): the
 * three-way handshake, a close begun by the client, and a client that
 * starts over on the 4-tuple of an established connection.
 */
import type { Connection } from '../../src/tcp/connection.js';
import type { Wire } from './wire.js';

/** SYN, SYN-ACK, the final ACK (1 ms apart). */
export function handshake(w: Wire): void {
  w.c('S');
  w.s('S.');
  w.c('.');
}

/** The client's FIN, the server's FIN, the client's last ACK. */
export function clientClosesFirst(w: Wire): void {
  w.c('F.');
  w.s('F.');
  w.c('.');
}

/**
 * Established, the client sent 100 bytes (its next sequence number 1101,
 * the server's 5001), settled; a second later the client starts over with
 * ISN 3,000,000. Returns the old connection.
 */
export function clientStartsOver(w: Wire): Connection {
  handshake(w);
  w.c('P.', 100);
  w.s('.');
  w.settle();
  const old = w.conn;
  w.newIsn(0, 3_000_000);
  w.c('S', 0, { dt: 1 });
  return old;
}
