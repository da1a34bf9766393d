#!/usr/bin/env bash
# For developers: what CI does, on this machine. Starts a throwaway PostgreSQL, runs `npm test`
# against SQLite and PostgreSQL, stops PostgreSQL. Extra arguments go to mocha via npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
url=$(tools/start-postgres.sh | tail -n 1)
trap 'tools/start-postgres.sh stop' EXIT
TESSERA_TEST_POSTGRES_URL="$url" npm test -- "$@"
