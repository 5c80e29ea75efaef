#!/usr/bin/env bash
# A local etcd cluster on loopback for kctl's etcd store (tests, and trying HA on one machine).
#   scripts/etcd.sh [start]   install Debian's etcd-server/etcd-client when missing, start the
#                             members that do not answer yet (idempotent)
#   scripts/etcd.sh stop      stop the members this script started
#   scripts/etcd.sh clean     stop, then remove their data
#   scripts/etcd.sh status    print each member's health
# Members: KCTL_ETCD_MEMBERS (1 or 3, default 3): client ports 2379, 22379, 32379; peer ports
# 2380, 22380, 32380. Data and logs under KCTL_ETCD_DIR (default /var/tmp/kctl-etcd).
# The endpoints for `kctl server --datastore-endpoint` are printed at the end of a start.
set -euo pipefail
MODE=${1:-start}
MEMBERS=${KCTL_ETCD_MEMBERS:-3}
DIR=${KCTL_ETCD_DIR:-/var/tmp/kctl-etcd}
ETCD=/usr/bin/etcd
ETCDCTL=/usr/bin/etcdctl
CLIENT_PORTS=(2379 22379 32379)
PEER_PORTS=(2380 22380 32380)

case "$MEMBERS" in 1|3) ;; *) echo "etcd: KCTL_ETCD_MEMBERS must be 1 or 3 (got $MEMBERS)" >&2; exit 2 ;; esac

endpoints() {
  local out="" i
  for ((i = 0; i < MEMBERS; i++)); do out+="${out:+,}http://127.0.0.1:${CLIENT_PORTS[$i]}"; done
  echo "$out"
}

healthy() { # member index
  ETCDCTL_API=3 "$ETCDCTL" --endpoints "http://127.0.0.1:${CLIENT_PORTS[$1]}" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1
}

stop_members() {
  local i pidfile
  for ((i = 0; i < 3; i++)); do
    pidfile="$DIR/m$i.pid"
    [ -f "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      echo "etcd: stopped member m$i (pid $pid)" >&2
    fi
    rm -f "$pidfile"
  done
}

case "$MODE" in
  stop) stop_members; exit 0 ;;
  clean) stop_members; rm -rf "$DIR"; echo "etcd: removed $DIR" >&2; exit 0 ;;
  status)
    for ((i = 0; i < MEMBERS; i++)); do
      if healthy "$i"; then echo "m$i http://127.0.0.1:${CLIENT_PORTS[$i]} healthy"; else echo "m$i http://127.0.0.1:${CLIENT_PORTS[$i]} down"; fi
    done
    exit 0 ;;
  start) ;;
  *) echo "usage: scripts/etcd.sh [start|stop|clean|status]" >&2; exit 2 ;;
esac

if [ ! -x "$ETCD" ] || [ ! -x "$ETCDCTL" ]; then
  echo "etcd: installing etcd-server and etcd-client from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq etcd-server etcd-client >/dev/null
fi
mkdir -p "$DIR"

CLUSTER=""
for ((i = 0; i < MEMBERS; i++)); do CLUSTER+="${CLUSTER:+,}m$i=http://127.0.0.1:${PEER_PORTS[$i]}"; done

started=0
for ((i = 0; i < MEMBERS; i++)); do
  if healthy "$i"; then continue; fi
  pidfile="$DIR/m$i.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then continue; fi # starting, or waiting for quorum
  # A member that has data rejoins its cluster; a fresh one joins the initial cluster.
  state=new
  [ -d "$DIR/m$i/member" ] && state=existing
  setsid "$ETCD" --name "m$i" --data-dir "$DIR/m$i" \
    --listen-client-urls "http://127.0.0.1:${CLIENT_PORTS[$i]}" --advertise-client-urls "http://127.0.0.1:${CLIENT_PORTS[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${PEER_PORTS[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${PEER_PORTS[$i]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state "$state" --initial-cluster-token kctl-etcd \
    --heartbeat-interval 100 --election-timeout 1000 --quota-backend-bytes 4294967296 \
    >"$DIR/m$i.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  started=$((started + 1))
done

for _ in $(seq 1 150); do
  ok=1
  for ((i = 0; i < MEMBERS; i++)); do healthy "$i" || ok=0; done
  if [ "$ok" = 1 ]; then
    [ "$started" -gt 0 ] && echo "etcd: started $started member(s)" >&2 || echo "etcd: already running" >&2
    echo "etcd: endpoints $(endpoints)" >&2
    exit 0
  fi
  sleep 0.2
done
echo "etcd: the cluster did not become healthy within 30 s; last log lines:" >&2
for ((i = 0; i < MEMBERS; i++)); do tail -n 10 "$DIR/m$i.log" >&2 || true; done
exit 1
