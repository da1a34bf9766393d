#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for tests and benchmarks and prints its database URL on the
# last line of stdout. Installs Debian's postgresql packages when no server binaries are found.
# Usage: url=$(tools/start-postgres.sh | tail -1)   Stop: tools/start-postgres.sh stop
# Environment: TESSERA_PG_PORT (default 55432), TESSERA_PG_DIR (default /tmp/tessera-pg).
set -euo pipefail
PORT=${TESSERA_PG_PORT:-55432}
DIR=${TESSERA_PG_DIR:-/tmp/tessera-pg}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

BIN=$(find_bin)
if [ "${1:-}" = stop ]; then
  [ -n "$BIN" ] && [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >&2 || true
  exit 0
fi
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "PostgreSQL server binaries not found: installing Debian's postgresql packages" >&2
  if [ "$(id -u)" != 0 ]; then echo "cannot install packages: not root" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql postgresql-contrib >&2
  BIN=$(find_bin)
fi
[ -x "$BIN/initdb" ] || { echo "no initdb after installing postgresql" >&2; exit 1; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home "$DIR" postgres; fi

# A fresh cluster every time: stop a previous one on the same folder first.
if [ -f "$DIR/data/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >&2 || true; fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2 \
  || { cat "$DIR/server.log" >&2; exit 1; }
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres tessera >&2
echo "postgres://postgres@127.0.0.1:$PORT/tessera"
