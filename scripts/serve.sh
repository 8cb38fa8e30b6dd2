#!/usr/bin/env bash
# Serves the portal on http://127.0.0.1:5000 as a deployment does: gunicorn with
# several worker processes (WALIDATA_WEB_WORKERS, default 4) in front of the
# WSGI application, and CKAN's background jobs worker beside it. Ctrl-C stops both.
set -euo pipefail
ini="$(cd "$(dirname "${1:-development.ini}")" && pwd)/$(basename "${1:-development.ini}")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$here/.venv/bin"
host="${WALIDATA_HOST:-127.0.0.1}"
port="${WALIDATA_PORT:-5000}"
mkdir -p "$here/.dev"
"$bin/ckan" -c "$ini" jobs worker >"$here/.dev/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Background jobs worker running (pid $worker, log .dev/worker.log)"
echo "Portal: http://$host:$port ($(basename "$ini"), ${WALIDATA_WEB_WORKERS:-4} web processes)"
CKAN_INI="$ini" "$bin/gunicorn" ckanext.walidata.wsgi:application \
  --bind "$host:$port" --workers "${WALIDATA_WEB_WORKERS:-4}" \
  --timeout "${WALIDATA_WEB_TIMEOUT:-60}" --graceful-timeout 30 \
  --max-requests 2000 --max-requests-jitter 200 \
  --access-logfile "$here/.dev/access.log" --error-logfile - --log-level warning
