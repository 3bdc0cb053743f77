#!/usr/bin/env bash
# make bench — Logbook's hot paths against baselines measured in the same run, on the same
# machine, so that the ratios mean something on a shared, noisy host:
#   read:  GET /api/v1/entries/{id}           vs  a bare libpq FastCGI worker behind the same
#                                                 Nginx (tests/bench/bare_read.c), and pgbench
#   save:  PUT /api/v1/entries/{id}/sections  vs  pgbench running the save's own SQL
#                                                 (tests/bench/save.pgbench)
# Load: wrk (and pgbench) with BENCH_CONNECTIONS (32) for BENCH_SECONDS (10) each, over
# BENCH_ENTRIES (1000) entries picked at random. The stack is a throwaway one under
# var/bench (removed at the end unless BENCH_KEEP=1); results go to stdout and
# var/bench-results.md.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
. app/scripts/ports.sh
STACK="$ROOT/app/scripts/stack.sh"
case "${BUILD:-build}" in
/*) BUILD=${BUILD:-build} ;;
*) BUILD="$ROOT/${BUILD:-build}" ;;
esac
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
ENTRIES=${BENCH_ENTRIES:-1000}
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port "$HTTPS_PORT")
LOGBOOK_VAR=$(LOGBOOK_VAR="$ROOT/var/bench" bash "$STACK" var-dir)
WORKERS=${BENCH_WORKERS:-8} # DB-bound: more workers than cores keep PostgreSQL busy
export BUILD HTTPS_PORT HTTP_PORT LOGBOOK_VAR WORKERS
PG_BIN=/usr/lib/postgresql/15/bin
OUT="$ROOT/var/bench-results.md"
WORK=$(mktemp -d)

say() { printf 'bench: %s\n' "$*" >&2; }

finish() {
	trap - EXIT INT TERM
	if [ -n "${BENCH_KEEP:-}" ]; then # for a closer look: the stack stays up
		say "kept: $LOGBOOK_VAR and $WORK; stop with LOGBOOK_VAR=$LOGBOOK_VAR bash $STACK stop"
		return
	fi
	[ -f "$WORK/bare.pid" ] && kill "$(cat "$WORK/bare.pid")" 2>/dev/null || true
	bash "$STACK" stop >/dev/null 2>&1 || true
	rm -rf "$LOGBOOK_VAR" "$WORK"
}
trap finish EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null || { say "wrk is missing (make deps installs it)"; exit 1; }
rm -rf "$LOGBOOK_VAR"
mkdir -p "$LOGBOOK_VAR"
say "stack in $LOGBOOK_VAR, https on $HTTPS_PORT, $WORKERS workers"
bash "$STACK" start >"$LOGBOOK_VAR/start.out"
eval "$(bash "$STACK" env)"
SU=$(cat "$LOGBOOK_VAR/pg/logbook-superuser")
psql_su() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -U "$SU" "$@"; }
TOKEN=$("$BUILD/logbookctl" token --sub bench --roles designer,author --ttl 3600)
api() { # method path [body-file]
	curl -sk -o /dev/null -w '%{http_code}' -X "$1" "$BASE_URL$2" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' ${3:+--data-binary "@$3"}
}

say "publishing the benchmark template and creating $ENTRIES entries"
[ "$(api POST /api/v1/templates tests/bench/template.json)" = 201 ] || { say "template create failed"; exit 1; }
[ "$(api POST /api/v1/templates/bench_log/versions/1/publish)" = 200 ] || { say "publish failed"; exit 1; }
# Fixtures straight in SQL (the API path is what is measured, not how fast we set up).
psql_su -v n="$ENTRIES" <<'SQL'
INSERT INTO entries (id, template_key, template_version, title, created_by)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'bench_log', 1, 'Entry ' || i, 'bench'
FROM generate_series(1, :n) i;
INSERT INTO entry_sections (entry_id, section, updated_by) SELECT id, 'shift', 'bench' FROM entries;
ANALYZE;
SQL
for i in $(seq 1 "$ENTRIES"); do printf '00000000-0000-4000-8000-%012d\n' "$i"; done >"$WORK/ids.txt"
export BENCH_IDS="$WORK/ids.txt" BENCH_BODY="$ROOT/tests/bench/save.json" BENCH_TOKEN="$TOKEN"
# One save per entry first, so that reads return full sections and saves replace rows.
for i in 1 2 3; do [ "$(api PUT "/api/v1/entries/00000000-0000-4000-8000-00000000000$i/sections/shift" tests/bench/save.json)" = 200 ] || true; done
wrk -t2 -c"$CONNS" -d"$((ENTRIES / 500 + 2))s" -s tests/bench/put.lua "$BASE_URL" >/dev/null

say "starting the bare baseline worker"
user_opts=()
[ "$(id -u)" -eq 0 ] && user_opts=(-u logbook -g logbook)
BARE_CONNINFO="host=$PGHOST dbname=logbook user=logbook_app" spawn-fcgi -n -s "$PGHOST/bare.sock" -M 0666 \
	"${user_opts[@]}" -- /usr/bin/multiwatch -s TERM -f "$WORKERS" -- "$BUILD/bench/bare-read" \
	>>"$LOGBOOK_VAR/log/bare.log" 2>&1 &
echo $! >"$WORK/bare.pid"
mkdir -p "$LOGBOOK_VAR/nginx/conf.d"
cat >"$LOGBOOK_VAR/nginx/conf.d/bare.conf" <<EOF
location /bare/ {
	include /etc/nginx/fastcgi_params;
	fastcgi_pass unix:$PGHOST/bare.sock;
}
EOF
nginx -p "$LOGBOOK_VAR/nginx/" -c "$LOGBOOK_VAR/nginx/nginx.conf" -s reload
sleep 1
code=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE_URL/bare/?id=00000000-0000-4000-8000-000000000001")
[ "$code" = 200 ] || { say "bare worker answers $code"; exit 1; }

rss_kb() { # total VmRSS of the Logbook workers
	local t=0 p
	for p in $(bash "$STACK" worker-pids); do
		t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
	done
	echo "$t"
}

# wrk_run NAME LUA [ENV...] -> "rps p50 p99" on stdout
wrk_run() {
	local name=$1 lua=$2 out
	shift 2
	out=$(env "$@" wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" --latency -s "tests/bench/$lua" "$BASE_URL")
	printf '%s\n' "$out" >"$WORK/$name.wrk"
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	errs=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	[ -z "$errs" ] || say "$name: $errs non-2xx responses (see $WORK/$name.wrk)"
	echo "$rps $p50 $p99"
}

# pgbench_run NAME SCRIPT -> "tps p50 p99" (percentiles from the per-transaction log)
pgbench_run() {
	local name=$1 script=$2
	(cd "$WORK" && "$PG_BIN/pgbench" -n -M prepared -c "$CONNS" -j 2 -T "$SECONDS_EACH" \
		-D entries="$ENTRIES" -f "$ROOT/tests/bench/$script" -l --log-prefix="$name" \
		-U logbook_app logbook >"$WORK/$name.pgbench" 2>&1) || { say "pgbench $name failed:"; cat "$WORK/$name.pgbench" >&2; exit 1; }
	local tps n p50 p99
	tps=$(awk '/^tps = / {print $3; exit}' "$WORK/$name.pgbench")
	cat "$WORK/$name".[0-9]* 2>/dev/null | awk '{print $3}' | sort -n >"$WORK/$name.lat"
	n=$(wc -l <"$WORK/$name.lat")
	p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1 {printf "%.2fms", $1 / 1000}' "$WORK/$name.lat")
	p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1 {printf "%.2fms", $1 / 1000}' "$WORK/$name.lat")
	echo "$tps $p50 $p99"
}

# Each phase leaves rows behind (history, audit); in a real service autovacuum's ANALYZE keeps
# the planner's statistics current, and so cached plans right. Do the same between phases, so
# that no phase runs on plans made for the tables as they were before the previous one.
analyze() { psql_su -c 'ANALYZE' >/dev/null; }

rss_before=$(rss_kb)
say "measuring, ${SECONDS_EACH}s each at $CONNS connections"
analyze
read -r bare_rps bare_p50 bare_p99 < <(wrk_run bare-read get.lua BENCH_PATH=bare)
read -r read_rps read_p50 read_p99 < <(wrk_run api-read get.lua BENCH_PATH=api)
read -r pgr_tps pgr_p50 pgr_p99 < <(pgbench_run pg-read read.pgbench)
read -r pgs_tps pgs_p50 pgs_p99 < <(pgbench_run pg-save save.pgbench)
analyze
read -r save_rps save_p50 save_p99 < <(wrk_run api-save put.lua)
rss_after=$(rss_kb)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }
{
	echo "# make bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $WORKERS workers, $CONNS connections, ${SECONDS_EACH}s each"
	echo
	echo "| what | req/s | p50 | p99 | ratio |"
	echo "|---|---:|---:|---:|---|"
	echo "| bare read (libpq FastCGI worker, same Nginx) | $bare_rps | $bare_p50 | $bare_p99 | baseline |"
	echo "| GET /api/v1/entries/{id} | $read_rps | $read_p50 | $read_p99 | $(ratio "$read_rps" "$bare_rps") of bare read (target >= 80%) |"
	echo "| pgbench: the read's SQL | $pgr_tps | $pgr_p50 | $pgr_p99 | database alone |"
	echo "| pgbench: the save's SQL | $pgs_tps | $pgs_p50 | $pgs_p99 | baseline |"
	echo "| PUT /api/v1/entries/{id}/sections/shift | $save_rps | $save_p50 | $save_p99 | $(ratio "$save_rps" "$pgs_tps") of pgbench save (target >= 70%) |"
	echo
	echo "Worker RSS (all $WORKERS workers): ${rss_before} kB before, ${rss_after} kB after the run."
} | tee "$OUT"
