#!/usr/bin/env bash
# sync_stream_person.sh - change events for person accounts and the daily event delivery
# allocation: an org without Person Accounts never subscribes to Account; with them the daemon
# listens to /data/AccountChangeEvent, a person account's box checked in the sandbox is the AC
# unsubscribe in under 3 s (the interval is an hour), its person Contact's twin event costs no
# second read, a person Contact's event alone is read as its person account, a business account's
# event reads nothing and writes nothing, and the PushTopic fallback covers Account too. Then the
# allocation: /checks shows what is left and warns under a tenth; used up, the sandbox refuses the
# connect as documented and the daemon says so and falls back to polling.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
. "$(dirname "$0")/../lib/stream.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
stat0() { curl -fsS "$SANDBOX_CONTROL/stats" | json "d.get('$1', 0)"; }
last_stream_calls() { sqlite3 "$OPTSYNC_DB" "SELECT calls_sf FROM runs WHERE trigger='stream' ORDER BY id DESC LIMIT 1"; }
pa_field() { sbx_state "$1" | json "[r['$2'] for r in d['sf'] if r['type'] == 'PersonAccount'][0]"; }
stream_check() { optsync check --json | json "[c['status']+' '+c['detail'] for c in d['checks'] if c['id']=='change_events'][0]"; }

wait_log() { # PATTERN
	for i in $(seq 1 100); do
		grep -Eq "$1" "$T/daemon.log" && return 0
		sleep 0.1
	done
	return 1
}

# ---- an org without Person Accounts: Contact and Lead only, Account never subscribed
sbx_reset 5 0
sbx_person '{"email":"plain@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact"}]}'
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "connect sf"
optsync sync >/dev/null 2>&1
expect_eq "off: the engine stored that the org has no person accounts" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_person_accounts'")" "0"
: >"$T/daemon.log"
start_daemon
expect_match "off: subscribed to Contact and Lead only" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(Change Data Capture: /data/ContactChangeEvent, /data/LeadChangeEvent\)"
expect_eq "off: the sandbox saw a Contact subscription" "$(( $(stat0 'stream_subscribes:/data/ContactChangeEvent') > 0 ))" 1
expect_eq "off: the sandbox saw no Account subscription" "$(stat0 'stream_subscribes:/data/AccountChangeEvent')" 0
stop_daemon

# ---- Person Accounts on (a fresh connection detects them)
sbx_post reset '{"seed":3,"people":0,"person_accounts":true}' >/dev/null || fail "reset with person accounts"
for p in pat pa2 pa3 pa4; do
	sbx_person "{\"email\":\"$p@example.com\",\"ac\":{\"lists\":{\"1\":1}},\"sf\":[{\"type\":\"PersonAccount\"}]}"
done
sbx_person '{"email":"c1@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact"}]}'
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null || fail "reconnect sf"
optsync sync --full >/dev/null 2>&1
expect_eq "on: the engine stored that the org has person accounts" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_person_accounts'")" "1"
sqlite3 "$OPTSYNC_DB" "DELETE FROM watermarks WHERE name LIKE 'sf_stream_%'"
: >"$T/daemon.log"
start_daemon
expect_match "on: subscribed to Account's change events too" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(Change Data Capture: /data/ContactChangeEvent, /data/LeadChangeEvent, /data/AccountChangeEvent\)"
expect_eq "on: the sandbox saw the Account subscription" "$(( $(stat0 'stream_subscribes:/data/AccountChangeEvent') > 0 ))" 1

# a person account's box checked: the Account's event and its person Contact's, one targeted run
sbx_event '{"type":"sf_check","email":"pat@example.com"}'
ms=$(wait_list pat@example.com 2)
expect_eq "person account's box through the stream: list 1 unsubscribed" "$(ac_list pat@example.com 1)" "2"
[ "$ms" -lt 3000 ] && ok "person account box checked -> AC unsubscribe in $ms ms (< 3 s; the interval is an hour)" ||
	fail "person account stream latency" "$ms ms"
expect_match "the targeted run is logged" "$(cat "$T/daemon.log")" \
	"change events: [12] event\(s\), [12] record\(s\): sync ok: .*1 to ActiveCampaign"
