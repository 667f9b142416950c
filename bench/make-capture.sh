#!/usr/bin/env bash
# Builds the benchmark captures in bench/out/ (git-ignored; never commit them):
#   bench/out/bench.pcap      ~1 M packets, ~36,000 connections of real Linux TCP
#   bench/out/bench-s96.pcap  the same, headers only (editcap -s 96)
# The 10 M-packet stream is not stored: bench/stream.mjs makes it on the fly.
#
# Usage (as root): bench/make-capture.sh [--short N] [--bulk N] [--bulk-mb MB]
# Needs: iproute2 (ip, ss), ethtool, tcpdump, editcap (wireshark-common / tshark), node.
#
# Two network namespaces (ttbench-c, ttbench-s) joined by a veth pair, with the
# addresses 10.88.0.1/24 (client) and 10.88.0.2/24 (server) only: all traffic
# stays inside them. Segmentation offloads are off so frames are MTU-sized as on
# a real wire. tcpdump captures in the client namespace while bench/loadgen.mjs
# makes the traffic; then the sockets left are counted and killed with `ss`, and
# the namespaces are deleted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
NS_C=ttbench-c
NS_S=ttbench-s
IF_C=tb-c
IF_S=tb-s
ADDR_C=10.88.0.1
ADDR_S=10.88.0.2

if [ "$(id -u)" != 0 ]; then
  echo "make-capture.sh: must run as root (network namespaces, tcpdump): sudo $0 $*" >&2
  exit 2
fi
for tool in ip ss ethtool tcpdump editcap node; do
  command -v "$tool" >/dev/null || { echo "make-capture.sh: $tool not found" >&2; exit 2; }
done

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in $NS_C $NS_S; do
    if ip netns list | grep -qw "$ns"; then
      # Kill what is left of the sockets before the namespace goes away.
      ip netns exec "$ns" ss -K state all '( sport >= :1 )' >/dev/null 2>&1 || true
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cleanup
mkdir -p "$out"
ip netns add $NS_C
ip netns add $NS_S
ip link add $IF_C netns $NS_C type veth peer name $IF_S netns $NS_S
ip -n $NS_C addr add $ADDR_C/24 dev $IF_C
ip -n $NS_S addr add $ADDR_S/24 dev $IF_S
for pair in "$NS_C:$IF_C" "$NS_S:$IF_S"; do
  ns=${pair%%:*}
  dev=${pair#*:}
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" up
  # One feature at a time: a veth may refuse some of them.
  for feat in tso gso gro lro tx-checksumming rx-checksumming sg; do
    ip netns exec "$ns" ethtool -K "$dev" "$feat" off >/dev/null 2>&1 || true
  done
done
# 36,000 connections from one address to two ports: a wide ephemeral range
# so no 4-tuple is reused while its TIME_WAIT lasts.
ip netns exec $NS_C sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
ip netns exec $NS_S sysctl -qw net.core.somaxconn=4096
ip netns exec $NS_S sysctl -qw net.ipv4.tcp_max_syn_backlog=4096

pcap="$out/bench.pcap"
rm -f "$pcap" "$out/bench-s96.pcap"
ip netns exec $NS_S node "$here/loadgen.mjs" server $ADDR_S > "$out/server.log" 2>&1 &
pids+=($!)
# A big kernel buffer (-B, KiB) so that tcpdump drops nothing during the bulk transfers.
ip netns exec $NS_C tcpdump -i $IF_C -n -Z root -B 262144 -w "$pcap" 2> "$out/tcpdump.log" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
for _ in $(seq 50); do
  grep -q listening "$out/server.log" 2>/dev/null && grep -q listening "$out/tcpdump.log" 2>/dev/null && break
  sleep 0.1
done
ip netns exec $NS_C node "$here/loadgen.mjs" client $ADDR_S "$@"
sleep 1
kill -INT $tcpdump_pid
wait $tcpdump_pid || true
cat "$out/tcpdump.log" >&2
if grep -Eq '[1-9][0-9]* packets dropped by kernel' "$out/tcpdump.log"; then
  echo "make-capture.sh: tcpdump dropped packets; the capture is still usable but not complete" >&2
fi
echo "sockets left: client $(ip netns exec $NS_C ss -tanH | wc -l), server $(ip netns exec $NS_S ss -tanH | wc -l)" >&2

editcap -F pcap -s 96 "$pcap" "$out/bench-s96.pcap"
ls -l "$pcap" "$out/bench-s96.pcap" >&2
