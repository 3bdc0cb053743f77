#!/usr/bin/env bash
# Does holding many event streams cost the API anything? wrk against GET /api/v1/me (and an
# entry read) without and then with STREAMS open Server-Sent Events streams (sse-streams.mjs),
# on a running stack:
#   LOGBOOK_VAR=var HTTPS_PORT=8443 sh tests/bench/streams.sh
# Environment: STREAMS (500), SECONDS (10 per wrk run), CONNECTIONS (32).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VAR=${LOGBOOK_VAR:-$ROOT/var}
eval "$(LOGBOOK_VAR=$VAR bash "$ROOT/app/scripts/stack.sh" env)"
STREAMS=${STREAMS:-500}
SECS=${SECONDS_PER_RUN:-10}
CONN=${CONNECTIONS:-32}
CTL=${CTL:-$ROOT/build/logbookctl}
TOKEN=$("$CTL" token --sub bench --roles author,auditor --ttl 3600)
CA="$VAR/keys/tls.crt"

run_wrk() {
	local what=$1 path=$2
	wrk -t2 -c"$CONN" -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "$BASE_URL$path" |
		awk -v what="$what" -v path="$path" '
			/Requests\/sec/ { rps = $2 }
			/^ +99%/ { p99 = $2 }
			/^ +50%/ { p50 = $2 }
			/Non-2xx/ { bad = $NF }
			END { printf "%-22s %-28s req/s %8s  p50 %8s  p99 %8s  non-2xx %s\n", what, path, rps, p50, p99, bad + 0 }'
}

# An entry read too, when the stack has an entry.
ENTRY=$(curl -sk "$BASE_URL/api/v1/entries?limit=1" -H "Authorization: Bearer $TOKEN" | jq -r '.items[0].id // empty' || true)
echo "== without streams"
run_wrk "no streams" /api/v1/me
[ -z "$ENTRY" ] || run_wrk "no streams" "/api/v1/entries/$ENTRY"
BASE_URL=$BASE_URL TOKEN=$TOKEN CA=$CA STREAMS=$STREAMS SECONDS=600 node "$ROOT/tests/bench/sse-streams.mjs" >"$VAR/streams.log" 2>&1 &
NODE=$!
trap 'kill -TERM $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
	grep -q '^open ' "$VAR/streams.log" && break
	sleep 0.1
done
echo "== with streams: $(grep '^open ' "$VAR/streams.log")"
run_wrk "$STREAMS streams" /api/v1/me
[ -z "$ENTRY" ] || run_wrk "$STREAMS streams" "/api/v1/entries/$ENTRY"
echo "== streams after the runs: $(tail -n 1 "$VAR/streams.log")"
