#!/usr/bin/env bash
# rel_concurrency.sh - one run at a time: while the daemon runs a (slowed) sync, two CLI runs, a
# dashboard "Resync now" and a contact resync are all refused with "a sync is already running";
# webhooks keep being accepted during the run; no two runs in the runs table overlap. Then the
# same with the dashboard's own background run holding the lock.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/web.sh"
stack_up

A=$T/admin.jar
PW='correct horse battery'
db() { sqlite3 -readonly "$OPTSYNC_DB" "$1" 2>>"$T/sqlite.err"; }
now_ms() { date +%s%3N; }

sbx_reset 51 0
people='{"people":['
for i in $(seq 1 8); do
	people="$people{\"email\":\"c$i@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"
done
sbx_person "${people%,}]}"
"$BIN/optsync" connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
"$BIN/optsync" connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
"$BIN/optsync" sync >/dev/null
expect_eq "first sync exits 0" "$?" 0
printf '%s\n' "$PW" | "$BIN/optsync" user add admin --role admin >/dev/null
req "$A" GET /login >/dev/null
post "$A" /login --data "csrf=$(csrf)" --data name=admin --data-urlencode "password=$PW" >/dev/null
req "$A" GET /status >/dev/null
tok=$(csrf)
[ -n "$tok" ] && ok "admin signed in" || fail "admin signed in" "no CSRF token on /status"
hook=$("$BIN/optsync" webhook --public-url "$BASE")
hook=${hook#"$BASE"}

# wait_lock PID: until the run lock names PID (at most 20 s).
wait_lock() {
	local i
	for i in $(seq 1 200); do
		[ "$(db 'SELECT pid FROM run_lock')" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the daemon holds the lock through a slow run
sbx_event '{"type":"unsubscribe","email":"c1@example.com","list":1}'
sbx_knobs '{"latency_ms":700}'
"$BIN/optsync" daemon --interval 1 >"$T/daemon.out" 2>&1 &
dpid=$!
if wait_lock "$dpid"; then ok "the daemon took the run lock"; else fail "the daemon took the run lock" "$(db 'SELECT * FROM run_lock')"; fi

"$BIN/optsync" sync >"$T/cli1.out" 2>&1 &
c1=$!
"$BIN/optsync" sync >"$T/cli2.out" 2>&1 &
c2=$!
st=$(post "$A" /status/sync --data "csrf=$tok")
expect_eq "dashboard Resync now is accepted as a request" "$st" 303
rs=$(post "$A" /contacts/resync --data "csrf=$tok" --data email=c2@example.com)
expect_eq "contact resync during the daemon's run: 409" "$rs" 409
expect_match "and says a sync is already running" "$(cat "$T/body")" "already running"
# Webhooks during the run: answered at once, stored.
before=$(db 'SELECT count(*) FROM events')
worst=0
for i in $(seq 1 20); do
	t0=$(now_ms)
	code=$(curl -s -o /dev/null -w '%{http_code}' --data "type=subscribe&date_time=2026-11-26T10:00:00-06:00&list=1&contact%5Bid%5D=1&contact%5Bemail%5D=c3%40example.com&n=$i" "$BASE$hook")
	d=$(($(now_ms) - t0))
	[ "$d" -gt "$worst" ] && worst=$d
	[ "$code" = 200 ] || break
done
expect_eq "20 webhooks during the run answered 200" "$code" 200
[ "$worst" -lt 2000 ] && ok "webhooks answered fast during the run (slowest $worst ms)" || fail "webhook latency during a run" "$worst ms"
expect_eq "the 20 webhooks are stored" "$(($(db 'SELECT count(*) FROM events') - before))" 20
wait "$c1"
r1=$?
wait "$c2"
r2=$?
expect_eq "CLI run 1 refused with exit 1" "$r1" 1
expect_eq "CLI run 2 refused with exit 1" "$r2" 1
expect_match "CLI run 1 says a sync is already running since ..." "$(cat "$T/cli1.out")" "a sync is already running.*since [0-9T:-]+Z"
expect_match "CLI run 2 says so too" "$(cat "$T/cli2.out")" "a sync is already running"
expect_eq "the refusal is one line" "$(grep -cv '^$' "$T/cli1.out")" 1
for i in $(seq 1 60); do
	req "$A" GET /status/progress.json >/dev/null
	[ "$(json 'd["running"]' <"$T/body")" = False ] && break
	sleep 0.5
done
expect_match "the dashboard's run was refused as well" "$(json 'd["error"]' <"$T/body")" "already running"
kill -TERM "$dpid"
wait "$dpid"
expect_eq "the daemon stops cleanly on SIGTERM" "$?" 0
expect_eq "and leaves no lock" "$(db 'SELECT count(*) FROM run_lock')" 0

# ---- the dashboard's background run holds the lock: the same process must refuse a contact
# resync, and the CLI must stay refused until the background run ends.
sbx_event '{"type":"unsubscribe","email":"c4@example.com","list":1}'
sbx_knobs '{"latency_ms":900}'
expect_eq "dashboard Resync now starts" "$(post "$A" /status/sync --data "csrf=$tok")" 303
fpid=$(cat "$T/run/optsync.pid")
if wait_lock "$fpid"; then ok "the dashboard's run took the lock"; else fail "the dashboard's run took the lock"; fi
rs=$(post "$A" /contacts/resync --data "csrf=$tok" --data email=c5@example.com)
expect_eq "contact resync during the dashboard's own run: 409" "$rs" 409
out=$("$BIN/optsync" sync 2>&1)
rc=$?
req "$A" GET /status/progress.json >/dev/null
running=$(json 'd["running"]' <"$T/body")
if [ "$running" = True ]; then
	expect_eq "a CLI run while the dashboard's run goes on is refused" "$rc" 1
	expect_match "with the reason" "$out" "already running"
else
	ok "(the dashboard's run ended before the CLI check)"
fi
for i in $(seq 1 120); do
	req "$A" GET /status/progress.json >/dev/null
	[ "$(json 'd["running"]' <"$T/body")" = False ] && break
	sleep 0.5
done
sbx_knobs '{"latency_ms":0}'
"$BIN/optsync" sync >/dev/null 2>&1
expect_eq "c1's opt-out applied in the end" "$(sf_box c1@example.com)" True
expect_eq "c4's opt-out applied in the end" "$(sf_box c4@example.com)" True
# No two runs overlap: ordered by start, each starts after the one before ended.
overlaps=$(db "SELECT count(*) FROM runs a JOIN runs b ON b.id > a.id WHERE b.started_at < a.ended_at AND a.dry_run = 0 AND b.dry_run = 0")
expect_eq "no two runs overlapped (runs table)" "$overlaps" 0
echo "# runs: $(db "SELECT group_concat(trigger||':'||started_at||'..'||ended_at, ' ') FROM runs")"
