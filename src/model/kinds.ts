/**
 * Every anomaly kind the detectors can raise: its stable kebab-case name (SPEC.md
 * "Anomaly kinds"), severity, and the hint an engineer on call reads.
 * `level` tells whether it is raised per connection or per host.
 */
import type { Severity } from './severity.js';

export interface AnomalyKind {
  kind: string;
  severity: Severity;
  level: 'connection' | 'host' | 'capture';
  /** One-line description of when it fires. */
  title: string;
  /** What it usually means in production, and what to check. */
  hint: string;
}

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  {
    kind: 'syn-no-synack',
    severity: 'error',
    level: 'connection',
    title: 'a SYN got neither SYN-ACK nor RST',
    hint: 'A firewall or security group silently dropping the SYN, the server host down or unreachable, or its SYN/accept backlog full (check `nstat TcpExtListenOverflows` on the server).',
  },
  {
    kind: 'synack-no-ack',
    severity: 'error',
    level: 'connection',
    title: 'a SYN-ACK never got the final ACK of the handshake',
    hint: 'The return path loses the SYN-ACK or the final ACK: asymmetric routing, a NAT or firewall dropping one direction, path-MTU trouble; or a client that vanished, or a SYN flood with spoofed sources.',
  },
  {
    kind: 'connection-refused',
    severity: 'error',
    level: 'connection',
    title: 'a SYN was answered by RST',
    hint: 'Nothing listens on that port (service down, wrong port, not yet started), or a firewall rejects with a RST.',
  },
  {
    kind: 'mid-stream-rst',
    severity: 'error',
    level: 'connection',
    title: 'an established connection was ended by RST',
    hint: 'An application abort (SO_LINGER 0, a process killed), a close() with unread data in the receive buffer, a middlebox idle timeout, or a crashed or rebooted peer. The sender of the RST is the side to look at.',
  },
  {
    kind: 'client-abort',
    severity: 'info',
    level: 'connection',
    title: 'the client reset the connection after a completed exchange',
    hint: 'A deliberate abortive close (SO_LINGER 0, common in HTTP clients, load-balancer health checks and benchmarks) that skips TIME_WAIT: the request was answered and acknowledged, nothing was lost. The server sees ECONNRESET on its next read; a RST before the answer, or from the server, is mid-stream-rst.',
  },
  {
    kind: 'close-wait-stuck',
    severity: 'error',
    level: 'connection',
    title: 'an endpoint stayed in CLOSE_WAIT past the threshold',
    hint: 'The application got EOF (the peer closed) and never called close(): almost always a descriptor leak in the application on this endpoint. `ss -tanp state close-wait` shows the process.',
  },
  {
    kind: 'time-wait-storm',
    severity: 'warning',
    level: 'host',
    title: 'one host held more TIME_WAIT endpoints at once than the threshold',
    hint: 'This host opens (and actively closes) many short-lived connections: ephemeral port exhaustion is ahead. Reuse connections (HTTP keep-alive, connection pools); net.ipv4.tcp_tw_reuse helps only outgoing connections.',
  },
  {
    kind: 'zero-window',
    severity: 'warning',
    level: 'connection',
    title: 'a receiver advertised a zero window',
    hint: 'The receiving application is not reading fast enough (busy, blocked, or too small a receive buffer); the sender stalls until the window opens.',
  },
  {
    kind: 'retransmission-burst',
    severity: 'warning',
    level: 'connection',
    title: 'several retransmissions in a short time',
    hint: 'Packet loss on the path (congestion, a bad link, a policer), or a receiver that stopped acknowledging.',
  },
  {
    kind: 'high-retransmission-rate',
    severity: 'warning',
    level: 'connection',
    title: 'a large share of the data segments were retransmitted',
    hint: 'Sustained loss on the path: check interface errors and drops, congestion, policers and shapers, and duplex mismatches.',
  },
  {
    kind: 'rst-out-of-window',
    severity: 'warning',
    level: 'connection',
    title: 'a RST whose sequence number is outside the receive window',
    hint: 'A RST the receiver ignores (RFC 5961): often a late RST for an older connection, sometimes an injection attempt by a middlebox or attacker.',
  },
  {
    kind: 'data-after-fin',
    severity: 'warning',
    level: 'connection',
    title: "new data was sent after the sender's FIN",
    hint: 'A TCP stack or middlebox bug, or a capture that merged two connections; the receiver answers such data with a RST.',
  },
  {
    kind: 'data-after-rst',
    severity: 'warning',
    level: 'connection',
    title: 'data was sent after a RST on the connection',
    hint: 'The sender had not yet learned of the reset (data in flight), or the RST was forged and ignored by the peer.',
  },
  {
    kind: 'fin-wait-2-stuck',
    severity: 'warning',
    level: 'connection',
    title: 'an endpoint stayed in FIN_WAIT_2 past the threshold',
    hint: 'This side closed; the peer acknowledged but never sent its FIN: the peer application has not called close() (look for CLOSE_WAIT on the peer). Linux drops orphaned FIN_WAIT_2 after tcp_fin_timeout (60 s).',
  },
  {
    kind: 'half-open',
    severity: 'warning',
    level: 'connection',
    title: 'one side keeps sending and the peer never answers',
    hint: 'The peer is gone (crashed, rebooted, network partition, NAT state lost) while this side still believes the connection is open; keep-alives or application timeouts would detect it.',
  },
  {
    kind: 'port-reuse-time-wait',
    severity: 'info',
    level: 'connection',
    title: 'a new SYN reused a 4-tuple whose endpoint was still in TIME_WAIT',
    hint: 'Ephemeral ports are recycled fast (port exhaustion, tcp_tw_reuse, or a client binding a fixed port); Linux accepts it when the new ISN or timestamps are higher.',
  },
  {
    kind: 'syn-flood',
    severity: 'error',
    level: 'host',
    title: 'many half-open handshakes to one listener',
    hint: 'A SYN flood (spoofed sources) or a thundering herd of clients; check SYN cookies (net.ipv4.tcp_syncookies) and the listen backlog.',
  },
  {
    kind: 'syn-with-data',
    severity: 'info',
    level: 'connection',
    title: 'a SYN carried data without a TCP Fast Open option',
    hint: 'Unusual: crafted traffic or a scanner. Real stacks carry SYN data only with TCP Fast Open.',
  },
  {
    kind: 'keep-alive',
    severity: 'info',
    level: 'connection',
    title: 'keep-alive probes were seen',
    hint: 'Normal for idle connections with SO_KEEPALIVE; many unanswered probes mean the peer is gone.',
  },
  {
    kind: 'midstream-start',
    severity: 'info',
    level: 'connection',
    title: 'the capture started after the connection was established',
    hint: 'The handshake was not captured: states are inferred from the first segments (the connection is picked up as ESTABLISHED).',
  },
  {
    kind: 'capture-ended-open',
    severity: 'info',
    level: 'connection',
    title: 'the connection was still open when the capture ended',
    hint: 'Nothing wrong by itself: a long-lived connection, or a capture stopped early.',
  },
  {
    kind: 'handshake-retransmitted',
    severity: 'warning',
    level: 'connection',
    title: 'the handshake completed only after a SYN or SYN-ACK was resent',
    hint: 'A lost SYN or SYN-ACK cost the client at least one retransmission timeout (1 s on Linux) before the connection was up: loss on the path, a briefly full SYN backlog, or a firewall that drops the first SYN. Connection setup time is user-visible latency.',
  },
  {
    kind: 'handshake-aborted',
    severity: 'warning',
    level: 'connection',
    title: 'the client answered the SYN-ACK with RST',
    hint: "The client had given up (its connect() timed out, or the process exited) before the SYN-ACK arrived, and its kernel reset the late answer: a slow or congested server accept path, or a connect timeout shorter than the round trip plus the server's delay.",
  },
  {
    kind: 'capture-gap',
    severity: 'info',
    level: 'connection',
    title: 'a diagnosis that rests on a missing segment was withheld: the capture cannot show it',
    hint: 'The capture missed segments of this connection, saw one direction only, or holds no packet of the host at all: the segment whose absence the diagnosis rests on may have been sent and not captured. Capture closer to the endpoint, on both directions, or with a larger buffer (`tcpdump -B`), and compare with `ss` on the host.',
  },
];

export const KIND_BY_NAME: ReadonlyMap<string, AnomalyKind> = new Map(ANOMALY_KINDS.map((k) => [k.kind, k]));
