#!/usr/bin/env bash
# real_org_mix.sh - a realistic org, with what the real APIs do switched on in the sandbox: Contacts
# and Leads interleaved (one of each per person), one placeholder email on 2,000 Leads, one AC contact
# on 300 lists, a Lead converted, refresh-token rotation, field history. A first sync and then every
# rule; every record must end as the rules say.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up
optsync() { "$BIN/optsync" "$@"; }
sbx_db() { sqlite3 "$T/sandbox.db" "PRAGMA busy_timeout=5000; $1" | tail -1; }
boxes() { sbx_state "$1" | json "'%d %d' % (sum(1 for r in d['sf'] if r['HasOptedOutOfEmail']), sum(1 for r in d['sf'] if not r['HasOptedOutOfEmail']))"; }

sbx_reset 17 0
sbx_knobs '{"field_history":true,"sf_refresh_rotation":true,"oauth_auto_approve":true}'
# Mixed people: a Contact and a Lead each, subscribed in AC; mix0..2 already opted out in Salesforce.
for i in $(seq 0 11); do
	out=false
	[ "$i" -lt 3 ] && out=true
	sbx_person "{\"email\":\"mix$i@example.com\",\"ac\":{\"lists\":{\"1\":1,\"2\":1}},\"sf\":[{\"type\":\"Contact\",\"opted_out\":$out},{\"type\":\"Lead\",\"opted_out\":$out}]}"
done
sbx_person '{"email":"conv@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":true}]}'
sbx_person '{"email":"noemail@example.com","ac":{"lists":{"1":1}}}'
python3 -c "import json; print(json.dumps({'events':[{'type':'sf_create','object':'Lead','email':'noemail@example.com','last_name':'Placeholder%d'%i} for i in range(2000)]}))" >"$T/leads.json"
curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/event" --data-binary @"$T/leads.json" >/dev/null || fail "sandbox: 2,000 Leads"
# 300 lists (the sandbox seeds 3 and has no call to add one), one contact subscribed to all.
sbx_db "WITH RECURSIVE n(i) AS (SELECT 4 UNION ALL SELECT i+1 FROM n WHERE i < 300) INSERT INTO ac_lists(id, name, stringid, cdate_ms) SELECT i, 'List ' || i, 'list-' || i, 0 FROM n" >/dev/null
lists300=$(python3 -c "import json; print(json.dumps({str(i): 1 for i in range(1, 301)}))")
sbx_person "{\"email\":\"many@example.com\",\"ac\":{\"lists\":$lists300},\"sf\":[{\"type\":\"Contact\",\"opted_out\":true}]}"
expect_eq "sandbox: 2,000 Leads share noemail@example.com" "$(boxes noemail@example.com)" "0 2000"

# Salesforce connected through the browser flow: a refresh token, rotated on every refresh.
RT=$(sf_browser_refresh_token)
optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null || fail "connect ac"
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret --refresh-token "$RT" >/dev/null || fail "connect sf with a rotating refresh token"
optsync webhook --public-url "$BASE" --register >/dev/null || fail "webhook"

# ---- first sync: opt-out is sticky both ways
t0=$(date +%s)
out=$(optsync sync 2>&1)
expect_eq "first sync exits 0" "$?" 0
expect_match "first sync is complete" "$out" "^sync ok \(first sync\)"
echo "# first sync: $(($(date +%s) - t0)) s: $out"
for i in 0 1 2; do
	expect_eq "first sync: mix$i opted out in SF -> both AC lists unsubscribed" "$(ac_list mix$i@example.com 1)$(ac_list mix$i@example.com 2)" 22
done
expect_eq "first sync: mix5 stays subscribed, both boxes unchecked" "$(ac_list mix5@example.com 1)$(boxes mix5@example.com)" "10 2"
expect_eq "first sync: many@ unsubscribed from all 300 lists" \
	"$(sbx_db "SELECT count(*) FROM ac_contact_lists cl JOIN ac_contacts c ON c.id = cl.contact WHERE c.email = 'many@example.com' AND cl.status = 2")" 300
