#!/usr/bin/env bash
# Debian's PostgreSQL for the answer-store tests (idempotent). The tests start their own
# throwaway cluster in a temporary folder (tests/helpers/pg_cluster.py) as the unprivileged
# `postgres` user the package creates; nothing here starts a server.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup_postgresql.sh: PostgreSQL is missing; install it as root: apt-get install postgresql" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the package from starting its own cluster on a machine without systemd.
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
