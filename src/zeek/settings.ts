/**
 * Zeek's settings that decide conn_state and history: its timers
 * (init-bare.zeek), `likely_server_ports`, and the options of the emulation.
 */

/** Zeek's timer constants (init-bare.zeek), seconds. */
export interface ZeekTimeouts {
  tcpSynTimeout: number;
  tcpSessionTimer: number;
  tcpConnectionLinger: number;
  tcpAttemptDelay: number;
  tcpCloseDelay: number;
  tcpInactivityTimeout: number;
  /** TCPAnalyzer::MakeSessionAdapter sets this until the handshake is over. */
  udpInactivityTimeout: number;
}

export const ZEEK_TIMEOUTS: Readonly<ZeekTimeouts> = {
  tcpSynTimeout: 5,
  tcpSessionTimer: 6,
  tcpConnectionLinger: 5,
  tcpAttemptDelay: 5,
  tcpCloseDelay: 5,
  tcpInactivityTimeout: 300,
  udpInactivityTimeout: 60,
};

/**
 * TCP ports in `likely_server_ports` when Zeek runs with its default scripts
 * (each base/protocols/* script adds the ports it registers for). With `zeek -b`
 * the set holds only the ports of the scripts loaded.
 */
export const ZEEK_PORTS = {
  dce_rpc: [135],
  dnp3: [20000],
  dns: [53],
  ftp: [21, 2811],
  http: [80, 81, 631, 1080, 3128, 8000, 8080, 8888],
  imap: [143],
  irc: [6666, 6667, 6668, 6669],
  krb: [88],
  ldap: [389, 3268],
  modbus: [502],
  mysql: [1434, 3306],
  ntp: [123],
  pop3: [110],
  postgresql: [5432],
  rdp: [3389],
  redis: [6379],
  smb: [139, 445],
  smtp: [25, 587],
  socks: [1080],
  ssh: [22],
  ssl: [443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223],
  syslog: [514],
  xmpp: [5222, 5269],
} as const satisfies Record<string, readonly number[]>;

/** likely_server_ports (TCP) of a default `zeek` run. */
export const ZEEK_DEFAULT_LIKELY_SERVER_PORTS: ReadonlySet<number> = new Set(
  Object.values(ZEEK_PORTS).flat(),
);

/** likely_server_ports of `zeek -b` with the given base/protocols scripts loaded. */
export function zeekBarePorts(...protocols: (keyof typeof ZEEK_PORTS)[]): ReadonlySet<number> {
  return new Set(protocols.flatMap((p) => ZEEK_PORTS[p]));
}

export interface ZeekOptions {
  /** TCP ports of Zeek's `likely_server_ports`; default ZEEK_DEFAULT_LIKELY_SERVER_PORTS. */
  likelyServerPorts?: ReadonlySet<number>;
  timeouts?: Partial<ZeekTimeouts>;
  /**
   * Zeek validates checksums (a run without -C): a packet with a bad IPv4 header
   * checksum is dropped, one with a bad TCP checksum only adds 'C'/'c' to its
   * connection's history (ZeekLog applies this; of a tunnelled packet only the
   * innermost IPv4 header is checked, and no fragment's). Default false, as `zeek -C`:
   * captures taken on a sending host carry offloaded, uncomputed checksums.
   */
  checksums?: boolean;
}

/** What an endpoint's state change reads and sets of its connection (TCP_Endpoint::SetState). */
export interface ZeekTimers {
  inactivityTimeout: number;
  readonly timeouts: Readonly<ZeekTimeouts>;
}
