#!/bin/bash
# perf_idle.sh - the AC watermark closes a second only once AC's clock (its Date header) is past it
# by ac_clock_margin_s: an idle sync after a first sync whose contacts share one udate second costs
# the same few calls at 60 and at 600 people; one change a second after a burst costs a handful of
# AC calls; a change made later within the very second of contacts already processed is still seen
# (the proof that skipping by udate was not chosen); a change made while a run walks is not lost.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
SB=$T/sandbox.db
sbsql() { sqlite3 -cmd '.timeout 5000' "$SB" "$1"; }
stats_reset() { curl -fsS -X POST "$SANDBOX_CONTROL/stats/reset" >/dev/null; }
big_post() {
	printf '%s' "$2" >"$T/big.json"
	curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$SANDBOX_CONTROL/$1" >/dev/null ||
		fail "sandbox $1"
}
people() { # people PREFIX FROM TO: AC contacts on list 1, tagged and linked to a Contact whose box agrees
	local p='{"people":[' i
	for i in $(seq "$2" "$3"); do
		p="$p{\"email\":\"$1$i@example.com\",\"ac\":{\"lists\":{\"1\":1},\"tags\":[\"added-to-salesforce-contact\"]},\"sf\":[{\"type\":\"Contact\",\"opted_out\":false}]},"
	done
	big_post people "${p%,}]}"
}
# pin SECONDS-AGO [WHERE]: the udate of those AC contacts (all by default) set to one second,
# SECONDS-AGO before the sandbox's clock: the shape an import of many people leaves behind.
pin() { sbsql "UPDATE ac_contacts SET udate_ms = ((CAST(strftime('%s','now') AS INTEGER) - $1) * 1000) WHERE ${2:-1}"; }
ac_calls() { sed -n 's/.*API calls: ActiveCampaign \([0-9]*\),.*/\1/p' <<<"$1"; }
all_calls() { sed -n 's/.*API calls: ActiveCampaign \([0-9]*\), Salesforce \([0-9]*\);.*/\1 \2/p' <<<"$1" | awk '{ print $1 + $2 }'; }
unsub() { # unsub EMAIL: unsubscribed from list 1 through AC's API (udate moves, as in AC)
	local id i
	id=$(sbsql "SELECT id FROM ac_contacts WHERE email_lc = '$1'")
	for i in 1 2 3 4 5 6 7 8 9 10; do # a run beside it may have the rate limit's budget (429)
		curl -fsS -X POST -H 'Api-Token: sandbox-ac-key' -H 'Content-Type: application/json' "$AC_URL/api/3/contactLists" \
			-d "{\"contactList\":{\"list\":\"1\",\"contact\":\"$id\",\"status\":\"2\"}}" >/dev/null 2>&1 && return 0
		sleep 0.3
	done
	fail "unsubscribe $1"
}

connect() {
	optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
	optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
}
# idle_after N: a fresh org and store, N people sharing one udate second two minutes ago, a first
# sync, then an idle one; IDLE gets the calls of the idle one (AC + SF), IDLE_AC its AC calls.
idle_after() {
	sbx_reset 3 0
	people p 1 "$1"
	pin 120
	rm -f "$OPTSYNC_DB" "$OPTSYNC_DB-wal" "$OPTSYNC_DB-shm"
	connect
	out=$(optsync sync 2>&1)
	expect_match "first sync of $1 people sharing one udate second" "$out" "sync ok \\(first sync\\): $1 people read"
	stats_reset
	out=$(optsync sync 2>&1)
	IDLE=$(all_calls "$out") IDLE_AC=$(ac_calls "$out")
	[ "${IDLE:-99}" -le 5 ] && ok "idle sync after $1 people: $IDLE calls (goal <= 5)" || fail "idle calls at $1" "$out"
	expect_eq "idle sync after $1 people: 1 AC call" "$IDLE_AC" 1
	expect_eq "the sandbox counted the same AC calls" "$(sbx_stat requests_ac)" 1
}

