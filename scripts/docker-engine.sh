#!/usr/bin/env bash
# Ensure a Docker engine answers on /var/run/docker.sock.
# Installs Debian's docker.io + busybox-static only when missing; starts dockerd only when
# `docker info` does not answer. Safe to run repeatedly (CI and developers both call it).
set -euo pipefail
DOCKER=/usr/bin/docker
LOG=${DOCKERD_LOG:-/tmp/kctl-dockerd.log}

if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER" ] || ! command -v busybox >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  echo "docker-engine: installing docker.io and busybox-static from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io busybox-static >/dev/null
fi

if "$DOCKER" info >/dev/null 2>&1; then
  echo "docker-engine: already running" >&2
  exit 0
fi

echo "docker-engine: starting dockerd (log: $LOG)" >&2
setsid /usr/sbin/dockerd >"$LOG" 2>&1 < /dev/null &
for _ in $(seq 1 120); do
  if "$DOCKER" info >/dev/null 2>&1; then
    echo "docker-engine: ready" >&2
    exit 0
  fi
  sleep 0.5
done
echo "docker-engine: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
