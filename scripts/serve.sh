#!/usr/bin/env bash
# Serves the portal on http://127.0.0.1:5000 together with CKAN's background
# jobs worker; Ctrl-C stops both.
set -euo pipefail
ini="${1:-development.ini}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ckan="$here/.venv/bin/ckan"
mkdir -p "$here/.dev"
"$ckan" -c "$ini" jobs worker >"$here/.dev/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Background jobs worker running (pid $worker, log .dev/worker.log)"
echo "Portal: http://127.0.0.1:5000"
"$ckan" -c "$ini" run --host 127.0.0.1 --port 5000 --disable-reloader
