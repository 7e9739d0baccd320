#!/usr/bin/env bash
# run_stop.sh - what `make run` and `make stop` do (tools/run.sh), in a folder of the test's own on
# a free port: a page is served, a second start starts no second copy, stop leaves no process.
. "$(dirname "$0")/../lib/e2e.sh"
export OPTSYNC_VAR="$T/var" PORT=$((20000 + RANDOM % 12000))
out=$(sh "$STACK_ROOT/tools/run.sh" start 2>&1)
expect_eq "run.sh start exits 0" "$?" "0"
expect_match "it prints the URL" "$out" "http://127.0.0.1:$PORT/"
expect_match "it prints the first-run setup code" "$out" "setup code is [A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}"
expect_eq "the setup code file is the owner's only" "$(stat -c %a "$OPTSYNC_VAR/setup-code" 2>&1)" 600
code=$(curl -s -o "$T/page.html" -w '%{http_code}' "http://127.0.0.1:$PORT/login")
expect_eq "a page is served" "$code" "200"
expect_match "the page is the dashboard's" "$(cat "$T/page.html")" "optsync"
pids=$(cat "$OPTSYNC_VAR"/run/*.pid | sort | tr '\n' ' ')
out=$(sh "$STACK_ROOT/tools/run.sh" start 2>&1)
expect_match "a second start says it is running" "$out" "already running"
expect_eq "a second start starts no second copy" "$(cat "$OPTSYNC_VAR"/run/*.pid | sort | tr '\n' ' ')" "$pids"
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
[ "$alive" -ge 3 ] && ok "sandbox, dashboard and nginx run ($alive processes)" || fail "processes alive" "$alive"
sh "$STACK_ROOT/tools/run.sh" stop >/dev/null
sleep 0.3
left=0
for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
expect_eq "stop leaves no process behind" "$left" "0"
expect_eq "no pid file left" "$(ls "$OPTSYNC_VAR"/run/*.pid 2>/dev/null | wc -l)" "0"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
expect_eq "nothing answers on the port any more" "$code" "000"
