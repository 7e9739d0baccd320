#!/usr/bin/env bash
# valgrind.sh - `valgrind --leak-check=full` on the CLI paths against the sandbox (connect, set,
# user add, sync incl. dry run and a run with failures, resync, log, audit, check, webhook), with
# the non-sanitizer build in bin/ (`make`). Prints one line per command with the leak and error
# summary; a definite or indirect leak or a memory error is a failed case. Run by `make soak`.
BIN=${BIN:-bin}
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
	--error-exitcode=99 --track-origins=no --num-callers=30)
mkdir -p "$T/vg"
k=0
vg() { # vg NAME ARGS...: one CLI command under valgrind; stdin from $VG_IN when set
	local name=$1
	shift
	k=$((k + 1))
	local log="$T/vg/$k-$name.log"
	if [ -n "${VG_IN:-}" ]; then
		printf '%s\n' "$VG_IN" | "${VG[@]}" --log-file="$log" "$BIN/optsync" "$@" >"$T/vg/$k-$name.out" 2>&1
	else
		"${VG[@]}" --log-file="$log" "$BIN/optsync" "$@" >"$T/vg/$k-$name.out" 2>&1 </dev/null
	fi
	local rc=$?
	local def ind err
	def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
	ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d ,)
	err=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d ,)
	echo "# valgrind optsync $*: exit $rc, definitely lost ${def:-0} B, indirectly lost ${ind:-0} B, errors ${err:-?}"
	if [ "$rc" -eq 99 ] || [ "${def:-0}" != 0 ] || [ "${ind:-0}" != 0 ] || [ "${err:-1}" != 0 ]; then
		fail "valgrind: optsync $name" "see $log: $(grep -m1 -A12 'definitely lost in\|Invalid\|uninitialised' "$log" | tr '\n' ' ' | head -c 900)"
		cp "$log" "$STACK_ROOT/tests/out/valgrind-$k-$name.log" 2>/dev/null
	else
		ok "valgrind: optsync $name (exit $rc) no leak, no memory error"
	fi
}

sbx_reset 81 30
sbx_person '{"email":"vg@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
vg connect-ac connect ac --url "$AC_URL" --key sandbox-ac-key
vg connect-ac-bad connect ac --url "$AC_URL" --key wrong-key
vg connect-sf connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret
vg set set ac_rate 5
VG_IN='correct horse battery' vg user-add user add admin --role admin
vg dry-run sync --dry-run
vg sync sync
sbx_event '{"type":"unsubscribe","email":"vg@example.com","list":1}'
sbx_knobs '{"error_rate":0.3}'
vg sync-faults sync
sbx_knobs '{"error_rate":0,"malformed":"ac","malformed_kind":"truncated","malformed_count":1}'
vg sync-malformed sync
sbx_knobs '{"malformed":null}'
vg sync-again sync
vg resync resync --email VG@example.com
vg log log --limit 50
vg log-json log --json --email vg@example.com
vg audit audit
vg audit-csv audit --csv
vg check check
vg check-json check --json
vg webhook webhook --public-url "$BASE"
vg usage sync --bogus
