#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, so that `make test` needs nothing set up.
#
#   scripts/test-postgres.sh start [DIR]  prints `export FLOODCMD_TEST_DB=…` lines (eval them)
#   scripts/test-postgres.sh stop  [DIR]  stops the cluster in DIR and removes it
#   scripts/test-postgres.sh pause|resume DIR  stops/starts it, keeping its data (outage tests)
#
# If FLOODCMD_TEST_DB is already set and reachable, `start` uses it and starts nothing.
# The cluster runs as the `postgres` OS user (initdb refuses root), listens on a
# unix socket in DIR and on a free TCP port of 127.0.0.1, and trusts local connections:
# it holds nothing but test data and is deleted by `stop`.
set -euo pipefail

PGBIN="${PGBIN:-}"
if [[ -z "$PGBIN" ]]; then
	for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && PGBIN="$d"; done
fi
if [[ -z "$PGBIN" ]] && command -v initdb >/dev/null; then PGBIN="$(dirname "$(command -v initdb)")"; fi

# asuser runs a command as the postgres OS user when we are root (initdb and
# postgres refuse to run as root), and as ourselves otherwise.
asuser() {
	if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

reachable() {
	[[ -n "$1" ]] || return 1
	if command -v psql >/dev/null || [[ -x "$PGBIN/psql" ]]; then
		PATH="$PGBIN:$PATH" psql "$1" -Atqc 'select 1' >/dev/null 2>&1
	else
		return 1
	fi
}

freeport() {
	python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

cmd="${1:-start}"
dir="${2:-${FLOODCMD_TEST_PGDIR:-}}"
case "$cmd" in
start)
	if [[ -n "${FLOODCMD_TEST_DB:-}" ]] && reachable "$FLOODCMD_TEST_DB"; then
		echo "export FLOODCMD_TEST_DB='$FLOODCMD_TEST_DB'"
		echo "# using the PostgreSQL given in FLOODCMD_TEST_DB" >&2
		exit 0
	fi
	[[ -n "$PGBIN" ]] || { echo "no PostgreSQL binaries (initdb) found: install postgresql or set FLOODCMD_TEST_DB" >&2; exit 1; }
	[[ -n "$dir" ]] || dir="$(mktemp -d /tmp/floodcmd-pg.XXXXXX)"
	mkdir -p "$dir"
	if [[ "$(id -u)" == 0 ]] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
		echo "$dir: the postgres user cannot reach it (its parent is closed to others): choose a directory under /tmp" >&2
		exit 1
	fi
	if [[ "$(id -u)" == 0 ]]; then chown postgres: "$dir"; fi
	chmod 700 "$dir"
	port="$(freeport)"
	asuser "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# In the cluster's own configuration, so that `pause`/`resume` restart it the same way.
	# Small and fast to start; fsync stays on so that the benchmark measures real commits.
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 64MB
CONF
	asuser "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	asuser "$PGBIN/createdb" -h "$dir" -p "$port" -U postgres floodcmd_test
	url="postgres://postgres@127.0.0.1:$port/floodcmd_test?sslmode=disable"
	echo "export FLOODCMD_TEST_DB='$url'"
	echo "export FLOODCMD_TEST_PGDIR='$dir'"
	echo "# PostgreSQL for tests in $dir on 127.0.0.1:$port (stop: $0 stop $dir)" >&2
	;;
pause)
	# Stops the server but keeps the cluster: tests of a database outage.
	asuser "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
resume)
	asuser "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
	;;
stop)
	[[ -n "$dir" && -d "$dir/data" ]] || exit 0
	asuser "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop|pause|resume [DIR]" >&2
	exit 2
	;;
esac
