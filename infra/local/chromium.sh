#!/usr/bin/env bash
# Ensures a headless Chromium for the browser tests (Debian's `chromium` package). Idempotent: does nothing when one is
# installed. Prints the executable path on success; exits 1 (with the reason on stderr) when it cannot be installed here
# (no root, no apt, offline), and the browser tests then skip with a notice.
set -uo pipefail
find_chromium() {
  for c in "${MLOPS_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/lib/chromium/chromium; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}
if path=$(find_chromium); then echo "$path"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then echo "chromium.sh: no apt-get here; install Chromium and set MLOPS_CHROMIUM" >&2; exit 1; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else echo "chromium.sh: need root (or passwordless sudo) to apt-get install chromium" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium >/tmp/mlops-chromium-install.log 2>&1; then
  $SUDO apt-get update >>/tmp/mlops-chromium-install.log 2>&1 || true
  $SUDO apt-get install -y --no-install-recommends chromium >>/tmp/mlops-chromium-install.log 2>&1 \
    || { echo "chromium.sh: apt-get install chromium failed (see /tmp/mlops-chromium-install.log)" >&2; exit 1; }
fi
find_chromium || { echo "chromium.sh: installed, but no chromium executable found" >&2; exit 1; }
