#!/usr/bin/env bash
# Browser tests: a throwaway stack (PostgreSQL, workers, Nginx serving the built web app) on
# two free ports under var/test-<pid>, playwright-core (npm ci in tests/e2e) driving Debian's
# chromium headless, `node --test` over tests/e2e/*.test.mjs. Screenshots go to var/e2e/.
# The stack is always stopped; its directory is removed on success and kept on failure.
#
#   BUILD=build sh tests/e2e/run.sh [test files...]
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
STACK="$ROOT/app/scripts/stack.sh"
E2E="$ROOT/tests/e2e"

say() { printf 'e2e: %s\n' "$*" >&2; }

case "${BUILD:-build}" in
/*) BUILD=${BUILD:-build} ;;
*) BUILD="$ROOT/${BUILD:-build}" ;;
esac

[ -s "$BUILD/web/index.html" ] || { say "$BUILD/web is missing: make web"; exit 1; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { say "no $CHROMIUM: run app/scripts/deps.sh (Debian package chromium)"; exit 1; }
export CHROMIUM

# playwright-core and axe-core, exactly as package-lock.json says; again only when the lock
# changed since the last install (a copy of it is kept in node_modules/).
if ! cmp -s "$E2E/package-lock.json" "$E2E/node_modules/.logbook-installed-lock" 2>/dev/null; then
	say "npm ci in tests/e2e"
	(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2)
	cp "$E2E/package-lock.json" "$E2E/node_modules/.logbook-installed-lock"
fi

. "$ROOT/app/scripts/ports.sh"
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port "$HTTPS_PORT")
LOGBOOK_VAR="$ROOT/var/test-$$"
WORKERS=${TEST_WORKERS:-3}
export BUILD HTTPS_PORT HTTP_PORT LOGBOOK_VAR WORKERS
export E2E_SHOTS="$ROOT/var/e2e"
mkdir -p "$E2E_SHOTS"

status=1
finish() {
	trap - EXIT INT TERM
	bash "$STACK" stop || say "stack.sh stop failed"
	if [ "$status" -eq 0 ]; then
		rm -rf "$LOGBOOK_VAR"
	else
		say "FAILED (status $status); the stack's files are kept in $LOGBOOK_VAR"
		for f in workers.log nginx-error.log; do
			[ -s "$LOGBOOK_VAR/log/$f" ] || continue
			printf '\n--- last lines of %s ---\n' "$LOGBOOK_VAR/log/$f" >&2
			tail -n 20 "$LOGBOOK_VAR/log/$f" >&2
		done
	fi
	say "screenshots in $E2E_SHOTS"
	if [ -s "$REPORT" ]; then
		awk '$1 == "#" && $2 == "pass" { p += $3 } $1 == "#" && $2 == "fail" { f += $3 }
			END { printf "e2e: %d passed, %d failed\n", p, f }' "$REPORT"
	fi
	rm -f "$REPORT"
	exit "$status"
}
REPORT=$(mktemp)
trap finish EXIT
trap 'status=130; finish' INT TERM

say "stack in $LOGBOOK_VAR, https on $HTTPS_PORT, $WORKERS workers"
mkdir -p "$LOGBOOK_VAR"
bash "$STACK" start >"$LOGBOOK_VAR/start.out"
eval "$(bash "$STACK" env)"

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(tests/e2e/*.test.mjs)
fi

set +e
status=0
for f in "${files[@]}"; do
	node --test "$f" | tee -a "$REPORT"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
set -e
