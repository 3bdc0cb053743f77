#!/usr/bin/env bash
# Store tests: the C tests of tests/store/ against a throwaway PostgreSQL cluster of their own
# (initdb'd under var/store-<pid>, unix socket only, trust for the local superuser), the way
# app/scripts/stack.sh makes the stack's. The cluster is always stopped; its directory is
# removed on success and kept on failure.
#
#   sh tests/store/run.sh build/tests-store/test_pipeline ...
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
SERVICE_USER=logbook
DIR="$ROOT/var/store-$$"
PGDATA="$DIR/pg"
unset PGPORT PGSERVICE PGHOSTADDR PGHOST PGUSER PGDATABASE

say() { printf 'store tests: %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
# PostgreSQL refuses to run as root: the cluster belongs to the service user then.
as_owner() {
	if is_root; then
		(cd "$DIR" && runuser -u "$SERVICE_USER" -- "$@")
	else
		(cd "$DIR" && "$@")
	fi
}
owner() { if is_root; then echo "$SERVICE_USER"; else id -un; fi; }

[ "$#" -gt 0 ] || { say "usage: run.sh TEST_BINARY..."; exit 2; }
if is_root; then
	# The cluster belongs to the service user, who may not exist yet on a fresh machine and
	# may not reach a checkout under a 0700 home: stack.sh makes the user and gives var/'s
	# real, reachable path (a state directory of its own when the checkout is closed).
	DIR="$(cd "$ROOT" && LOGBOOK_VAR= bash app/scripts/stack.sh var-dir)/store-$$"
	PGDATA="$DIR/pg"
fi
mkdir -p "$DIR"
is_root && chown "$SERVICE_USER" "$DIR"

status=1
finish() {
	trap - EXIT INT TERM
	as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
	if [ "$status" -eq 0 ]; then
		rm -rf "$DIR"
		rmdir "$ROOT/var" 2>/dev/null || true
	else
		say "FAILED (status $status); the cluster's files are kept in $DIR"
		[ -s "$DIR/postgres.log" ] && tail -n 20 "$DIR/postgres.log" >&2
	fi
	exit "$status"
}
trap finish EXIT INT TERM

as_owner "$PG_BIN/initdb" -D "$PGDATA" -U "$(owner)" -E UTF8 --locale=C.UTF-8 \
	--auth-local=trust --auth-host=reject >"$DIR/initdb.log" 2>&1 ||
	{ cat "$DIR/initdb.log" >&2; exit 1; }
cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
fsync = off
max_connections = 20
shared_buffers = 16MB
CONF
as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$DIR/postgres.log" -w -t 60 start >/dev/null

export LOGBOOK_TEST_CONNINFO="host=$DIR user=$(owner) dbname=postgres"
rc=0
for t in "$@"; do
	echo "== $t"
	"$t" || rc=1
done
status=$rc
