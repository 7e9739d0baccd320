#!/bin/sh
# run.sh - `make soak`: the long versions of the reliability tests, with their figures.
#   rel_crash.sh with SOAK_KILLS SIGKILLs (default 60) over SOAK_ROUNDS scenario rounds (default 10)
#   rel_webhooks.sh with SOAK_WEBHOOKS webhooks (default 10000) over SOAK_WEBHOOK_SECONDS (default 90)
#   valgrind.sh on the CLI paths (non-sanitizer build in bin/)
# Logs in tests/out/soak_*.log; ends with "N passed, N failed" like tests/run.sh. `make fuzz` is
# separate (it has its own time budget, FUZZ_SECONDS).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
OUT=$ROOT/tests/out
mkdir -p "$OUT"
pass=0 fail=0
part() { # part NAME BIN CMD...: runs one script, counts its ok/not ok lines
	name=$1 bin=$2
	shift 2
	start=$(date +%s)
	BIN=$bin timeout 7200 "$@" >"$OUT/soak_$name.log" 2>&1
	rc=$?
	p=$(grep -c '^ok - ' "$OUT/soak_$name.log")
	f=$(grep -c '^not ok - ' "$OUT/soak_$name.log")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p))
	fail=$((fail + f))
	echo "$( [ "$f" -eq 0 ] && echo 'ok  ' || echo 'FAIL') soak_$name ($p passed, $f failed, $(($(date +%s) - start)) s) - tests/out/soak_$name.log"
	grep -E '^not ok|^# (kills|sender|valgrind|control)' "$OUT/soak_$name.log" | head -40 | sed 's/^/   /'
}
REL_CRASH_ROUNDS=${SOAK_ROUNDS:-10} REL_CRASH_KILLS=${SOAK_KILLS:-60} REL_CRASH_PEOPLE=${SOAK_PEOPLE:-18} \
	part crash build-asan/bin bash tests/e2e/rel_crash.sh
REL_WEBHOOKS=${SOAK_WEBHOOKS:-10000} REL_WEBHOOK_SECONDS=${SOAK_WEBHOOK_SECONDS:-90} REL_WEBHOOK_PEOPLE=20 \
	part webhooks build-asan/bin bash tests/e2e/rel_webhooks.sh
part valgrind bin bash tests/soak/valgrind.sh
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