expect_match "the sync log names the PersonAccount" "$(optsync log --email pat@example.com --json)" \
	'"direction":"sf->ac".*"object":"PersonAccount"|"object":"PersonAccount".*"direction":"sf->ac"'
# one read by id (the Account), then the person's Contact, Lead and PersonAccount by email
expect_eq "the person Contact's twin event costs no second read (4 SF calls)" "$(last_stream_calls)" 4
sleep 0.5
expect_match "the Account channel's replay id is stored" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_stream_replay:/data/AccountChangeEvent'")" '^[0-9]+$'

# Account not selected for CDC: only the person Contact's event comes; it is read as its person account
mirror=$(pa_field pa2@example.com PersonContactId)
now=$(date +%s%3N)
sbx_db "UPDATE sf_records SET opted_out = 1, modified_ms = $now - $now % 1000, modstamp_ms = $now - $now % 1000 WHERE id = '$mirror'" >/dev/null
sbx_db "INSERT INTO sf_stream_events(channel, object, record_id, opted_out, at_ms) VALUES('/data/ContactChangeEvent', 'Contact', '$mirror', 1, $now)" >/dev/null
wait_list pa2@example.com 2 >/dev/null
expect_eq "a person Contact's event alone: its person account read, AC unsubscribed" "$(ac_list pa2@example.com 1)" "2"
# the Contact by id (none: a person Contact), its person account by PersonContactId, the person's three
expect_eq "  (read through its person Contact: 5 SF calls)" "$(last_stream_calls)" 5

# a business account's event (not a person account): read, nothing found, nothing written
writes=$(stat0 ac_contact_list_writes)
sbx_db "INSERT INTO sf_stream_events(channel, object, record_id, opted_out, at_ms) VALUES('/data/AccountChangeEvent', 'Account', '001000000000999AAA', 1, $(date +%s%3N))" >/dev/null
wait_log "change events: 1 event\(s\), 1 record\(s\): sync ok: 0 " &&
	ok "a business account's event: a targeted run that finds and changes nothing" ||
	fail "business account event" "$(tail -3 "$T/daemon.log")"
expect_eq "  no AC write" "$(stat0 ac_contact_list_writes)" "$writes"
expect_eq "  no failed run" "$(sqlite3 "$OPTSYNC_DB" "SELECT count(*) FROM runs WHERE trigger='stream' AND status != 'ok'")" 0

# /checks: subscribed with the replay positions and the delivery allocation left
expect_match "check: Person account's replay position and the allocation left" "$(stream_check)" \
	"^pass subscribed .*/data/AccountChangeEvent\); [0-9]+ of 50000 daily event deliveries left \(DailyDeliveredPlatformEvents\); .*replay position .*Person account [0-9]+"
stop_daemon

# ---- CDC refused: the PushTopic on Account's person box
sbx_knobs '{"stream_cdc":false}'
: >"$T/daemon.log"
start_daemon
expect_match "PushTopic fallback includes the person accounts' topic" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(PushTopic: /topic/optsyncContactOptOut, /topic/optsyncLeadOptOut, /topic/optsyncPersonAcctOptOut\)"
expect_eq "the sandbox holds the Account PushTopic" \
	"$(sbx_db "SELECT object || ' ' || query FROM sf_pushtopics WHERE name = 'optsyncPersonAcctOptOut'")" \
	"Account SELECT Id, PersonHasOptedOutOfEmail FROM Account WHERE IsPersonAccount = true"
sbx_event '{"type":"sf_check","email":"pa3@example.com"}'
ms=$(wait_list pa3@example.com 2)
expect_eq "person account through the PushTopic: AC unsubscribed" "$(ac_list pa3@example.com 1)" "2"
[ "$ms" -lt 3000 ] && ok "PushTopic person account: box -> AC in $ms ms" || fail "PushTopic person latency" "$ms ms"
stop_daemon
sbx_knobs '{"stream_cdc":true}'

# ---- the daily event delivery allocation (the restart replays what CDC kept meanwhile: a few
# deliveries go)
sbx_knobs '{"stream_delivery_max":1000,"stream_delivery_remaining":50}'
: >"$T/daemon.log"
start_daemon
expect_match "check warns under a tenth of the allocation left" "$(stream_check)" \
	"^warn subscribed .*\); (50|4[0-9]) of 1000 daily event deliveries left \(DailyDeliveredPlatformEvents\)"