expect_eq "first sync: the 2,000 Leads of noemail@ are left as they are" "$(boxes noemail@example.com)" "0 2000"
expect_eq "first sync: a converted Lead's opted-out person is unsubscribed" "$(ac_list conv@example.com 1)" 2

# ---- R4 on one of 2,000 Leads: every record of the email gets the value, and AC unsubscribes
lead=$(sbx_state noemail@example.com | json "[r['Id'] for r in d['sf']][7]")
sbx_event "{\"type\":\"sf_check\",\"id\":\"$lead\"}"
# ---- R2 for six mixed people at once: 12 records, Contact and Lead interleaved in the queue
for i in 3 4 5 6 7 8; do sbx_event "{\"type\":\"unsubscribe\",\"email\":\"mix$i@example.com\"}"; done
# ---- R3: a hard bounce; R1: a re-subscription of an opted-out person; R5: a box unchecked
sbx_event '{"type":"bounce_hard","email":"mix9@example.com"}'
sbx_event '{"type":"subscribe","email":"mix0@example.com","list":1}'
sbx_event '{"type":"sf_uncheck","email":"mix1@example.com"}'
sbx_post tokens '{"expire_access":true}' >/dev/null
refused=$(sbx_stat composite_refused_chunks)
rot0=$(sbx_stat sf_refresh_rotated)
out=$(optsync sync 2>&1)
expect_eq "rule changes: the run exits 0" "$?" 0
expect_match "rule changes: complete" "$out" "^sync ok"
echo "# rules run: $out"
expect_eq "R4: all 2,000 Leads of the email checked" "$(boxes noemail@example.com)" "2000 0"
expect_eq "R4: the AC contact unsubscribed" "$(ac_list noemail@example.com 1)" 2
for i in 3 4 5 6 7 8; do
	expect_eq "R2: mix$i's Contact and Lead both checked" "$(boxes mix$i@example.com)" "2 0"
done
expect_eq "sObject Collections: no request refused for too many type chunks" "$(sbx_stat composite_refused_chunks)" "$refused"
expect_eq "R3: the hard-bounced mix9 checked on both records" "$(boxes mix9@example.com)" "2 0"
expect_eq "R1: mix0's re-subscription unchecks both records" "$(boxes mix0@example.com)" "0 2"
expect_match "R5: mix1's box unchecked in SF, skipped for AC with the reason" \
	"$(optsync log --email mix1@example.com --json --limit 5)" '"action":"skip","status":"skipped"'
expect_eq "R5: mix1 stays unsubscribed in AC" "$(ac_list mix1@example.com 1)" 2
expect_eq "rotation: the expired token was refreshed once, rotating the refresh token" "$(($(sbx_stat sf_refresh_rotated) - rot0))" 1

# ---- conversion: the Lead becomes a Contact; the opt-out carries over and the tag is added
sbx_event '{"type":"convert_lead","email":"conv@example.com"}'
out=$(optsync sync 2>&1)
expect_eq "conversion: the run exits 0" "$?" 0
expect_eq "conversion: the new Contact carries the opt-out" "$(sf_box conv@example.com Contact)" True
expect_match "conversion: tagged salesforce-lead-converted-to-contact" "$(ac_tags conv@example.com)" "salesforce-lead-converted-to-contact"

# ---- and a second run writes nothing
sbx_post tokens '{"expire_access":true}' >/dev/null
before=$(sbx_writes)
out=$(optsync sync 2>&1)
expect_eq "the run after: exits 0 (a rotated token again)" "$?" 0
expect_eq "the run after: no write" "$(sbx_writes)" "$before"
out=$(optsync check 2>&1)
expect_eq "check passes on the mixed org" "$?" 0
