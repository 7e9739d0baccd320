#!/usr/bin/env bash
# sync_bounds.sh - one person never blocks the others (issue 10, point 9): one email on 17, then
# 2,000 Salesforce Leads (a placeholder address, as real orgs have) decides like any other person,
# in the same run as another person's real unsubscribe; and a person who truly cannot be decided
# fails alone, said in the log, on /checks and on /contacts, while everyone else is applied.
# OPTSYNC_PEOPLE_CAP from the caller sends the people through the scratch file (sync_bounds_spill.sh).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/sandbox.sh"
stack_up

optsync() { "$BIN/optsync" "$@"; }
# leads_with EMAIL N [opted_out]: N sf_create Leads of one email, in one control call
leads_with() {
	python3 -c "import json,sys; print(json.dumps({'events':[{'type':'sf_create','object':'Lead','email':sys.argv[1],'last_name':'Dup%d'%i,'opted_out':sys.argv[3]=='1'} for i in range(int(sys.argv[2]))]}))" "$1" "$2" "${3:-0}" >"$T/leads.json"
	curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/event" --data-binary @"$T/leads.json" >/dev/null || fail "sandbox: $2 Leads for $1"
}
# boxes EMAIL: "checked unchecked" counts over the person's Leads
boxes() { sbx_state "$1" | json "'%d %d' % (sum(1 for r in d['sf'] if r['type']=='Lead' and r['HasOptedOutOfEmail']), sum(1 for r in d['sf'] if r['type']=='Lead' and not r['HasOptedOutOfEmail']))"; }

sbx_reset 7 0
sbx_person '{"email":"other1@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"other2@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"conv@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Lead","opted_out":false}]}'
sbx_person '{"email":"bystander@example.com","ac":{"lists":{"1":1}},"sf":[{"type":"Contact","opted_out":false}]}'
sbx_person '{"email":"dup@example.com","ac":{"lists":{"1":1}}}'
leads_with dup@example.com 17
expect_eq "sandbox: 17 Leads share dup@example.com" "$(boxes dup@example.com)" "0 17"

optsync connect ac --url "$AC_URL" --key sandbox-ac-key >/dev/null
optsync connect sf --login-url "$SF_URL" --client-id sandbox-client-id --client-secret sandbox-client-secret >/dev/null

out=$(optsync sync 2>&1)
rc=$?
expect_eq "first sync with 17 Leads on one email exits 0" "$rc" "0"
expect_match "first sync is ok, not partial" "$out" "^sync ok \(first sync\)"
expect_eq "no line about records sharing an email" "$(printf '%s' "$out" | grep -c 'share dup@example.com')" "0"

# --- 17 Leads: a check on one of them and another person's unsubscribe, in the same run ---
lead=$(sbx_state dup@example.com | json "[r['Id'] for r in d['sf'] if r['type']=='Lead'][0]")
sbx_event "{\"type\":\"sf_check\",\"id\":\"$lead\"}"
sbx_event '{"type":"unsubscribe","email":"other1@example.com","list":1}'
out=$(optsync sync 2>&1)
expect_eq "17 Leads: the run exits 0" "$?" "0"
expect_match "17 Leads: the run is ok" "$out" "^sync ok:"
expect_eq "17 Leads: the other person's unsubscribe is written" "$(sf_box other1@example.com)" "True"
expect_eq "17 Leads: all 17 get the same value (R4)" "$(boxes dup@example.com)" "17 0"
expect_eq "17 Leads: the AC contact is unsubscribed (R4)" "$(ac_list dup@example.com 1)" "2"

# --- 2,000 Leads: 1,983 more first seen unchecked join the opted-out person, with another
# person's unsubscribe in the same run ---
leads_with dup@example.com 1983
expect_eq "sandbox: 2,000 Leads share dup@example.com" "$(boxes dup@example.com)" "17 1983"
sbx_event '{"type":"unsubscribe","email":"other2@example.com","list":1}'
start=$(date +%s%N)
out=$(optsync sync 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "# 2,000 Leads on one email: the run took $ms ms (cap ${OPTSYNC_PEOPLE_CAP:-default}): $out"
expect_eq "2,000 Leads: the run exits 0" "$rc" "0"
expect_match "2,000 Leads: 1,984 written to Salesforce" "$out" "^sync ok: [0-9]+ people read; applied 1984 to Salesforce"
expect_eq "2,000 Leads: the other person's unsubscribe is written" "$(sf_box other2@example.com)" "True"
expect_eq "2,000 Leads: all 2,000 get the same value" "$(boxes dup@example.com)" "2000 0"
# Not quadratic: the whole run (read 2,000, decide, 10 composite calls) in well under a minute
# under the sanitizers.
if [ "$ms" -lt 60000 ]; then ok "2,000 Leads: the run takes $ms ms (< 60 s)"; else fail "2,000 Leads: the run takes $ms ms"; fi
before=$(sbx_writes)
out=$(optsync sync 2>&1)
expect_eq "2,000 Leads: the next run exits 0" "$?" "0"
expect_eq "2,000 Leads: the next run writes nothing" "$(sbx_writes)" "$before"

# --- a person who truly cannot be decided fails alone: a linked Lead converted to a Contact that
# is gone (deleted before optsync could read it) ---
sbx_event '{"type":"convert_lead","email":"conv@example.com"}'
contact=$(sbx_state conv@example.com | json "[r['Id'] for r in d['sf'] if r['type']=='Contact'][0]")
sbx_event "{\"type\":\"sf_delete\",\"id\":\"$contact\"}"
sbx_event '{"type":"unsubscribe","email":"bystander@example.com","list":1}'
out=$(optsync sync 2>&1)
rc=$?
expect_eq "a person who cannot be decided: the run exits 1" "$rc" "1"
expect_match "the run says who and why" "$out" "conv@example.com"
expect_eq "everyone else is applied in the same run" "$(sf_box bystander@example.com)" "True"
line=$(optsync log --email conv@example.com --json --limit 1)
expect_match "the person is logged failed with the reason" "$line" '"status":"failed".*"error":"[^"]*'"$contact"
check=$(optsync check --json)
expect_match "optsync check names the person" "$(printf '%s' "$check" | json '[c["detail"] for c in d["checks"] if c["id"]=="people"][0]')" "conv@example.com"
expect_eq "optsync check warns about it" "$(printf '%s' "$check" | json '[c["status"] for c in d["checks"] if c["id"]=="people"][0]')" "warn"

# /contacts shows it to a signed-in admin.
PW='correct horse battery'
printf '%s\n' "$PW" | optsync user add admin --role admin >/dev/null
J=$T/jar
curl -s -c "$J" -b "$J" -o "$T/login.html" "$BASE/login"
tok=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/login.html" | head -1 | sed 's/.*value="//;s/"$//')
curl -s -c "$J" -b "$J" -o /dev/null -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin" \
	--data-urlencode "csrf=$tok" --data-urlencode name=admin --data-urlencode "password=$PW" "$BASE/login"
page=$(curl -s -b "$J" "$BASE/contacts?email=conv%40example.com")
expect_match "/contacts says the person could not be decided" "$page" "could not be decided"
page=$(curl -s -b "$J" "$BASE/checks")
expect_match "/checks names the person" "$page" "conv@example.com"
