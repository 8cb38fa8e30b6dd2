#!/usr/bin/env bash
# Installs the Debian packages the virtualenv needs when they are missing:
# a C compiler and libpq headers (psycopg2 builds from source, as CKAN pins it)
# and libmagic (CKAN's python-magic). Does nothing when all are there.
set -euo pipefail
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v pg_config >/dev/null || missing+=(libpq-dev)
ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1' || missing+=(libmagic1)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
[ -e "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] \
  || missing+=(python3-dev)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-packages: please install ${missing[*]}" >&2
  exit 1
fi
echo "system-packages: installing ${missing[*]}" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
