#!/usr/bin/env bash
# Makes a local PostgreSQL ready for the second test run (issue 7: CI runs the suite on SQLite and
# on PostgreSQL). As root on Debian/Ubuntu it installs Debian's PostgreSQL if missing, starts the
# cluster, and creates the role and database below; otherwise it prints the one command to run.
# Prints nothing on success; `make test-postgres` then runs pytest with DATABASE_URL pointing here.
#   role meijia / password meijia (loopback only, a throw-away test database), CREATEDB so that
#   pytest-django can create test_meijia.
set -euo pipefail
PG_USER=${PG_USER:-meijia}
PG_PASSWORD=${PG_PASSWORD:-meijia}
PG_DB=${PG_DB:-meijia}

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is missing. Run once, then repeat the make command:" >&2
    echo "  sudo apt-get install -y --no-install-recommends postgresql" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

# Start every cluster that is down (a fresh install or a restarted machine).
pg_lsclusters -h | while read -r version cluster port status _; do
  if [ "$status" != "online" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      pg_ctlcluster "$version" "$cluster" start
    else
      echo "PostgreSQL $version/$cluster is down. Run: sudo pg_ctlcluster $version $cluster start" >&2
      exit 1
    fi
  fi
done

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='${PG_USER}'" | grep -q 1; then
  as_postgres psql -q -c "CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'"
fi
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname='${PG_DB}'" | grep -q 1; then
  as_postgres psql -q -c "CREATE DATABASE ${PG_DB} OWNER ${PG_USER} ENCODING 'UTF8' TEMPLATE template0"
fi
