#!/usr/bin/env bash
# Runs a command with FLOODCMD_TEST_DB pointing at a PostgreSQL: the one already
# given if it answers, else a throwaway cluster started for the command and
# stopped after it, whatever the command's outcome.
#
#   scripts/with-postgres.sh go test ./...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env="$("$here/test-postgres.sh" start)"
eval "$env"
if [[ -n "${FLOODCMD_TEST_PGDIR:-}" ]]; then
	trap '"$here/test-postgres.sh" stop "$FLOODCMD_TEST_PGDIR"' EXIT
fi
"$@"
