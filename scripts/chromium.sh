#!/usr/bin/env bash
# Makes sure Debian's headless Chromium is there for the end-to-end tests
# (Playwright drives /usr/bin/chromium; it downloads no browser of its own).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: /usr/bin/chromium is missing; install Debian's chromium package" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium package" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
