/**
 * One colour per TCP state, shared by the states-over-time charts and the
 * ladder's timelines, so a state looks the same in every view. Open states
 * are greens, the closing ones that mean "waiting on the application" warm,
 * the ones that mean "waiting on the network" cool.
 */
import { STATE_NAMES, type StateName } from '../../model/states.js';

export const STATE_COLORS: Record<string, string> = {
  CLOSED: '#9ca3af',
  LISTEN: '#a3a3a3',
  SYN_SENT: '#a78bfa',
  SYN_RECEIVED: '#7c3aed',
  ESTABLISHED: '#16a34a',
  FIN_WAIT_1: '#0ea5e9',
  FIN_WAIT_2: '#0369a1',
  CLOSE_WAIT: '#ea580c',
  CLOSING: '#db2777',
  LAST_ACK: '#ca8a04',
  TIME_WAIT: '#2563eb',
};

/** The states counted over time (an endpoint in CLOSED or LISTEN holds no connection). */
export const COUNTED_STATES: readonly StateName[] = STATE_NAMES.filter(
  (s) => s !== 'CLOSED' && s !== 'LISTEN',
);

export function stateColor(s: string): string {
  return STATE_COLORS[s] ?? '#6b7280';
}
