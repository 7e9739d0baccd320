#!/bin/bash
# perf_webhook.sh - a webhook wakes the daemon for the people it names only (a targeted run): it
# does not re-read everyone AC changed in the last seconds (the open seconds of the AC watermark),
# moves no watermark, and never starves the timer's poll, however fast webhooks come; a webhook for
# an address neither side knows is logged as the poll run logs it.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
SB=$T/sandbox.db
sbsql() { sqlite3 -cmd '.timeout 5000' "$SB" "$1"; }
db() { sqlite3 -cmd '.timeout 5000' "$OPTSYNC_DB" "$1"; }
people() { # people PREFIX FROM TO: AC contacts on list 1, tagged and linked to a Contact whose box agrees
	local p='{"people":[' i
	for i in $(seq "$2" "$3"); do
		p="$p{\"email\":\"$1$i@example.com\",\"ac\":{\"lists\":{\"1\":1},\"tags\":[\"added-to-salesforce-contact\"]},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"
	done
	printf '%s' "${p%,}]}" >"$T/people.json"
	curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$T/people.json" "$SANDBOX_CONTROL/people" >/dev/null ||
		fail "sandbox people"
}
start_daemon() { # start_daemon INTERVAL: a daemon without the change-event listener; waits for its first run
	"$BIN/optsync" daemon --interval "$1" --no-stream >"$T/daemon.log" 2>&1 &
	dpid=$!
	local i
	for i in $(seq 1 100); do
		grep -q "sync ok" "$T/daemon.log" && return 0
		sleep 0.1
	done
	fail "the daemon's first run" "$(cat "$T/daemon.log")"
}
stop_daemon() {
	kill -TERM "$dpid"
	wait "$dpid"
}
# hook EMAIL TYPE: one webhook straight to the receiver, as AC posts it (distinct by its time)
hook() {
	curl -fsS -o /dev/null -w '%{http_code}' --data-urlencode "type=$2" \
		--data-urlencode "date_time=$(date -u +%Y-%m-%dT%H:%M:%S)+00:00" --data-urlencode "contact[email]=$1" \
		--data-urlencode "contact[id]=0" --data-urlencode "list=1" --data-urlencode "initiated_by=admin" \
		--data-urlencode "seq=$(date +%s%N)" "$url"
}
watermarks() { db "SELECT name || '=' || value FROM watermarks WHERE name IN ('ac', 'sf') ORDER BY name"; }

sbx_reset 3 0
people p 1 20
people w 1 1
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
url=$(optsync webhook --public-url "$BASE" --register | head -1)
out=$(optsync sync 2>&1)
expect_match "first sync of 21 people" "$out" "sync ok \\(first sync\\): 21 people read"

# --- one webhook after 20 other AC contacts changed in the last seconds: a run reading that one ---
start_daemon 3600
before=$(watermarks)
# the 20 changed just now: inside ac_clock_margin_s, so every poll run would read them all again
sbsql "UPDATE ac_contacts SET udate_ms = CAST(strftime('%s','now') AS INTEGER) * 1000 WHERE email_lc LIKE 'p%'"
t0=$(date +%s%N)
sbx_event '{"type":"unsubscribe","email":"w1@example.com","list":1,"wait":true}'
for i in $(seq 1 100); do
	[ "$(sf_box w1@example.com)" = "True" ] && break
	sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "the webhook's unsubscribe reached Salesforce" "$(sf_box w1@example.com)" True
sleep 0.3 # the run's row is closed after its writes
run=$(db "SELECT people || ' ' || calls_ac || ' ' || status FROM runs WHERE trigger = 'webhook' ORDER BY id DESC LIMIT 1")
echo "# webhook run (people, AC calls, status): $run; webhook to Salesforce $ms ms"
expect_eq "the webhook run read only the person it names" "$(cut -d' ' -f1 <<<"$run")" 1
n=$(cut -d' ' -f2 <<<"$run")
[ "${n:-99}" -le 3 ] && ok "the webhook run made $n AC calls (<= 3, not one per open-second contact)" ||
	fail "AC calls of the webhook run" "$run"
