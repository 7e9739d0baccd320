# e2e.sh - sourced by tests/e2e/*.sh (bash): a private stack on a random loopback port, and TAP-like
# assertions that tests/run.sh counts ("ok - NAME" / "not ok - NAME").
#   stack_up            start sandbox + dashboard + nginx; exports BASE AC_URL SF_URL SANDBOX_CONTROL
#                       OPTSYNC_DB OPTSYNC_KEY_FILE T (the temporary folder); stopped on exit
#   ok NAME | fail NAME WHY | expect_eq NAME ACTUAL EXPECTED | expect_match NAME TEXT REGEX
#   json EXPR           read JSON on stdin, print the python expression EXPR of it (d is the data)
set -u
STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export STACK_ROOT
BIN=${BIN:-$STACK_ROOT/bin}
case "$BIN" in /*) ;; *) BIN=$STACK_ROOT/$BIN ;; esac
TESTBIN=${TESTBIN:-$STACK_ROOT/build/tests}
case "$TESTBIN" in /*) ;; *) TESTBIN=$STACK_ROOT/$TESTBIN ;; esac
export BIN TESTBIN
. "$STACK_ROOT/tools/stack.sh"
# Servers under the sanitizers: report, but do not fail on leaks at exit (valgrind covers leaks).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

E2E_PASS=0
E2E_FAIL=0
T=$(mktemp -d /tmp/optsync-e2e.XXXXXX)
export T

ok() { E2E_PASS=$((E2E_PASS + 1)); echo "ok - $1"; }
fail() { E2E_FAIL=$((E2E_FAIL + 1)); echo "not ok - $1${2:+: $2}"; }
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$3', got '$2'"; fi
}
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else fail "$1" "'$(printf '%s' "$2" | head -c 300)' does not match /$3/"; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

e2e_cleanup() {
	rc=$?
	stack_stop "$T" 2>/dev/null
	# Keep the folder (logs) when something failed, for the person reading the run.
	if [ "$E2E_FAIL" -gt 0 ] || [ $rc -ne 0 ]; then
		out=${TEST_OUT:-$STACK_ROOT/tests/out}
		mkdir -p "$out"
		name=$(basename "$0" .sh)
		rm -rf "$out/$name"
		cp -r "$T" "$out/$name" 2>/dev/null
		echo "# logs kept in $out/$name"
	fi
	rm -rf "$T"
	[ "$E2E_FAIL" -gt 0 ] && exit 1
	exit $rc
}
trap e2e_cleanup EXIT

stack_up() {
	local tries=0
	while :; do
		# below the kernel's ephemeral range (32768+), where outgoing connections take their ports
		PORT=$((20000 + RANDOM % 12000))
		if stack_start "$T" "$PORT" >"$T/stack-start.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 5 ] || ! grep -q 'nginx did not start' "$T/stack-start.log"; then
			cat "$T/stack-start.log" >&2
			fail "stack starts" "$(tail -1 "$T/stack-start.log")"
			exit 1
		fi
		stack_stop "$T"
	done
	export PORT BASE="http://127.0.0.1:$PORT"
	export AC_URL="$BASE/sandbox/ac" SF_URL="$BASE/sandbox/sf" SANDBOX_CONTROL="$BASE/sandbox/control"
	export OPTSYNC_DB="$T/optsync.db" OPTSYNC_KEY_FILE="$T/secret.key"
}
