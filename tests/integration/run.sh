#!/usr/bin/env bash
# Integration tests: a throwaway stack (PostgreSQL, 2 workers, Nginx) on two free ports under
# var/test-<pid>, then `node --test` over tests/integration/*.test.mjs against it over HTTPS.
# The stack is always stopped; its directory is removed on success and kept on failure.
#
#   BUILD=build sh tests/integration/run.sh [test files...]
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
STACK="$ROOT/app/scripts/stack.sh"

say() { printf 'integration: %s\n' "$*" >&2; }

case "${BUILD:-build}" in
/*) BUILD=${BUILD:-build} ;;
*) BUILD="$ROOT/${BUILD:-build}" ;;
esac

. "$ROOT/app/scripts/ports.sh"

HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port "$HTTPS_PORT")
# The real path: var/ may be a link to a directory the service user can reach (stack.sh).
LOGBOOK_VAR=$(LOGBOOK_VAR="$ROOT/var/test-$$" bash "$STACK" var-dir)
WORKERS=${TEST_WORKERS:-2}
# The contract's 15-minute window for failed logins per username, shortened so that a test can
# watch it end (the workers read it as the config key login_throttle_window; the tests too).
LOGBOOK_LOGIN_THROTTLE_WINDOW=${LOGBOOK_LOGIN_THROTTLE_WINDOW:-20}
export BUILD HTTPS_PORT HTTP_PORT LOGBOOK_VAR WORKERS LOGBOOK_LOGIN_THROTTLE_WINDOW

# Sanitizer reports in the workers' log fail the run even when every request was answered
# (a worker that aborts is restarted by multiwatch and the client may never notice).
sanitizer_findings() {
	grep -n -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' \
		"$LOGBOOK_VAR/log/workers.log" "$LOGBOOK_VAR/log/eventpub.log" 2>/dev/null | head -n 40
}

status=1
finish() {
	local findings
	trap - EXIT INT TERM
	bash "$STACK" stop || say "stack.sh stop failed"
	if [ "$status" -eq 0 ] && findings=$(sanitizer_findings) && [ -n "$findings" ]; then
		say "sanitizer reports in $LOGBOOK_VAR/log/workers.log:"
		printf '%s\n' "$findings" >&2
		status=1
	fi
	if [ "$status" -eq 0 ]; then
		rm -rf "$LOGBOOK_VAR"
		if [ -L "$ROOT/var" ]; then
			rmdir "$(readlink "$ROOT/var")" 2>/dev/null && rm -f "$ROOT/var"
		else
			rmdir "$ROOT/var" 2>/dev/null
		fi || true
	else
		say "FAILED (status $status); the stack's files are kept in $LOGBOOK_VAR"
		say "logs: $LOGBOOK_VAR/log/ (postgres.log, workers.log, nginx-error.log, nginx-access.log)"
		for f in workers.log eventpub.log nginx-error.log postgres.log; do
			[ -s "$LOGBOOK_VAR/log/$f" ] || continue
			printf '\n--- last lines of %s ---\n' "$LOGBOOK_VAR/log/$f" >&2
			tail -n 30 "$LOGBOOK_VAR/log/$f" >&2
		done
	fi
	# The last line of the run: the totals, whatever came after node (stack shutdown, logs).
	if [ -s "$REPORT" ]; then
		awk '$1 == "#" && $2 == "pass" { p += $3 } $1 == "#" && $2 == "fail" { f += $3 }
			END { printf "integration: %d passed, %d failed\n", p, f }' "$REPORT"
	fi
	rm -f "$REPORT"
	exit "$status"
}
REPORT=$(mktemp)
trap finish EXIT
trap 'status=130; finish' INT TERM

say "stack in $LOGBOOK_VAR, https on $HTTPS_PORT, http on $HTTP_PORT, $WORKERS workers"
mkdir -p "$LOGBOOK_VAR"
# The banner (admin password, token) is of no use here; errors still reach stderr.
bash "$STACK" start >"$LOGBOOK_VAR/start.out"
eval "$(bash "$STACK" env)"
export STACK_SH="$STACK"

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(tests/integration/*.test.mjs)
fi

# One file at a time: the files share one stack, and some stop parts of it.
set +e
if node --help 2>/dev/null | grep -q -- '--test-concurrency'; then
	node --test --test-concurrency=1 "${files[@]}" | tee -a "$REPORT"
	status=${PIPESTATUS[0]}
else
	# Older Node (Debian 12 ships 18): run the files one by one.
	status=0
	for f in "${files[@]}"; do
		node --test "$f" | tee -a "$REPORT"
		[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	done
fi
set -e