sbx_reset 3 0
# --- the sandbox answers with a Date, from the clock its udates come from ------------------------
hdr=$(curl -fsS -D - -o /dev/null -H 'Api-Token: sandbox-ac-key' "$AC_URL/api/3/contacts?limit=1")
expect_match "the sandbox's AC answers carry a Date header" "$hdr" '[Dd]ate: [A-Z][a-z][a-z], [0-9]{2} [A-Z][a-z][a-z] 20[0-9]{2} [0-9:]{8} GMT'
expect_eq "one Date header (nginx keeps the sandbox's)" "$(grep -ci '^date:' <<<"$hdr")" 1
people p 1 3
expect_eq "the sandbox's udates are whole seconds" "$(sbsql "SELECT count(*) FROM ac_contacts WHERE udate_ms % 1000 != 0")" 0

# --- idle after a first sync whose contacts share one udate second: flat ---------------------------
idle_after 60
idle60=$IDLE
idle_after 600
expect_eq "idle is flat: as many calls at 600 people as at 60" "$IDLE" "$idle60"

# --- one change a second after 300 contacts changed in one second ----------------------------------
optsync set ac_clock_margin_s 2 >/dev/null
pin 0 "email_lc LIKE 'p%' AND CAST(substr(email_lc, 2) AS INTEGER) <= 300"
sleep 3 # the burst's second is closed (2 s margin) when the next run asks
out=$(optsync sync 2>&1)
n=$(ac_calls "$out")
[ "${n:-0}" -gt 5 ] && ok "the burst of 300 is read once ($n AC calls)" || fail "the burst was not read" "$out"
sleep 1
unsub p7@example.com
stats_reset
out=$(optsync sync 2>&1)
n=$(ac_calls "$out")
[ "${n:-99}" -le 5 ] && ok "one change after a burst: $n AC calls (goal <= 5)" || fail "AC calls for one change" "$out"
expect_eq "that change reached Salesforce" "$(sf_box p7@example.com)" True

# --- a change later within the same second as contacts already processed is still seen ------------
# A margin wide enough for the whole section: the second of x and y stays open between the runs.
optsync set ac_clock_margin_s 60 >/dev/null
people s 1 2
pin 0 "email_lc IN ('s1@example.com', 's2@example.com')"
out=$(optsync sync 2>&1)
expect_eq "x and y read in their own second: exits 0" "$?" 0
expect_eq "y's box is still clear" "$(sf_box s2@example.com)" False
# y unsubscribed later in that same second: AC keeps the udate it had (one-second resolution).
sbsql "UPDATE ac_contact_lists SET status = 2, udate_ms = (SELECT udate_ms FROM ac_contacts WHERE email_lc = 's2@example.com')
	WHERE list = 1 AND contact = (SELECT id FROM ac_contacts WHERE email_lc = 's2@example.com')"
out=$(optsync sync 2>&1)
expect_eq "the next run exits 0" "$?" 0
expect_eq "y's unsubscribe, same udate as already processed, reached Salesforce" "$(sf_box s2@example.com)" True
wm=$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name = 'ac'")
expect_match "the AC watermark is a time with the account's offset" "$wm" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}$'

# --- a change made while a run walks is not lost ---------------------------------------------------
optsync set ac_clock_margin_s 2 >/dev/null
pin 0 "email_lc LIKE 'p%'"
sleep 3
optsync sync >"$T/during.log" 2>&1 &
pid=$!
sleep 1.5 # the first page (lowest ids, p1 among them) is read by then; the list walk is not over
unsub p1@example.com
wait $pid
expect_eq "the run during which p1 changed exits 0" "$?" 0
out=$(optsync sync 2>&1)
expect_eq "the next run exits 0" "$?" 0
expect_eq "p1's unsubscribe, made during the earlier run's walk, reached Salesforce" "$(sf_box p1@example.com)" True

echo "# perf_idle: $E2E_PASS passed, $E2E_FAIL failed"
