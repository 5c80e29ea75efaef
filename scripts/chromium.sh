#!/usr/bin/env bash
# Ensure Debian's Chromium is installed at /usr/bin/chromium (the web view's browser tests and
# bench/ui.ts drive it with playwright-core; never a downloaded browser build).
# Installs the `chromium` package only when missing. Safe to run repeatedly.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))" >&2
  exit 0
fi
echo "chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))" >&2
