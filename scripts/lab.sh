#!/usr/bin/env bash
# A simulated lab of kctl hosts on one machine (issue #19): each "host" is a network namespace
# with its own veth on a shared bridge (one L2 segment), its own Docker engine (own data-root,
# exec-root, pidfile and socket; dockerd starts its own containerd under them) and its own
# `kctl agent`; the API server runs outside, on the bridge's first address. With --routed K the
# last K hosts sit on a second segment behind a router namespace (no L2 path: the overlay case).
#
#   scripts/lab.sh up [--hosts 3] [--routed 0] [--no-kctl]   build it (and start server + agents)
#   scripts/lab.sh start-server | start-agent hN | stop-agent hN | remove-host hN
#   scripts/lab.sh exec hN CMD...      run CMD inside host hN's namespace
#   scripts/lab.sh env                  print the lab's addresses and sockets as shell variables
#   scripts/lab.sh down                 remove everything the lab made (namespaces, engines, files)
#
#   segment A  klab0 192.168.91.0/24: outside .1 (kctl server), h1 .11, h2 .12, ..., router .254
#   segment B  klab1 192.168.92.0/24: hN .(10+N), default route via the router .254
# (Not 10.x: the default Service range 10.96.0.0/12 is made local on every node, and a lab address
# inside it would be answered by the node itself.)
# Everything is named klab*; state lives under $KCTL_LAB_DIR (default /run/klab), engine data
# under $KCTL_LAB_DATA (default /var/lib/klab). Needs root (netns, veth, dockerd).
# A second lab can run beside the first (a benchmark next to a test run): KCTL_LAB_NAME=xlab
# KCTL_LAB_NET=93 KCTL_LAB_PORT=16543 give it other names (xlab*, /run/xlab), segments
# 192.168.93/94 and port; every command of that lab needs the same variables.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PFX=${KCTL_LAB_NAME:-klab}      # prefix of every name the lab makes (namespaces, links, dirs)
NET=${KCTL_LAB_NET:-91}         # segment A is 192.168.NET.0/24, segment B 192.168.(NET+1).0/24
LAB=${KCTL_LAB_DIR:-/run/$PFX}
DATA=${KCTL_LAB_DATA:-/var/lib/$PFX}
PORT=${KCTL_LAB_PORT:-16443}
A=192.168.$NET
B=192.168.$((NET + 1))
SERVER_IP=$A.1
LAB_RULE="kctl lab"; [ "$PFX" = klab ] || LAB_RULE="kctl lab $PFX"
IMAGES=${KCTL_LAB_IMAGES:-kctl-test/busybox:v1 kctl-test/web:v1 kctl-test/web:v2}
KCTL=(node "$ROOT/bin/kctl")

log() { echo "lab: $*" >&2; }
ns() { echo "$PFX-$1"; }
hosts() { ls "$LAB/hosts" 2>/dev/null || true; }
host_ip() { cat "$LAB/hosts/$1/ip"; }
sock() { echo "$LAB/hosts/$1/docker.sock"; }
wait_for() { # wait_for WHAT SECONDS CMD...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what did not come up within ${secs}s"; return 1
}