expect_eq "the webhook run finished ok" "$(cut -d' ' -f3 <<<"$run")" ok
expect_eq "one webhook run, no poll run for it" "$(db "SELECT count(*) FROM runs WHERE trigger = 'webhook'")" 1
expect_match "the daemon logged a targeted run" "$(cat "$T/daemon.log")" \
	"webhook: 1 event\\(s\\), 1 person\\(s\\): sync ok: 1 people read; applied 1 to Salesforce"
expect_eq "the webhook run moved no watermark" "$(watermarks)" "$before"
expect_eq "the event is marked done" "$(db "SELECT count(*) FROM events WHERE processed_at IS NULL")" 0
expect_match "the log has the opt-out, from the webhook run" \
	"$(optsync log --email w1@example.com --json --limit 1)" '"direction":"ac->sf".*"action":"opt_out","status":"applied"'

# --- an address neither side knows: logged as a poll run logs it -------------------------------
expect_eq "a webhook for an unknown address is accepted" "$(hook ghost1@example.com unsubscribe)" 200
for i in $(seq 1 50); do
	[ "$(db "SELECT count(*) FROM events WHERE processed_at IS NULL")" = 0 ] && break
	sleep 0.1
done
expect_eq "the unknown address's event is done" "$(db "SELECT count(*) FROM events WHERE processed_at IS NULL")" 0
expect_eq "by a targeted run (the daemon says so)" "$(grep -c 'webhook: 1 event(s), 1 person(s): sync ok' "$T/daemon.log")" 2
expect_eq "that read the one address (no one else)" \
	"$(db "SELECT people <= 1 AND calls_ac <= 3 FROM runs WHERE trigger = 'webhook' ORDER BY id DESC LIMIT 1")" 1
stop_daemon
expect_eq "a webhook for another unknown address" "$(hook ghost2@example.com unsubscribe)" 200
out=$(optsync sync 2>&1) # the poll run: what was logged before webhook runs were targeted
expect_match "the poll run applies it" "$out" "sync ok"
logged() { db "SELECT direction || '|' || object || '|' || action || '|' || status || '|' || COALESCE(reason, '') FROM log WHERE email = '$1' ORDER BY id"; }
expect_eq "the targeted run logged the unknown address as the poll run does" "$(logged ghost1@example.com)" \
	"$(logged ghost2@example.com)"
echo "# logged for an unknown address: $(logged ghost1@example.com | head -1)"

# --- webhooks every 0.5 s never starve the timer ----------------------------------------------
start_daemon 4
since=$(db "SELECT max(id) FROM runs")
for i in $(seq 1 20); do
	hook w1@example.com unsubscribe >/dev/null
	sleep 0.5
done
for i in $(seq 1 50); do
	[ "$(db "SELECT count(*) FROM events WHERE processed_at IS NULL")" = 0 ] && break
	sleep 0.1
done
timer=$(db "SELECT count(*) FROM runs WHERE id > $since AND trigger = 'daemon'")
hooks=$(db "SELECT count(*) FROM runs WHERE id > $since AND trigger = 'webhook'")
echo "# 20 webhooks over 10 s, interval 4 s: $timer timer run(s), $hooks webhook run(s) after the first"
[ "$timer" -ge 1 ] && ok "the timer's poll ran while webhooks kept coming ($timer)" || fail "the timer was starved" "$(tail -5 "$T/daemon.log")"
[ "$hooks" -ge 5 ] && ok "the webhooks woke their own runs ($hooks)" || fail "webhook runs" "$hooks"
expect_eq "every webhook is applied" "$(db "SELECT count(*) FROM events WHERE processed_at IS NULL")" 0
stop_daemon
expect_eq "no run failed" "$(db "SELECT count(*) FROM runs WHERE status NOT IN ('ok', 'dry-run')")" 0

echo "# perf_webhook: $E2E_PASS passed, $E2E_FAIL failed"
