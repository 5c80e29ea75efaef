#!/usr/bin/env bash
# Everything `npm test` needs on this machine, set up idempotently (about a second when all is
# already there). Run by the tests' global setup (test/global-setup.ts) before any test, and
# usable by hand: `sudo bash scripts/test-deps.sh`.
# Each step is one script of its own; add a line to STEPS for a new need (chromium, etcd, ...).
# On failure: one line naming the step and its log, then the log's last lines, exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=(
  scripts/docker-engine.sh       # a Docker engine answering on /var/run/docker.sock
  scripts/build-test-images.sh   # the local kctl-test/* images (FROM scratch, no registry)
  scripts/local-registry.sh      # a registry on 127.0.0.1:5000 for the image-pull tests
  scripts/etcd.sh                # Debian's etcd-server, a local cluster on loopback for the etcd store tests
  scripts/chromium.sh            # Debian's Chromium for the web view's browser tests
)

LOG_DIR=${TEST_DEPS_LOG_DIR:-/tmp}

# Not root and no engine: the steps cannot install or start anything, so say so at once rather
# than after apt-get's own errors.
if [ "$(id -u)" != 0 ] && ! /usr/bin/docker info >/dev/null 2>&1; then
  echo "test-deps: no Docker engine answers and $(id -un) is not root, so none can be installed or started: run \`sudo bash scripts/test-deps.sh\` once (or start Docker and add $(id -un) to the docker group)" >&2
  exit 1
fi

for step in "${STEPS[@]}"; do
  log="$LOG_DIR/kctl-test-deps-$(basename "$step" .sh).log"
  if ! bash "$step" >"$log" 2>&1; then
    echo "test-deps: $step failed (log: $log); its last lines:" >&2
    tail -n 5 "$log" | sed 's/^/  /' >&2
    exit 1
  fi
done
echo "test-deps: ready (Docker engine, test images, local registry, etcd, Chromium)" >&2
