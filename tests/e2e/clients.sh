#!/bin/bash
# clients.sh - the AC and SF clients against the real sandbox behind nginx: every call, every fault
# knob, and the AC rate limit counted at the sandbox (tests/unit/test_live_clients.c does the work).
. "$(dirname "$0")/../lib/e2e.sh"
stack_up

bin="$TESTBIN/test_live_clients"
if [ ! -x "$bin" ]; then
	fail "test_live_clients is built" "$bin is missing (make unit-bins)"
	exit 1
fi
"$bin"
rc=$?

# The last case hammers AC from several processes; the sandbox's own count is the judge.
peak=$(curl -s "$SANDBOX_CONTROL/stats" | json 'd["ac_max_per_second"]')
echo "# sandbox: at most $peak AC requests in any one-second window"
if [ -n "$peak" ] && [ "$peak" -le 5 ] 2>/dev/null; then
	ok "sandbox saw at most 5 AC requests in any second ($peak)"
else
	fail "sandbox saw at most 5 AC requests in any second" "got '$peak'"
fi
exit $rc