add_host() { # add_host NAME SEGMENT(0|1) INDEX
  local h=$1 seg=$2 idx=$3 n; n=$(ns "$h")
  local ip="192.168.$((seg + NET)).$((10 + idx))" gw
  gw=$([ "$seg" = 0 ] && echo $SERVER_IP || echo $B.254)
  mkdir -p "$LAB/hosts/$h" "$DATA/$h"
  echo "$ip" >"$LAB/hosts/$h/ip"
  ip netns add "$n"
  if [ "$seg" = 0 ]; then
    ip link add "$PFX-$h" type veth peer name eth0 netns "$n"
    ip link set "$PFX-$h" master ${PFX}0 up
  else
    ip link add "$PFX-$h" netns $PFX-router type veth peer name eth0 netns "$n"
    ip -n $PFX-router link set "$PFX-$h" master ${PFX}1 up
  fi
  ip -n "$n" link set lo up
  ip -n "$n" addr add "$ip/24" dev eth0
  ip -n "$n" link set eth0 up
  ip -n "$n" route add default via "$gw"
  # segment A reaches segment B through the router directly, not through this machine's routing:
  # the machine sends out of its bridge device, which has no tunnel offloads, so it cut every
  # VXLAN packet to 1,450 bytes in software while plain TCP crossed as 64 KB segments (an unfair
  # floor for the overlay; see bench/README.md)
  if [ "$seg" = 0 ] && [ -e "/run/netns/$PFX-router" ]; then ip -n "$n" route add "$B.0/24" via "$A.254"; fi
  ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1
  # dockerd with everything of its own; setsid so it outlives this script. nsenter (not `ip netns
  # exec`): only the network namespace changes, so the engine still sees the host's cgroup mounts.
  nsenter --net="/run/netns/$n" setsid /usr/sbin/dockerd \
    --data-root "$DATA/$h/docker" --exec-root "$LAB/hosts/$h/exec" --pidfile "$LAB/hosts/$h/docker.pid" \
    -H "unix://$(sock "$h")" --containerd-namespace "$PFX-$h" --containerd-plugins-namespace "$PFX-$h-plugins" \
    >"$LAB/hosts/$h/dockerd.log" 2>&1 </dev/null &
}

load_images() { # load_images HOST
  local h=$1
  wait_for "engine of $h" 60 docker -H "unix://$(sock "$h")" info
  # shellcheck disable=SC2086
  docker save $IMAGES | docker -H "unix://$(sock "$h")" load -q >/dev/null
}

cmd_up() {
  local n=3 routed=0 kctl=1
  while [ $# -gt 0 ]; do
    case $1 in
      --hosts) n=$2; shift 2 ;;
      --routed) routed=$2; shift 2 ;;
      --no-kctl) kctl=0; shift ;;
      *) log "unknown flag $1"; exit 2 ;;
    esac
  done
  [ -d "$LAB" ] && { log "a lab is up already ($LAB); scripts/lab.sh down first"; exit 1; }
  mkdir -p "$LAB/hosts" "$DATA"
  ip link add ${PFX}0 type bridge && ip addr add $SERVER_IP/24 dev ${PFX}0 && ip link set ${PFX}0 up
  # Hosts talk across ${PFX}0 through this machine's FORWARD chain only if br_netfilter is loaded;
  # accept them explicitly (comment "kctl lab") so Docker's DROP policy never sees them.
  iptables -w -N DOCKER-USER 2>/dev/null || true
  iptables -w -I DOCKER-USER 1 -i ${PFX}0 -m comment --comment "$LAB_RULE" -j ACCEPT
  if [ "$routed" -gt 0 ]; then
    # Segment B's bridge lives inside the router namespace: this machine never sees its frames
    # (with br_netfilter loaded, bridging them here as well confused conntrack: connections
    # through the router were reset).
    ip netns add $PFX-router
    ip link add $PFX-ra type veth peer name eth0 netns $PFX-router
    ip link set $PFX-ra master ${PFX}0 up
    ip -n $PFX-router link set lo up
    ip -n $PFX-router addr add $A.254/24 dev eth0; ip -n $PFX-router link set eth0 up
    ip -n $PFX-router link add ${PFX}1 type bridge
    ip -n $PFX-router link set ${PFX}1 up
    # the router's segment-B address on a veth port of the bridge, not on the bridge device: for
    # the same reason (routed packets leave through a device with tunnel offloads, as a NIC has)
    ip -n $PFX-router link add $PFX-rb type veth peer name $PFX-rbp
    ip -n $PFX-router link set $PFX-rbp master ${PFX}1 up
    ip -n $PFX-router addr add $B.254/24 dev $PFX-rb; ip -n $PFX-router link set $PFX-rb up
    ip -n $PFX-router route add default via $SERVER_IP
    ip netns exec $PFX-router sysctl -qw net.ipv4.ip_forward=1
    ip route replace $B.0/24 via $A.254
  fi
  for i in $(seq 1 "$n"); do
    local seg=0; [ "$i" -gt $((n - routed)) ] && seg=1
    add_host "h$i" "$seg" "$i"
  done
  local pids=()
  for h in $(hosts); do load_images "$h" & pids+=($!); done
  wait "${pids[@]}" # not a bare `wait`: the engines are children of this shell too
  log "$n hosts up ($routed behind the router): $(for h in $(hosts); do printf '%s=%s ' "$h" "$(host_ip "$h")"; done)"
  if [ "$kctl" = 1 ]; then
    cmd_start_server
    for h in $(hosts); do cmd_start_agent "$h"; done
  fi
}

