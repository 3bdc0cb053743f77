#!/bin/sh
# Runs every libFuzzer target of BIN_DIR (Makefile: `make fuzz`, `make fuzz-regress`).
#   sh tests/fuzz/run.sh BIN_DIR SECONDS
# SECONDS > 0: fuzz each target that long, starting from its seeds (tests/fuzz/corpus/<name>/)
# and what earlier runs found (var/fuzz/corpus/<name>/, kept between runs); a crash, a leak, a
# timeout (> 10 s for one input) or memory over 2 GB fails the run, and its input is left in
# var/fuzz/crashes/<name>/ — copy it to tests/fuzz/regressions/<name>/ with the fix.
# SECONDS = 0: run each seed and each regression input once (a few seconds; `make test`).
set -eu
bin_dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
var="$top/var/fuzz"
failed=0
passed=0

for bin in "$bin_dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	seeds="$here/corpus/${name#fuzz_}"
	regressions="$here/regressions/${name#fuzz_}"
	mkdir -p "$var/corpus/$name" "$var/crashes/$name" "$seeds"
	set -- -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$var/crashes/$name/"
	[ -f "$here/${name#fuzz_}.dict" ] && set -- "$@" -dict="$here/${name#fuzz_}.dict"
	if [ "$seconds" -gt 0 ]; then
		printf 'fuzz: %s for %ss\n' "$name" "$seconds"
		if "$bin" "$@" -max_total_time="$seconds" -print_final_stats=1 \
		    "$var/corpus/$name" "$seeds" >"$var/$name.log" 2>&1; then
			passed=$((passed + 1))
			grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$var/$name.log" |
			    tr '\n' ' ' | sed 's/^/  /;s/$/\n/'
		else
			failed=$((failed + 1))
			tail -n 40 "$var/$name.log"
			printf 'fuzz: %s FAILED (input in %s)\n' "$name" "$var/crashes/$name"
		fi
	else
		files=$(find "$seeds" "$regressions" -type f 2>/dev/null | sort)
		if [ -z "$files" ]; then
			printf 'fuzz: %s has no seeds\n' "$name"
			failed=$((failed + 1))
			continue
		fi
		# shellcheck disable=SC2086 # one argument per file; names have no spaces
		if "$bin" "$@" $files >"$var/$name.log" 2>&1; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			tail -n 40 "$var/$name.log"
			printf 'fuzz: %s FAILED on its seeds or regressions\n' "$name"
		fi
	fi
done
printf 'fuzz: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
