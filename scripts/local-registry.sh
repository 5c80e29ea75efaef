#!/usr/bin/env bash
# A local Docker registry on 127.0.0.1:5000 (Debian's docker-registry package) for image-pull
# tests: install only when missing, start only when not answering, then push the test image
# kctl-test/web:v1 as 127.0.0.1:5000/kctl-test/web:pull. Safe to run repeatedly.
# (Docker treats 127.0.0.0/8 registries as insecure-allowed, so plain HTTP works.)
set -euo pipefail
DOCKER=/usr/bin/docker
ADDR=127.0.0.1:5000
LOG=${REGISTRY_LOG:-/tmp/kctl-registry.log}
DATA=${REGISTRY_DATA:-/var/lib/kctl-registry}

answering() { curl -fsS -m 2 "http://$ADDR/v2/" >/dev/null 2>&1; }

if ! answering; then
  if ! command -v docker-registry >/dev/null 2>&1; then
    echo "local-registry: installing docker-registry from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker-registry >/dev/null
  fi
  mkdir -p "$DATA"
  cfg=$(mktemp)
  cat >"$cfg" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DATA
  delete:
    enabled: true
http:
  addr: $ADDR
YAML
  echo "local-registry: starting on $ADDR (log: $LOG)" >&2
  setsid docker-registry serve "$cfg" >"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 50); do answering && break; sleep 0.2; done
  answering || { echo "local-registry: did not answer; last log lines:" >&2; tail -n 20 "$LOG" >&2; exit 1; }
fi

if ! curl -fsS -m 2 "http://$ADDR/v2/kctl-test/web/manifests/pull" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
  "$DOCKER" image inspect kctl-test/web:v1 >/dev/null 2>&1 || { echo "local-registry: kctl-test/web:v1 missing; run scripts/build-test-images.sh" >&2; exit 1; }
  "$DOCKER" tag kctl-test/web:v1 "$ADDR/kctl-test/web:pull"
  "$DOCKER" push -q "$ADDR/kctl-test/web:pull" >/dev/null
  echo "local-registry: pushed $ADDR/kctl-test/web:pull" >&2
fi
echo "local-registry: ready on $ADDR" >&2
