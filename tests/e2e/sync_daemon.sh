#!/usr/bin/env bash
# sync_daemon.sh - the sync core on a timer and on webhooks (daemon), for one person (resync), and
# the rest of SPEC section 1 end to end: Lead conversion, import of new SF records, checks.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }

sbx_reset 5 0
sbx_person '{"email":"hook@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"MiXed@Example.com","ac":{"lists":{"1":1,"2":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"lead@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":false}]}'
sbx_person '{"email":"hist@example.com","ac":{"lists":{"1":1,"2":2}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"noemail@example.com","ac":null,"sf":[{"type":"Lead","email":null,"opted_out":true}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null
url=$(optsync webhook --public-url "$BASE" --register | head -1)
expect_match "webhook URL carries a long random secret" "$url" "^$BASE/hooks/activecampaign/[0-9a-f]{32,}$"
expect_match "registering again finds it" "$(optsync webhook --register | tail -1)" "already registered"
optsync sync >/dev/null
expect_eq "first sync exits 0" "$?" "0"

# --- the daemon: an AC webhook wakes it; the change reaches Salesforce in seconds ---
"$BIN/optsync" daemon --interval 3600 >"$T/daemon.log" 2>&1 &
dpid=$!
sleep 1.5 # its first (timer) run
t0=$(date +%s%N)
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/event" \
	-d '{"type":"unsubscribe","email":"hook@example.com","list":1,"wait":true}' >/dev/null
for i in $(seq 1 100); do
	[ "$(sf_box hook@example.com)" = "True" ] && break
	sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "webhook -> daemon -> Salesforce: box checked" "$(sf_box hook@example.com)" "True"
[ "$ms" -lt 10000 ] && ok "webhook to Salesforce took $ms ms (< 10 s, the daemon's interval is an hour)" || fail "latency" "$ms ms"
expect_eq "the webhook event is stored and processed" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM events WHERE kind='unsubscribe' AND processed_at IS NOT NULL")" "1"
expect_match "the daemon logged the run it woke for" "$(cat "$T/daemon.log")" "sync ok: .*applied 1 to Salesforce"
kill -TERM "$dpid"
for i in $(seq 1 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dpid" 2>/dev/null && fail "daemon stops on SIGTERM" "still running" || ok "daemon stops on SIGTERM"
wait "$dpid"
expect_eq "daemon exit status after SIGTERM" "$?" "0"
expect_match "daemon says it stopped" "$(tail -1 "$T/daemon.log")" "daemon stopped"
expect_eq "the run lock is released" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM run_lock")" "0"

# --- resync one person, address typed carelessly ---
sbx_event '{"type":"sf_check","email":"mixed@example.com"}'
out=$(optsync resync --email '  MIXED@example.COM ')
expect_eq "resync exits 0" "$?" "0"
expect_match "resync applied the R4 unsubscribes" "$out" "applied 0 to Salesforce, 2 to ActiveCampaign"
expect_eq "resync: list 1 unsubscribed" "$(ac_list mixed@example.com 1)" "2"
expect_eq "resync: list 2 unsubscribed" "$(ac_list mixed@example.com 2)" "2"
expect_eq "resync with a bad address is a usage error" "$(optsync resync --email 'not an address' >/dev/null 2>&1; echo $?)" "2"

# --- Lead conversion: the link moves to the Contact, the opt-out carries over, tagged ---
sbx_event '{"type":"sf_check","email":"lead@example.com"}'
optsync sync >/dev/null
sbx_event '{"type":"convert_lead","email":"lead@example.com"}'
optsync sync >/dev/null
expect_eq "conversion: the new Contact carries the Lead's opt-out" "$(sf_box lead@example.com Contact)" "True"
expect_match "conversion: tagged salesforce-lead-converted-to-contact" "$(ac_tags lead@example.com)" "salesforce-lead-converted-to-contact"

# --- import (sf_import new): an SF record created after connecting becomes an AC contact ---
sbx_event '{"type":"sf_create","email":"newbie@example.com","object":"Contact","first_name":"Nia","last_name":"Okafor"}'
optsync sync >/dev/null
st=$(sbx_state newbie@example.com)
expect_eq "import: AC contact created with the SF name" "$(echo "$st" | json "d['ac']['contact']['firstName']+' '+d['ac']['contact']['lastName']")" "Nia Okafor"
expect_match "import: tagged created-from-salesforce-contact" "$(ac_tags newbie@example.com)" "created-from-salesforce-contact"
optsync set sf_import none >/dev/null
sbx_event '{"type":"sf_create","email":"nobody@example.com","object":"Lead","first_name":"No","last_name":"Body"}'
optsync sync >/dev/null
expect_eq "sf_import none: no AC contact created" "$(sbx_state nobody@example.com | json "d['ac'] is None")" "True"

# --- field history gives the exact time of a box change: checked at T1, re-subscribed in AC at
# T2 > T1, an unrelated SF edit at T3 > T2 moves SystemModstamp. The latest event is the
# subscription (R1): with history the box ends unchecked; by SystemModstamp alone it would not.
sbx_knobs '{"field_history":true}'
now=$(date +%s)
sbx_event "{\"type\":\"sf_check\",\"email\":\"hist@example.com\",\"at\":$((now + 5))}"
sbx_event "{\"type\":\"subscribe\",\"email\":\"hist@example.com\",\"list\":2,\"at\":$((now + 10))}"
sbx_event "{\"type\":\"sf_edit\",\"email\":\"hist@example.com\",\"at\":$((now + 15))}"
optsync sync >/dev/null
expect_eq "history: the later AC subscription wins over the earlier check" "$(sf_box hist@example.com)" "False"
expect_eq "history: no AC list was unsubscribed" "$(ac_list hist@example.com 1)" "1"
expect_match "history: the log gives R1 with the subscription" "$(optsync log --email hist@example.com --json --limit 1)" '"action":"opt_in","status":"applied"'

# --- an SF record without email: skipped, and said once, not once per run ---
expect_eq "a record without email is logged once over many runs" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM log WHERE action='skip' AND reason LIKE '%has no usable email address%'")" "1"

# --- checks against the sandbox ---
out=$(optsync check)
expect_eq "check exits 0 with both sides connected" "$?" "0"
expect_match "check: webhook registered and heard from" "$out" "pass  Webhook registered"
json_out=$(optsync check --json)
expect_eq "check --json: every check has a status" "$(echo "$json_out" | json "all(c['status'] in ('pass','warn','fail') for c in d['checks'])")" "True"
expect_eq "check --json: field updatable on Contact and Lead" \
	"$(echo "$json_out" | json "[c['status'] for c in d['checks'] if c['id'].startswith('sf_field')]")" "['pass', 'pass']"
sbx_knobs '{"field_access":{"Lead":"read"}}'
out=$(optsync check 2>&1)
expect_eq "check exits 1 when Email Opt Out is read-only on Lead" "$?" "1"
expect_match "check says what to fix" "$out" "fail  HasOptedOutOfEmail readable and updatable on Lead.*read-only"
