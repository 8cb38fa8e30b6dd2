#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis are reachable and that the portal's role and
# databases exist. Uses what the environment names (WALIDATA_PG_HOST/PORT,
# WALIDATA_REDIS_URL), else what runs on localhost, else installs and starts
# Debian's packages. Idempotent: a second run only checks.
#
# Prints nothing on success but one line per service; exits non-zero with the
# reason when a service cannot be had.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="$here/.dev"
mkdir -p "$state_dir"

PG_HOST="${WALIDATA_PG_HOST:-127.0.0.1}"
PG_PORT="${WALIDATA_PG_PORT:-5432}"
PG_ROLE="${WALIDATA_PG_ROLE:-ckan_walidata}"
PG_PASSWORD="${WALIDATA_PG_PASSWORD:-walidata}"
REDIS_URL="${WALIDATA_REDIS_URL:-redis://127.0.0.1:6379/0}"
redis_hostport="${REDIS_URL#redis://}"
redis_hostport="${redis_hostport%%/*}"
REDIS_HOST="${redis_hostport%%:*}"
REDIS_PORT="${redis_hostport##*:}"

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do
    port_open "$1" "$2" && return 0
    sleep 0.5
  done
  return 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "need root to install $*; install them or point WALIDATA_PG_HOST / WALIDATA_REDIS_URL at running servers"
    exit 1
  fi
  if [ ! -f "$state_dir/apt-updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && touch "$state_dir/apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if ! port_open "$PG_HOST" "$PG_PORT"; then
    if [ "$PG_HOST" != 127.0.0.1 ] && [ "$PG_HOST" != localhost ]; then
      log "PostgreSQL at $PG_HOST:$PG_PORT does not answer"; exit 1
    fi
    command -v pg_ctlcluster >/dev/null || { log "installing PostgreSQL (Debian package)"; apt_install postgresql; }
    version="$(ls /etc/postgresql | sort -n | tail -1)"
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_port "$PG_HOST" "$PG_PORT" || { log "PostgreSQL did not start"; exit 1; }
  fi
  command -v psql >/dev/null || apt_install postgresql-client
}

# Runs psql as a superuser: over TCP as "postgres" where trust auth allows it,
# else through the local socket as the postgres system user (Debian's default).
pg_admin() {
  if PGCONNECT_TIMEOUT=5 psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -w -Atc 'select 1' >/dev/null 2>&1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -w -v ON_ERROR_STOP=1 -Atq "$@"
  elif id postgres >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -Atq "$@"
  else
    log "no superuser access to PostgreSQL; create role $PG_ROLE and its databases by hand"
    return 1
  fi
}

ensure_database() {
  local db="$1"
  if [ "$(pg_admin -c "select 1 from pg_roles where rolname = '$PG_ROLE'")" != 1 ]; then
    pg_admin -c "create role $PG_ROLE login password '$PG_PASSWORD'"
  fi
  if [ "$(pg_admin -c "select 1 from pg_database where datname = '$db'")" != 1 ]; then
    pg_admin -c "create database $db owner $PG_ROLE encoding 'utf8' template template0"
  fi
}

ensure_redis() {
  port_open "$REDIS_HOST" "$REDIS_PORT" && return 0
  if [ "$REDIS_HOST" != 127.0.0.1 ] && [ "$REDIS_HOST" != localhost ]; then
    log "Redis at $REDIS_HOST:$REDIS_PORT does not answer"; exit 1
  fi
  command -v redis-server >/dev/null || { log "installing Redis (Debian package)"; apt_install redis-server; }
  mkdir -p "$state_dir/redis"
  log "starting Redis on $REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir "$state_dir/redis" --logfile "$state_dir/redis/redis.log"
  wait_port "$REDIS_HOST" "$REDIS_PORT" || { log "Redis did not start"; exit 1; }
}

ensure_postgres
for db in "$@"; do ensure_database "$db"; done
ensure_redis
log "PostgreSQL $PG_HOST:$PG_PORT (databases: ${*:-none}), Redis $REDIS_HOST:$REDIS_PORT"
