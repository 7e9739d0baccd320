#!/usr/bin/env bash
# run.sh - the whole suite: every cmocka unit binary, then every end-to-end script; one closing
# "N passed, N failed" line counting single test cases. Logs of each part go to tests/out/.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
TESTBIN=${TESTBIN:-build/tests}
export BIN=${BIN:-bin} TESTBIN
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
OUT=${TEST_OUT:-$ROOT/tests/out}
export TEST_OUT=$OUT
mkdir -p "$OUT"
pass=0 fail=0 failed_parts=""

count() { # count LOG RC NAME: adds the log's cases to the totals
	p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
	f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	tp=$(grep -c '^ok - ' "$1")
	tf=$(grep -c '^not ok - ' "$1")
	p=$((p + tp))
	f=$((f + tf))
	# A part that failed without saying which case (a crash, a sanitizer report) is one failure.
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$2" -eq 0 ] && [ "$p" -eq 0 ]; then f=$((f + 1)); echo "   $3 ran no test case" ; fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed_parts="$failed_parts $3"
		echo "FAIL $3 ($p passed, $f failed) - tests/out/$3.log"
		grep -E '^not ok|^\[  FAILED  \]|^\[  ERROR   \]|ERROR:|runtime error|Sanitizer' "$1" | head -20 | sed 's/^/   /'
	else
		echo "ok   $3 ($p passed)"
	fi
}

for t in "$TESTBIN"/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in test_live_*) continue ;; esac
	"$t" >"$OUT/$name.log" 2>&1
	count "$OUT/$name.log" $? "$name"
done

# End-to-end scripts each start a private stack on a random port: E2E_JOBS of them run at once
# (2 by default, one per core), and their results are counted in a fixed order afterwards.
jobs=${E2E_JOBS:-2}
names=()
for s in tests/e2e/*.sh; do
	[ -f "$s" ] || continue
	name=e2e_$(basename "$s" .sh)
	if [ -n "${E2E_ONLY:-}" ] && ! echo "$name" | grep -q "$E2E_ONLY"; then continue; fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n 2>/dev/null || true
	done
	(
		start=$(date +%s)
		timeout 900 bash "$s" >"$OUT/$name.log" 2>&1
		echo $? >"$OUT/$name.rc"
		echo "# $name took $(($(date +%s) - start)) s" >>"$OUT/$name.log"
	) &
	names+=("$name")
done
wait
for name in "${names[@]}"; do
	count "$OUT/$name.log" "$(cat "$OUT/$name.rc" 2>/dev/null || echo 1)" "$name"
	grep -h '^# .* took [0-9]* s$' "$OUT/$name.log" | sed 's/^# /     /'
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