delivered=$(stat0 stream_events_delivered)
sbx_knobs '{"stream_delivery_remaining":0}'
wait_log "daily event delivery allocation is used up" &&
	ok "allocation used up: a clear line" || fail "allocation line" "$(tail -3 "$T/daemon.log")"
expect_match "  the line names Salesforce's refusal and the fallback" "$(cat "$T/daemon.log")" \
	"change events: the org's daily event delivery allocation is used up \(.*403::Organization total events daily limit exceeded\); falling back to polling"
expect_eq "  the sandbox refused the connect as documented" "$(( $(stat0 stream_allocation_refusals) > 0 ))" 1
expect_match "check warns the allocation is used up" "$(stream_check)" \
	"^warn daily event delivery allocation used up, polling only .*0 of 1000 daily event deliveries left"
stop_daemon
# polling carries the changes: a daemon with a short interval catches the box by its poll
: >"$T/daemon.log"
"$BIN/optsync" daemon --interval 2 >>"$T/daemon.log" 2>&1 &
dpid=$!
wait_log "daily event delivery allocation is used up" || fail "allocation line after restart" "$(tail -3 "$T/daemon.log")"
sbx_event '{"type":"sf_check","email":"pa4@example.com"}'
wait_list pa4@example.com 2 200 >/dev/null
expect_eq "allocation used up: the poll run unsubscribes in AC" "$(ac_list pa4@example.com 1)" "2"
expect_eq "  no event was delivered past the allocation" "$(stat0 stream_events_delivered)" "$delivered"
expect_eq "  and no targeted run ran for it" "$(grep -c 'change events: [0-9]* event(s)' "$T/daemon.log")" 0
stop_daemon
sbx_knobs '{"stream_delivery_max":50000,"stream_delivery_remaining":50000}'

# ---- a daemon already listening when the engine finds Person Accounts turned on: it subscribes
# again, Account included, without a restart (the stored answer set back to "none found" stands
# for an engine that has not noticed yet)
sbx_person '{"email":"pa5@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"PersonAccount"}]}'
sqlite3 "$OPTSYNC_DB" "UPDATE watermarks SET value = '0' WHERE name = 'sf_person_accounts'"
: >"$T/daemon.log"
start_daemon
expect_match "not noticed yet: the listening daemon has Contact and Lead only" "$(cat "$T/daemon.log")" \
	"change events: subscribed \(Change Data Capture: /data/ContactChangeEvent, /data/LeadChangeEvent\)"
subs=$(stat0 'stream_subscribes:/data/AccountChangeEvent')
for i in $(seq 1 50); do # the daemon's start-up run may hold the lock
	optsync sync --full >/dev/null 2>&1 && break
	sleep 0.2
done
expect_eq "the full run stored that the org has person accounts" \
	"$(sqlite3 "$OPTSYNC_DB" "SELECT value FROM watermarks WHERE name='sf_person_accounts'")" "1"
wait_log "change events: Person Accounts are on in Salesforce now; subscribing again" &&
	ok "the listening daemon noticed Person Accounts turned on" || fail "no resubscription" "$(tail -3 "$T/daemon.log")"
wait_log "change events: subscribed \(Change Data Capture: /data/ContactChangeEvent, /data/LeadChangeEvent, /data/AccountChangeEvent\)" &&
	ok "  and subscribed to Account's change events too" || fail "no Account subscription" "$(tail -3 "$T/daemon.log")"
expect_eq "  the sandbox saw one more Account subscription" "$(stat0 'stream_subscribes:/data/AccountChangeEvent')" "$((subs + 1))"
sleep 0.5 # the new session's first connect is on the wire
sbx_event '{"type":"sf_check","email":"pa5@example.com"}'
ms=$(wait_list pa5@example.com 2)
expect_eq "  a person account's box after it: AC unsubscribed" "$(ac_list pa5@example.com 1)" "2"
[ "$ms" -lt 3000 ] && ok "  in $ms ms (< 3 s)" || fail "latency after resubscribing" "$ms ms"
stop_daemon