cmd_start_server() {
  mkdir -p "$LAB/server"
  setsid "${KCTL[@]}" server --no-kubelet --data-dir "$LAB/server" --listen "$SERVER_IP:$PORT" --log-level warn \
    >"$LAB/server/server.log" 2>&1 </dev/null &
  echo $! >"$LAB/server/pid"
  wait_for "kctl server" 60 test -s "$LAB/server/node-token"
  wait_for "kctl server" 60 grep -q "is running" "$LAB/server/server.log"
  log "server https://$SERVER_IP:$PORT (kubeconfig $LAB/server/admin.kubeconfig)"
}

cmd_start_agent() {
  local h=$1
  nsenter --net="/run/netns/$(ns "$h")" setsid "${KCTL[@]}" agent --server "https://$SERVER_IP:$PORT" --token "$(cat "$LAB/server/node-token")" \
    --node-name "$h" --node-ip "$(host_ip "$h")" --docker-host "unix://$(sock "$h")" --data-dir "$DATA/$h/kubelet" \
    --heartbeat 1s -v warn ${KCTL_LAB_AGENT_FLAGS:-} >>"$LAB/hosts/$h/agent.log" 2>&1 </dev/null &
  echo $! >"$LAB/hosts/$h/agent.pid"
  log "agent $h started (log $LAB/hosts/$h/agent.log)"
}

cmd_stop_agent() {
  local h=$1 pid
  pid=$(cat "$LAB/hosts/$h/agent.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$LAB/hosts/$h/agent.pid"
}

cmd_remove_host() {
  local h=$1 pid
  cmd_stop_agent "$h"
  pid=$(cat "$LAB/hosts/$h/docker.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    # the engine's containers go with the host (a machine unplugged)
    docker -H "unix://$(sock "$h")" ps -aq | xargs -r docker -H "unix://$(sock "$h")" rm -f >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ip link del "$PFX-$h" 2>/dev/null || ip -n $PFX-router link del "$PFX-$h" 2>/dev/null || true
  ip netns del "$(ns "$h")" 2>/dev/null || true
  # dockerd leaves its exec-root mounts (netns files, overlay) behind if it died hard
  grep -E " ($LAB/hosts/$h|$DATA/$h)" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "${LAB:?}/hosts/$h" "${DATA:?}/$h"
  log "host $h removed"
}

cmd_down() {
  for h in $(hosts); do cmd_remove_host "$h"; done
  if [ -f "$LAB/server/pid" ]; then
    local pid; pid=$(cat "$LAB/server/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ip netns del $PFX-router 2>/dev/null || true
  ip link del $PFX-ra 2>/dev/null || true
  ip link del ${PFX}0 2>/dev/null || true
  ip route del $B.0/24 2>/dev/null || true
  while iptables -w -D DOCKER-USER -i ${PFX}0 -m comment --comment "$LAB_RULE" -j ACCEPT 2>/dev/null; do :; done
  rm -rf "${LAB:?}" "${DATA:?}"
  log "down"
}

cmd_env() {
  echo "KCTL_LAB_SERVER=https://$SERVER_IP:$PORT"
  echo "KCTL_LAB_KUBECONFIG=$LAB/server/admin.kubeconfig"
  for h in $(hosts); do echo "KCTL_LAB_${h^^}_IP=$(host_ip "$h")"; echo "KCTL_LAB_${h^^}_DOCKER=unix://$(sock "$h")"; done
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  start-server) cmd_start_server ;;
  start-agent) cmd_start_agent "$2" ;;
  stop-agent) cmd_stop_agent "$2" ;;
  remove-host) cmd_remove_host "$2" ;;
  exec) h=$2; shift 2; exec nsenter --net="/run/netns/$(ns "$h")" "$@" ;;
  env) cmd_env ;;
  *) sed -n "2,16p" "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
