#!/usr/bin/env bash
# Existing clusters migrate to 011_least_privilege.sql: a stack made by the code just before it
# (trust authentication, generated tables owned by logbook_app) is started by this code, which
# migrates it. Then the generated schema and tables belong to logbook_owner, their audit
# trigger is the new one, logbook_app cannot switch it off, the cluster takes peer
# authentication only, and the API still saves, with nothing recorded as an sql_* change.
#
#   BUILD=build bash tests/integration/upgrade-011.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
STACK="$ROOT/app/scripts/stack.sh"
case "${BUILD:-build}" in
/*) BUILD=${BUILD:-build} ;;
*) BUILD="$ROOT/${BUILD:-build}" ;;
esac
say() { printf 'upgrade-011: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
. app/scripts/ports.sh

OLD=$(git log --format=%H -1 --diff-filter=A -- app/migrations/011_least_privilege.sql)
[ -n "$OLD" ] || { say "skipped: 011 is not committed yet"; exit 0; }
OLD=$(git rev-parse "$OLD^")
WORK=$(mktemp -d)
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port "$HTTPS_PORT")
LOGBOOK_VAR=$(LOGBOOK_VAR="$ROOT/var/upgrade-$$" bash "$STACK" var-dir)
WORKERS=2
LOGBOOK_CONFIG=$LOGBOOK_VAR/logbook.conf
export HTTPS_PORT HTTP_PORT LOGBOOK_VAR WORKERS LOGBOOK_CONFIG
ok=0
finish() {
	bash "$STACK" stop >/dev/null 2>&1 || true
	BUILD="$WORK/old/build" bash "$WORK/old/app/scripts/stack.sh" stop >/dev/null 2>&1 || true
	if [ "$ok" -eq 1 ]; then
		rm -rf "$LOGBOOK_VAR"
	else
		say "the stack's files are kept in $LOGBOOK_VAR"
	fi
	rm -rf "$WORK"
}
trap finish EXIT

say "building $(git log --format='%h %s' -1 "$OLD" | cut -c1-70)"
mkdir -p "$WORK/old"
git archive "$OLD" | tar -x -C "$WORK/old"
chmod 0755 "$WORK"
make -C "$WORK/old" all >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "old build"; }

api() { # ctl method path [body]
	curl -sk -o "$WORK/out" -w '%{http_code}' -X "$2" "https://127.0.0.1:$HTTPS_PORT$3" \
		-H "Authorization: Bearer $("$1" token --sub upgrader --roles admin --ttl 600)" \
		-H 'Content-Type: application/json' -H 'If-Match: *' ${4:+--data "$4"}
}
key=upg_$$
def='{"key":"'$key'","title":"Upgrade","sections":[{"key":"s","title":"S","fields":[{"key":"a","type":"text"}],
 "tables":[{"key":"rows","columns":[{"key":"v","type":"integer"}]}]}]}'

say "the old stack: publish, create, save"
BUILD="$WORK/old/build" bash "$WORK/old/app/scripts/stack.sh" start >"$WORK/old-start.out" ||
	fail "old stack did not start"
OLDCTL="$WORK/old/build/logbookctl"
[ "$(api "$OLDCTL" POST /api/v1/templates "$def")" = 201 ] || fail "create template: $(cat "$WORK/out")"
[ "$(api "$OLDCTL" POST "/api/v1/templates/$key/versions/1/publish")" = 200 ] || fail "publish: $(cat "$WORK/out")"
[ "$(api "$OLDCTL" POST "/api/v1/templates/$key/entries" '{}')" = 201 ] || fail "entry: $(cat "$WORK/out")"
id=$(jq -r .id "$WORK/out")
[ "$(api "$OLDCTL" PUT "/api/v1/entries/$id/sections/s" '{"data":{"a":"old"},"tables":{"rows":[{"v":1}]}}')" = 200 ] ||
	fail "save: $(cat "$WORK/out")"
BUILD="$WORK/old/build" bash "$WORK/old/app/scripts/stack.sh" stop >/dev/null

say "this code on the same cluster: migrate, then check"
BUILD="$BUILD" bash "$STACK" start >"$WORK/new-start.out" || fail "new stack did not start"
eval "$(bash "$STACK" env)"
SU=$(cat "$LOGBOOK_VAR/pg/logbook-superuser")
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -U "$1" -d logbook -c "$2"; }
[ "$(q "$SU" 'SELECT max(version) FROM schema_migrations')" -ge 11 ] || fail "not migrated"
owners=$(q "$SU" "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class
	WHERE relnamespace = 'tpl_$key'::regnamespace AND relkind = 'r'")
[ "$owners" = logbook_owner ] || fail "tables owned by $owners"
[ "$(q "$SU" "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'tpl_$key'")" = logbook_owner ] ||
	fail "schema not the owner's"
def_rows=$(q "$SU" "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'logbook_audit_rows'
	AND tgrelid = 'tpl_$key.s__rows'::regclass")
case "$def_rows" in *WHEN*) fail "the old WHEN filter is still there: $def_rows" ;; esac
case "$def_rows" in *"audit_external_change('s')"*) ;; *) fail "section tag lost: $def_rows" ;; esac
q logbook_app "ALTER TABLE tpl_$key.s DISABLE TRIGGER logbook_audit_rows" 2>/dev/null &&
	fail "logbook_app could switch the trigger off"
[ "$(q "$SU" "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'peer'")" = 0 ] ||
	fail "pg_hba still has rules other than peer"
[ "$(api "$BUILD/logbookctl" PUT "/api/v1/entries/$id/sections/s" '{"data":{"a":"new"},"tables":{"rows":[{"v":2},{"v":3}]}}')" = 200 ] ||
	fail "save after the upgrade: $(cat "$WORK/out")"
[ "$(api "$BUILD/logbookctl" POST "/api/v1/templates/$key/versions/1/publish")" = 409 ] || fail "publish again"
[ "$(api "$BUILD/logbookctl" GET "/api/v1/audit?object_id=$id")" = 200 ] || fail "audit list"
actions=$(jq -r '[.items[].action] | join(",")' "$WORK/out")
[ "$actions" = create,save,save ] || fail "audit rows of the entry: $actions"
[ "$(api "$BUILD/logbookctl" GET "/api/v1/audit/verify?full=true")" = 200 ] && [ "$(jq -r .ok "$WORK/out")" = true ] ||
	fail "verify: $(cat "$WORK/out")"
ok=1
say "ok: a cluster of $(git log --format=%h -1 "$OLD") migrated to 011"
