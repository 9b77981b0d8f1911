#!/usr/bin/env bash
# Installs Debian's Chromium for the hosted-page browser tests (playwright-core drives
# /usr/bin/chromium; it never downloads a browser of its own). Does nothing when
# Chromium is already there. Needs root (or sudo) and Debian's package archive.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-chromium: /usr/bin/chromium is missing and this user cannot install Debian's chromium package (not root, no sudo)." >&2
  echo "install-chromium: install it with 'apt-get install -y chromium', then run the tests again." >&2
  exit 1
fi

echo "install-chromium: installing Debian's chromium package (once per machine)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
/usr/bin/chromium --version
