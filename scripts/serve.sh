#!/usr/bin/env bash
# Serves the portal as a deployment does: gunicorn with several worker processes
# in front of the WSGI application (ckanext.walidata.wsgi), and CKAN's background
# jobs worker beside it. Stopping this script (Ctrl-C, SIGTERM) stops both.
#
#   WALIDATA_HOST / WALIDATA_PORT  where to listen (127.0.0.1:5000)
#   WALIDATA_WEB_WORKERS           web server processes (4)
#   WALIDATA_WEB_TIMEOUT           seconds before a stuck web process is replaced (60)
#   WALIDATA_LOG_DIR               worker.log and access.log (.dev)
set -euo pipefail
ini_arg="${1:-development.ini}"
ini="$(cd "$(dirname "$ini_arg")" && pwd)/$(basename "$ini_arg")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$here/.venv/bin"
host="${WALIDATA_HOST:-127.0.0.1}"
port="${WALIDATA_PORT:-5000}"
workers="${WALIDATA_WEB_WORKERS:-4}"
logs="${WALIDATA_LOG_DIR:-$here/.dev}"
mkdir -p "$logs"

"$bin/ckan" -c "$ini" jobs worker >>"$logs/worker.log" 2>&1 &
worker=$!
CKAN_INI="$ini" "$bin/gunicorn" ckanext.walidata.wsgi:application \
  --bind "$host:$port" --workers "$workers" \
  --timeout "${WALIDATA_WEB_TIMEOUT:-60}" --graceful-timeout 30 \
  --max-requests 2000 --max-requests-jitter 200 \
  --access-logfile "$logs/access.log" --error-logfile - --log-level warning &
web=$!
stop() { kill -TERM "$web" "$worker" 2>/dev/null || true; wait "$web" "$worker" 2>/dev/null || true; }
trap stop EXIT INT TERM
echo "Background jobs worker: pid $worker, log $logs/worker.log"
echo "Portal: http://$host:$port ($(basename "$ini"), $workers web processes, pid $web)"
# Either process ending ends the portal: a deployment's supervisor would restart it.
wait -n "$web" "$worker"
